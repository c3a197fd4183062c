namespace PriorTransfer.SelfSupervised;

/// <summary>
/// Options of a SimCLR training run (<see cref="SimclrTrainer"/>). The learning rate follows a linear warm-up over
/// <see cref="WarmupSteps"/> and then a cosine decay to <see cref="FinalLearningRateFraction"/> of its peak.
/// The defaults are the configuration measured on fashion-split (docs in SimclrPretraining).
/// </summary>
public sealed record SimclrOptions
{
    public int Epochs { get; init; } = 10;

    /// <summary>When set, the run lasts this many optimiser steps instead of <see cref="Epochs"/> epochs.</summary>
    public int? Steps { get; init; }

    /// <summary>Images per batch; each gives two views, so the network sees 2 × BatchSize views per step.</summary>
    public int BatchSize { get; init; } = 256;

    public SimclrOptimizer Optimizer { get; init; } = SimclrOptimizer.Sgd;

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 0.3;

    /// <summary>SGD momentum (ignored by Adam).</summary>
    public double Momentum { get; init; } = 0.9;

    public bool Nesterov { get; init; }

    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>Steps of linear learning-rate warm-up from 0.</summary>
    public int WarmupSteps { get; init; } = 50;

    /// <summary>Final learning rate as a fraction of the peak (cosine decay).</summary>
    public double FinalLearningRateFraction { get; init; }

    /// <summary>NT-Xent temperature τ.</summary>
    public double Temperature { get; init; } = 0.5;

    public SimclrAugmentationOptions Augmentation { get; init; } = new();

    /// <summary>Seeds the batch order and the augmented views.</summary>
    public long Seed { get; init; }

    public void Validate()
    {
        if (Epochs < 1 && Steps is null) throw new ArgumentOutOfRangeException(nameof(Epochs), $"epochs must be at least 1; got {Epochs}.");
        if (Steps is < 1) throw new ArgumentOutOfRangeException(nameof(Steps), $"steps must be at least 1; got {Steps}.");
        if (BatchSize < 2) throw new ArgumentOutOfRangeException(nameof(BatchSize), $"the batch size must be at least 2 (NT-Xent needs negatives); got {BatchSize}.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), $"the learning rate must be positive and finite; got {LearningRate}.");
        if (Momentum is < 0 or >= 1 || double.IsNaN(Momentum)) throw new ArgumentOutOfRangeException(nameof(Momentum), $"momentum must be in [0, 1); got {Momentum}.");
        if (WeightDecay < 0 || !double.IsFinite(WeightDecay)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), $"weight decay must be ≥ 0; got {WeightDecay}.");
        if (WarmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(WarmupSteps), $"warm-up steps must be ≥ 0; got {WarmupSteps}.");
        if (FinalLearningRateFraction is < 0 or > 1 || double.IsNaN(FinalLearningRateFraction))
            throw new ArgumentOutOfRangeException(nameof(FinalLearningRateFraction), $"the final learning-rate fraction must be in [0, 1]; got {FinalLearningRateFraction}.");
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) throw new ArgumentOutOfRangeException(nameof(Temperature), $"the temperature must be positive and finite; got {Temperature}.");
        if (Seed < 0) throw new ArgumentOutOfRangeException(nameof(Seed), $"seed must be ≥ 0; got {Seed}.");
        ArgumentNullException.ThrowIfNull(Augmentation);
        Augmentation.Validate();
    }
}
