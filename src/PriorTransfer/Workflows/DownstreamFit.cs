using PriorTransfer.Data;
using PriorTransfer.Metrics;
using PriorTransfer.Models;
using PriorTransfer.Prediction;
using PriorTransfer.Sampling;
using static TorchSharp.torch;

namespace PriorTransfer.Workflows;

/// <summary>
/// A fitted downstream predictor: one model (SGD, MAP), one model with the samples of a cyclical run (BMA over the
/// samples, each with its own BatchNorm statistics), or several models (deep ensemble). Owns what it holds.
/// </summary>
public sealed class DownstreamFit : IDisposable
{
    private readonly Classifier model;
    private readonly SampleStore? samples;
    private readonly IReadOnlyList<Classifier> members;

    public DownstreamFit(Classifier model, SampleStore? samples = null)
    {
        this.model = model;
        this.samples = samples;
        members = [model];
    }

    public DownstreamFit(IReadOnlyList<Classifier> ensemble)
    {
        if (ensemble.Count == 0) throw new ArgumentException("an ensemble needs at least one member.", nameof(ensemble));
        model = ensemble[0];
        members = ensemble;
    }

    /// <summary>The (first) model: the point estimate, or the module the samples are loaded into.</summary>
    public Classifier Model => model;

    /// <summary>Number of models averaged: BMA samples or ensemble members (1 for a point estimate).</summary>
    public int Size => samples?.Count ?? members.Count;

    /// <summary>Predictive probabilities [N, C]: the average of the members' softmax probabilities.</summary>
    public Tensor Predict(Tensor images, CancellationToken cancellationToken = default)
    {
        if (samples is not null) return BmaPredictor.Predict(model, samples, images, cancellationToken: cancellationToken);
        return members.Count == 1
            ? BmaPredictor.Predict(model, images, cancellationToken: cancellationToken)
            : BmaPredictor.Predict(members.ToArray<nn.Module<Tensor, Tensor>>(), images, cancellationToken: cancellationToken);
    }

    /// <summary>Each member's probabilities [S, N, C] (for the samplers' health check: each sample alone should be a good model).</summary>
    public Tensor PredictEach(Tensor images, CancellationToken cancellationToken = default) => samples is not null
        ? BmaPredictor.PredictEach(model, samples, images, cancellationToken: cancellationToken)
        : BmaPredictor.PredictEach(members.ToArray<nn.Module<Tensor, Tensor>>(), images, cancellationToken: cancellationToken);

    /// <summary>
    /// Metrics of the averaged prediction on <paramref name="data"/> and, for several members, the members' mean accuracy
    /// on their own (a BMA is trusted only when its samples are good models), from one pass over the members.
    /// </summary>
    public (ClassificationMetrics Metrics, double? MemberAccuracy) Evaluate(ImageSet data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (Size == 1) return (Evaluator.Evaluate(images => Predict(images, cancellationToken), data), null);
        using var scope = NewDisposeScope();
        var each = PredictEach(data.Images, cancellationToken); // [S, N, C]
        var metrics = new ClassificationMetrics();
        metrics.Update(each.mean([0]), data.Labels);
        double memberAccuracy = each.argmax(2).eq(data.Labels.unsqueeze(0)).to_type(ScalarType.Float32).mean().item<float>();
        return (metrics, memberAccuracy);
    }

    public void Dispose()
    {
        samples?.Dispose();
        foreach (var m in members) m.Dispose();
    }
}
