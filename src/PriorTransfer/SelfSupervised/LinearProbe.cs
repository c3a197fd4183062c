using PriorTransfer.Data;
using PriorTransfer.Metrics;
using PriorTransfer.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PriorTransfer.SelfSupervised;

/// <summary>
/// A linear probe (the standard evaluation of self-supervised features, Chen et al., 2020, section 4): multinomial
/// logistic regression p(y | h) = softmax(W·(h − μ)/σ + b) on frozen features h, with μ, σ the per-feature mean and
/// standard deviation of the training features (σ floored at 1e-6, so constant features such as blank border
/// pixels are harmless). Fitted full-batch (<see cref="LinearProbeOptions"/>). Owns its tensors.
/// </summary>
public sealed class LinearProbe : IDisposable
{
    private const double StdFloor = 1e-6;

    private LinearProbe(Tensor mean, Tensor std, Tensor weight, Tensor bias)
    {
        Mean = mean.DetachFromDisposeScope();
        Std = std.DetachFromDisposeScope();
        Weight = weight.DetachFromDisposeScope();
        Bias = bias.DetachFromDisposeScope();
    }

    /// <summary>Per-feature mean μ [D] of the training features.</summary>
    public Tensor Mean { get; }

    /// <summary>Per-feature standard deviation σ [D] of the training features (floored).</summary>
    public Tensor Std { get; }

    /// <summary>Weights W [C, D] on standardised features.</summary>
    public Tensor Weight { get; }

    /// <summary>Biases b [C].</summary>
    public Tensor Bias { get; }

    public int Dimension => (int)Weight.shape[1];

    public int Classes => (int)Weight.shape[0];

    /// <summary>Features [N, D] of images under <c>eval()</c> and <c>no_grad()</c>, batch by batch; the module's mode is restored.</summary>
    public static Tensor ExtractFeatures(Module<Tensor, Tensor> extractor, Tensor images, int batchSize = 500)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"the batch size must be positive; got {batchSize}.");
        bool wasTraining = extractor.training;
        extractor.eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            long n = images.shape[0];
            var parts = new List<Tensor>();
            for (long start = 0; start < n; start += batchSize)
                parts.Add(extractor.forward(images.narrow(0, start, Math.Min(batchSize, n - start))).flatten(1));
            if (parts.Count == 0) throw new ArgumentException("there are no images to extract features from.", nameof(images));
            return cat(parts, 0).MoveToOuterDisposeScope();
        }
        finally
        {
            extractor.train(wasTraining);
        }
    }

    /// <summary>Raw pixels as features: images [N, C, H, W] flattened to [N, C·H·W].</summary>
    public static Tensor Pixels(Tensor images) => images.flatten(1);

    /// <summary>Fits a probe on features [N, D] (float) and labels [N] (int64, 0..classes−1).</summary>
    public static LinearProbe Fit(Tensor features, Tensor labels, int classes, LinearProbeOptions? options = null)
    {
        options ??= new LinearProbeOptions();
        options.Validate();
        if (features.dim() != 2) throw new ArgumentException($"features must be [N, D]; got [{string.Join(", ", features.shape)}].", nameof(features));
        if (labels.dim() != 1 || labels.shape[0] != features.shape[0])
            throw new ArgumentException($"labels must be [{features.shape[0]}]; got [{string.Join(", ", labels.shape)}].", nameof(labels));
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), $"a probe needs at least 2 classes; got {classes}.");
        long d = features.shape[1];

        using var scope = NewDisposeScope();
        var x = features.detach();
        var mean = x.mean([0]);
        var std = x.std(0, unbiased: false).clamp_min(StdFloor);
        var standardised = (x - mean) / std;

        using var generator = new Generator((ulong)options.Seed);
        double bound = 1.0 / Math.Sqrt(d);
        var weight = new Parameter(rand([classes, d], x.dtype, x.device, generator: generator) * (2 * bound) - bound);
        var bias = new Parameter(zeros([classes], x.dtype, x.device));
        using var optimizer = optim.Adam([weight, bias], options.LearningRate);
        var schedule = new CosineSchedule(options.LearningRate, options.Iterations);
        for (int i = 0; i < options.Iterations; i++)
        {
            using var step = NewDisposeScope();
            foreach (var group in optimizer.ParamGroups) group.LearningRate = schedule.At(i);
            optimizer.zero_grad();
            var loss = functional.cross_entropy(standardised.matmul(weight.t()) + bias, labels);
            if (options.L2 > 0) loss = loss + 0.5 * options.L2 * weight.square().sum();
            loss.backward();
            optimizer.step();
        }
        return new LinearProbe(mean, std, weight.detach().clone(), bias.detach().clone());
    }

    /// <summary>Logits [N, C] of features [N, D].</summary>
    public Tensor Logits(Tensor features)
    {
        using var scope = NewDisposeScope();
        return ((features - Mean) / Std).matmul(Weight.t()).add(Bias).MoveToOuterDisposeScope();
    }

    /// <summary>Accuracy, NLL, ECE and Brier score of the probe's softmax on features [N, D] with labels [N].</summary>
    public MetricSummary Evaluate(Tensor features, Tensor labels)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return ClassificationMetrics.Compute(functional.softmax(Logits(features), 1), labels);
    }

    /// <summary>
    /// Writes the probe into a linear layer acting on raw (unstandardised) features, folding the standardisation in:
    /// W' = W / σ (column-wise), b' = b − W'·μ. A classifier with this head predicts what the probe predicts.
    /// </summary>
    public void CopyTo(Linear head)
    {
        ArgumentNullException.ThrowIfNull(head);
        var w = head.weight!;
        if (w.shape[0] != Classes || w.shape[1] != Dimension)
            throw new ArgumentException($"the layer is [{w.shape[0]}, {w.shape[1]}] but the probe is [{Classes}, {Dimension}].", nameof(head));
        if (head.bias is null) throw new ArgumentException("the layer has no bias to hold the probe's.", nameof(head));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var folded = Weight / Std;
        w.copy_(folded);
        head.bias.copy_(Bias - folded.matmul(Mean));
    }

    /// <summary>Fits a probe on the training features and reports it on both sets.</summary>
    public static LinearProbeResult Measure(string name, Tensor trainFeatures, Tensor trainLabels, Tensor testFeatures, Tensor testLabels,
        int classes, LinearProbeOptions? options = null)
    {
        using var probe = Fit(trainFeatures, trainLabels, classes, options);
        var train = probe.Evaluate(trainFeatures, trainLabels);
        var test = probe.Evaluate(testFeatures, testLabels);
        return new LinearProbeResult(name, probe.Dimension, train.Accuracy, test.Accuracy, test.NegativeLogLikelihood);
    }

    /// <summary>Fits a probe on <paramref name="extractor"/>'s features of <paramref name="train"/> and reports it on both sets.</summary>
    public static LinearProbeResult Measure(string name, Module<Tensor, Tensor> extractor, ImageSet train, ImageSet test, LinearProbeOptions? options = null)
    {
        options ??= new LinearProbeOptions();
        using var trainFeatures = ExtractFeatures(extractor, train.Images, options.BatchSize);
        using var testFeatures = ExtractFeatures(extractor, test.Images, options.BatchSize);
        return Measure(name, trainFeatures, train.Labels, testFeatures, test.Labels, train.ClassCount, options);
    }

    public void Dispose()
    {
        Mean.Dispose();
        Std.Dispose();
        Weight.Dispose();
        Bias.Dispose();
    }
}
