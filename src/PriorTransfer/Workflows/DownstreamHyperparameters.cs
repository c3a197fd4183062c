using System.Globalization;

namespace PriorTransfer.Workflows;

/// <summary>
/// One point of a downstream tuning grid. <see cref="Lambda"/> scales the learned prior's covariance (λ·Σ) or, for the
/// zero-mean isotropic prior, is its variance; <see cref="HeadVariance"/> is the variance of the head's zero-mean
/// isotropic prior; <see cref="Temperature"/> scales the samplers' noise; <see cref="WeightDecay"/> is used only
/// without a prior; <see cref="Preconditioned"/> applies the curvature-aware preconditioner (Training.PriorPreconditioner)
/// to a MAP fit's gradient.
/// </summary>
public sealed record DownstreamHyperparameters(
    double LearningRate,
    double WeightDecay = 0,
    double? Lambda = null,
    double HeadVariance = 1.0,
    double? Temperature = null,
    bool Preconditioned = false)
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first value out of range.</summary>
    public void Validate()
    {
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), $"learning rate must be positive and finite; got {LearningRate}.");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay))
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), $"weight decay must be ≥ 0 and finite; got {WeightDecay}.");
        if (Lambda is { } l && (!(l > 0) || double.IsInfinity(l)))
            throw new ArgumentOutOfRangeException(nameof(Lambda), $"the prior scale λ must be a positive finite number; got {l} (learned priors are usually tuned over 1e4 to 1e8).");
        if (!(HeadVariance > 0) || double.IsInfinity(HeadVariance))
            throw new ArgumentOutOfRangeException(nameof(HeadVariance), $"the head's prior variance must be a positive finite number; got {HeadVariance}.");
        if (Temperature is { } t && (!(t >= 0) || double.IsInfinity(t)))
            throw new ArgumentOutOfRangeException(nameof(Temperature), $"the temperature T must be finite and ≥ 0; got {t}.");
    }

    public override string ToString()
    {
        var parts = new List<string> { $"lr={F(LearningRate)}" };
        if (Lambda is { } l) parts.Add($"λ={F(l)}");
        if (WeightDecay > 0) parts.Add($"wd={F(WeightDecay)}");
        if (Lambda is not null) parts.Add($"head var={F(HeadVariance)}");
        if (Temperature is { } t) parts.Add($"T={F(t)}");
        if (Preconditioned) parts.Add("preconditioned");
        return string.Join(" ", parts);
    }

    private static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
