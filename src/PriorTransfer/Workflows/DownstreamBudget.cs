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

    /// <summary>A small budget for demos and quick profiles.</summary>
    public static DownstreamBudget Quick { get; } = new() { Steps = 150, SamplerSteps = 200, EnsembleSize = 5 };
}
