using System.Globalization;

namespace PriorTransfer.Workflows;

/// <summary>
/// One point of a downstream tuning grid. <see cref="Lambda"/> scales the learned prior's covariance (λ·Σ) or, for the
/// zero-mean isotropic prior, is its variance; <see cref="HeadVariance"/> is the variance of the head's zero-mean
/// isotropic prior; <see cref="Temperature"/> scales the samplers' noise; <see cref="WeightDecay"/> is used only
/// without a prior.
/// </summary>
public sealed record DownstreamHyperparameters(
    double LearningRate,
    double WeightDecay = 0,
    double? Lambda = null,
    double HeadVariance = 1.0,
    double? Temperature = null)
{
    public override string ToString()
    {
        var parts = new List<string> { $"lr={F(LearningRate)}" };
        if (Lambda is { } l) parts.Add($"λ={F(l)}");
        if (WeightDecay > 0) parts.Add($"wd={F(WeightDecay)}");
        if (Lambda is not null) parts.Add($"head var={F(HeadVariance)}");
        if (Temperature is { } t) parts.Add($"T={F(t)}");
        return string.Join(" ", parts);
    }

    private static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
