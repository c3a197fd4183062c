namespace PriorTransfer.Workflows;

/// <summary>
/// The compute each downstream fit gets, identical for every method: optimiser steps, batch size, the cyclical
/// samplers' cycles (one BMA sample per cycle), and the deep ensemble's size.
/// </summary>
public sealed record DownstreamBudget
{
    public int Steps { get; init; } = 300;
    public int SamplerSteps { get; init; } = 500;
    public int Cycles { get; init; } = 10;
    public int BatchSize { get; init; } = 64;
    public int EnsembleSize { get; init; } = 10;
    public double SghmcMomentum { get; init; } = 0.9;
    public bool Augment { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first value out of range.</summary>
    public void Validate()
    {
        if (Steps < 1) throw new ArgumentOutOfRangeException(nameof(Steps), $"steps must be at least 1; got {Steps}.");
        if (SamplerSteps < 1) throw new ArgumentOutOfRangeException(nameof(SamplerSteps), $"sampler steps must be at least 1; got {SamplerSteps}.");
        if (Cycles < 1) throw new ArgumentOutOfRangeException(nameof(Cycles), $"cycles must be at least 1; got {Cycles}.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), $"batch size must be at least 1; got {BatchSize}.");
        if (EnsembleSize < 1) throw new ArgumentOutOfRangeException(nameof(EnsembleSize), $"ensemble size must be at least 1; got {EnsembleSize}.");
        if (SghmcMomentum is < 0 or >= 1 || double.IsNaN(SghmcMomentum))
            throw new ArgumentOutOfRangeException(nameof(SghmcMomentum), $"SGHMC momentum must be in [0, 1); got {SghmcMomentum}.");
    }

    /// <summary>
    /// A small budget for demos (3,200 images per SGD/MAP fit): samplers get 200 steps in 5 cycles (5 BMA samples of 40
    /// steps each; with 10 cycles of 10 steps the samples were measured to be under-trained), ensembles 5 members.
    /// </summary>
    public static DownstreamBudget Quick { get; } = new() { Steps = 100, SamplerSteps = 200, Cycles = 5, BatchSize = 32, EnsembleSize = 5 };
}
