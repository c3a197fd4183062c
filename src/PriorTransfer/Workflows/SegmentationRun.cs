using System.Diagnostics;
using PriorTransfer.Data;
using PriorTransfer.Metrics;
using PriorTransfer.Models;
using PriorTransfer.Parameters;
using PriorTransfer.Priors;
using PriorTransfer.Serialization;
using PriorTransfer.Swag;
using PriorTransfer.Training;
using PriorTransfer.Tuning;
using static TorchSharp.torch;

namespace PriorTransfer.Workflows;

/// <summary>One tuning grid point of a segmentation run: validation mIoU and per-pixel NLL, or why it failed.</summary>
public sealed record SegmentationGridPoint(DownstreamHyperparameters Config, double? ValidationMeanIou, double? ValidationPixelNll, string? Failure)
{
    public bool Diverged => Failure is not null;
}

/// <summary>The outcome of one segmentation cell (method, n, seed): what tuning chose and the test metrics.</summary>
/// <remarks>ClassIou: test IoU per class (background first), null for a class absent from truth and predictions.
/// Samples: networks in the prediction (BMA samples; 1 for SGD). MeanSampleIou: the mean of the BMA samples' own test
/// mIoU (null for SGD), to tell a good average of good networks from an average that rescues poor ones. PriorLoss: the
/// loss recorded in the prior file's manifest (e.g. "supervised", "simclr"), for learned-prior methods.</remarks>
public sealed record SegmentationResult(
    string Task,
    string Method,
    int N,
    int Seed,
    DownstreamHyperparameters Chosen,
    IReadOnlyList<SegmentationGridPoint> Grid,
    double ValidationMeanIou,
    double MeanIou,
    double PixelAccuracy,
    double PixelNll,
    IReadOnlyList<double?> ClassIou,
    int Samples,
    double? MeanSampleIou,
    string Checkpoint,
    string? Prior,
    string? PriorLoss,
    string? PreviewPath,
    TimeSpan Elapsed);

/// <summary>
/// The segmentation experiment (paper §4.4, Table 1) for one method, n and seed: compose n training scenes, tune the
/// method on the validation scenes (grid search, the same budget for every method; selection by per-pixel NLL, the
/// codebase's criterion), then report the chosen fit's test mIoU and pixel accuracy. The model is
/// <see cref="SegmentationModel"/> with the checkpoint's backbone; methods with a prior minimise the posterior
/// objective of <see cref="PosteriorObjective"/> (per-scene mean pixel cross-entropy, N = number of scenes) with
/// cyclical SGLD and predict by BMA.
/// </summary>
public static class SegmentationRun
{
    public static SegmentationResult Run(TransferTask task, SegmentationMethod method, int n, int seed, SegmentationRunOptions options,
        IProgress<TrainingProgress>? progress = null, Action<SegmentationGridPoint>? onGridPoint = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(options);
        if (seed < 0) throw new ArgumentOutOfRangeException(nameof(seed), $"seed must be ≥ 0; got {seed}.");
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), $"the number of training scenes n must be at least 1; got {n}.");
        options.Validate();
        var grid = options.Grid ?? SegmentationGrids.For(method, options.Tuning);
        if (method.UsesLearnedPrior && options.Prior is null)
            throw new ArgumentException($"method '{method.Id}' needs a learned prior: give a --prior (from `learn-prior`).");
        var spec = Checkpoint.ReadHeader(options.Checkpoint).Spec;
        if (spec.Architecture is not ("resnet8" or "resnet20"))
            throw new ArgumentException($"checkpoint '{options.Checkpoint}' is a {spec}; segmentation needs a resnet8 or resnet20 backbone.");

        PriorLoss? priorLoss = null;
        using var learned = method.UsesLearnedPrior ? LoadPrior(options.Prior!, spec, task, out priorLoss) : null;
        using var train = Scenes.Training(task, n, seed, options.Scenes);
        using var validation = Scenes.Validation(task, options.ValidationScenes, options.Scenes);
        int classes = train.ClassCount;
        var validationIou = new Dictionary<DownstreamHyperparameters, double>();
        var points = new List<SegmentationGridPoint>();
        DownstreamHyperparameters? current = null;   // GridSearch validates each fit right after making it
        using var search = GridSearch.Run(grid,
            hyper => Fit(method, current = hyper, options, spec, classes, learned, train, seed, progress, cancellationToken),
            fit =>
            {
                var (segmentation, pixels, _) = Evaluate(fit, validation, null);
                validationIou[current!] = segmentation.MeanIntersectionOverUnion;
                return pixels.Summary();
            },
            SelectionCriterion.Nll,
            point =>
            {
                var p = new SegmentationGridPoint(point.Config, validationIou.TryGetValue(point.Config, out var iou) ? iou : null,
                    point.Validation?.NegativeLogLikelihood, point.Failure);
                points.Add(p);
                onGridPoint?.Invoke(p);
            });

        using var test = Scenes.Test(task, options.TestScenes, options.Scenes);
        var keep = new List<Tensor>();
        var (testSegmentation, testPixels, meanSampleIou) = Evaluate(search.BestFit, test, options.PreviewPath is null ? null : keep, perSample: true);
        try
        {
            if (options.PreviewPath is not null) ScenePicture.SavePng(options.PreviewPath, test, options.PreviewCount, keep);
        }
        finally
        {
            foreach (var t in keep) t.Dispose();
        }
        return new SegmentationResult(task.Name, method.Id, n, seed, search.Best.Config, points, validationIou[search.Best.Config],
            testSegmentation.MeanIntersectionOverUnion, testSegmentation.PixelAccuracy, testPixels.NegativeLogLikelihood,
            testSegmentation.IntersectionOverUnion().Select(v => double.IsNaN(v) ? (double?)null : v).ToArray(),
            search.BestFit.Size, meanSampleIou, options.Checkpoint, method.UsesLearnedPrior ? options.Prior : null,
            priorLoss is { } loss ? PriorFile.LossName(loss) : null, options.PreviewPath, clock.Elapsed);
    }

    /// <summary>Trains one configuration: SGD from the pre-trained backbone, or cyclical SGLD on the posterior.</summary>
    private static SegmentationFit Fit(SegmentationMethod method, DownstreamHyperparameters hyper, SegmentationRunOptions options, ModelSpec spec,
        int classes, LowRankGaussian? learned, ImageSet train, int seed, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var model = CreateModel(method, options, spec, classes, learned, train, seed);
        try
        {
            var budget = options.Budget;
            if (method.Inference == InferenceKind.Sgd)
            {
                SgdTrainer.Train(model, train,
                    new SgdOptions { Steps = budget.Steps, BatchSize = budget.BatchSize, LearningRate = hyper.LearningRate, Momentum = 0.9, WeightDecay = hyper.WeightDecay, Seed = seed },
                    progress: progress, stage: method.Id, cancellationToken: cancellationToken);
                return new SegmentationFit(model);
            }
            using var prior = DownstreamTrainer.BuildPrior(model, method.Prior, method.Id, hyper,
                () => learned ?? throw new ArgumentException($"method '{method.Id}' needs a learned prior."));
            var objective = new PosteriorObjective(prior, train.Count);
            var samples = DownstreamTrainer.RunCyclical(model, method.Inference, method.Id, hyper, train, objective, seed, budget,
                augmentation: null, progress, cancellationToken);
            return new SegmentationFit(model, samples);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A new network with the checkpoint's backbone; learned-prior methods then start at the prior mean, with the
    /// prior's SWA-mean checkpoint's BatchNorm statistics when it exists beside the prior file, else statistics
    /// recomputed on the training scenes.
    /// </summary>
    private static SegmentationModel CreateModel(SegmentationMethod method, SegmentationRunOptions options, ModelSpec spec, int classes,
        LowRankGaussian? learned, ImageSet train, int seed)
    {
        var model = SegmentationModel.Create(spec with { Classes = classes }, seed);
        try
        {
            string? swa = learned is null ? null : PriorLearning.SwaCheckpointPath(options.Prior!);
            bool hasSwa = swa is not null && File.Exists(swa);
            Checkpoint.LoadBackbone(model, hasSwa ? swa! : options.Checkpoint);
            if (learned is null || hasSwa) return model;
            ParameterLayout.WithPrefixes(model, Classifier.BackbonePrefix).Write(model, learned.Mean);
            BatchNormRecalibration.Run(model, new BatchIterator(train, options.Budget.BatchSize, shuffle: false).Epoch(null).Select(b => b.Images));
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The prior over the segmentation network's backbone; its layout is validated against that backbone (the names are
    /// the classifier's). Any prior file is accepted: the manifest's loss is reported, and a method's expected loss
    /// (<see cref="SegmentationMethod.PriorLoss"/>) only labels the column (a SimCLR backbone with SWAG on the source
    /// cross-entropy, for instance, records "supervised").
    /// </summary>
    private static LowRankGaussian LoadPrior(string path, ModelSpec spec, TransferTask task, out PriorLoss? loss)
    {
        using var probe = SegmentationModel.Create(spec with { Classes = task.DownstreamClassNames.Count + 1 }, 0);
        using var contents = PriorFile.Load(path, probe);
        loss = contents.Manifest.Source.Loss;
        return contents.ToPrior();
    }

    /// <summary>
    /// mIoU and pixel accuracy, and per-pixel NLL/ECE (pixels as examples), of a fit on scenes; optionally keeps the argmax
    /// maps. With <paramref name="perSample"/> a BMA also reports its samples' mean mIoU (the sampler health check),
    /// from the same single pass over the samples that makes their average.
    /// </summary>
    private static (SegmentationMetrics Segmentation, ClassificationMetrics Pixels, double? MeanSampleIou) Evaluate(SegmentationFit fit,
        ImageSet scenes, List<Tensor>? keepPredictions, bool perSample = false)
    {
        var segmentation = new SegmentationMetrics(scenes.ClassCount);
        var pixels = new ClassificationMetrics();
        using var scope = NewDisposeScope();
        Tensor probabilities;
        double? meanSampleIou = null;
        if (perSample && fit.Size > 1)
        {
            Tensor? sum = null;
            var each = new List<double>();
            foreach (var sample in fit.PredictEachSample(scenes.Images))
            {
                var own = new SegmentationMetrics(scenes.ClassCount);
                own.UpdateFromScores(sample, scenes.Labels);
                each.Add(own.MeanIntersectionOverUnion);
                if (sum is null) sum = sample;
                else
                {
                    sum.add_(sample);
                    sample.Dispose();
                }
            }
            probabilities = sum!.div_(each.Count);
            meanSampleIou = each.Average();
        }
        else probabilities = fit.Predict(scenes.Images);
        segmentation.UpdateFromScores(probabilities, scenes.Labels);
        pixels.Update(probabilities.permute(0, 2, 3, 1).reshape(-1, scenes.ClassCount), scenes.Labels.flatten());
        keepPredictions?.Add(probabilities.argmax(1).DetachFromDisposeScope());
        return (segmentation, pixels, meanSampleIou);
    }
}
