namespace PriorTransfer.Training;

/// <summary>Options of an SGD run with momentum, weight decay and a cosine learning-rate schedule.</summary>
public sealed record SgdOptions
{
    public int Epochs { get; init; } = 5;
    /// <summary>When set, the run lasts this many optimiser steps instead of <see cref="Epochs"/> epochs.</summary>
    public int? Steps { get; init; }
    public int BatchSize { get; init; } = 128;
    public double LearningRate { get; init; } = 0.1;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 5e-4;
    public bool Nesterov { get; init; } = true;
    /// <summary>Final learning rate as a fraction of the initial one (cosine annealing).</summary>
    public double FinalLearningRateFraction { get; init; } = 0.0;
    public long Seed { get; init; }

    public void Validate()
    {
        if (Epochs < 1 && Steps is null) throw new ArgumentOutOfRangeException(nameof(Epochs), $"epochs must be at least 1; got {Epochs}.");
        if (Steps is < 1) throw new ArgumentOutOfRangeException(nameof(Steps), $"steps must be at least 1; got {Steps}.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), $"batch size must be at least 1; got {BatchSize}.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), $"learning rate must be positive and finite; got {LearningRate}.");
        if (Momentum is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Momentum), $"momentum must be in [0, 1); got {Momentum}.");
        if (WeightDecay < 0 || double.IsNaN(WeightDecay)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), $"weight decay must be ≥ 0; got {WeightDecay}.");
        if (Seed < 0) throw new ArgumentOutOfRangeException(nameof(Seed), $"seed must be ≥ 0; got {Seed}.");
    }
}
