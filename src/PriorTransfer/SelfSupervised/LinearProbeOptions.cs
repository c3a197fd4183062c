namespace PriorTransfer.SelfSupervised;

/// <summary>
/// Options of <see cref="LinearProbe"/>: multinomial logistic regression on standardised frozen features, fitted
/// full-batch with Adam for a fixed number of iterations (cosine-decayed step size), with an L2 penalty on the weights.
/// </summary>
public sealed record LinearProbeOptions
{
    public int Iterations { get; init; } = 300;

    /// <summary>Adam's initial step size (the features are standardised, so one value suits any extractor).</summary>
    public double LearningRate { get; init; } = 0.05;

    /// <summary>Penalty ½·L2·‖W‖² added to the mean cross-entropy (biases are not penalised).</summary>
    public double L2 { get; init; } = 1e-4;

    /// <summary>Images per forward pass when extracting features.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>Seeds the initial weights.</summary>
    public long Seed { get; init; }

    public void Validate()
    {
        if (Iterations < 1) throw new ArgumentOutOfRangeException(nameof(Iterations), $"iterations must be at least 1; got {Iterations}.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), $"the learning rate must be positive and finite; got {LearningRate}.");
        if (L2 < 0 || !double.IsFinite(L2)) throw new ArgumentOutOfRangeException(nameof(L2), $"the L2 penalty must be ≥ 0; got {L2}.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), $"the batch size must be positive; got {BatchSize}.");
        if (Seed < 0) throw new ArgumentOutOfRangeException(nameof(Seed), $"seed must be ≥ 0; got {Seed}.");
    }
}
