using System.Text.Json;
using PriorTransfer.Data;
using PriorTransfer.Workflows;

namespace PriorTransfer.Experiments;

/// <summary>
/// How much compute an experiment gets: seeds, downstream sizes, pre-training and SWAG length, the downstream budget
/// and tuning budget (equal for every method), and the axes of the ablations. <see cref="Quick"/> finishes
/// <c>experiment all</c> in minutes on 2 cores; <see cref="Full"/> is BENCHMARK.md's protocol (5 seeds, every size).
/// </summary>
public sealed record ExperimentProfile
{
    public required string Name { get; init; }
    public required IReadOnlyList<int> Seeds { get; init; }

    /// <summary>Downstream sizes of the main axis (data-efficiency, uncertainty, ood); null: the task's benchmark sizes.</summary>
    public IReadOnlyList<int>? Sizes { get; init; }

    /// <summary>Sizes of the ablations (covariance, rank, scale, ssl-vs-supervised, ensemble, alignment: the first one).</summary>
    public required IReadOnlyList<int> AblationSizes { get; init; }

    public required int PretrainEpochs { get; init; }
    public required int PriorRank { get; init; }
    public required int StepsPerSnapshot { get; init; }
    public required IReadOnlyList<int> Ranks { get; init; }
    public required IReadOnlyList<double> ScaleLambdas { get; init; }
    public required DownstreamBudget Budget { get; init; }
    public required TuningBudget Tuning { get; init; }

    /// <summary>SimCLR optimiser steps of the self-supervised source model (null: the SimCLR default epochs).</summary>
    public int? SimclrSteps { get; init; }

    /// <summary>Runs are tested on the first this many test images (null: all; the quick profile is a smoke test).</summary>
    public long? TestLimit { get; init; }

    /// <summary>Shifted test sets use the first this many test images (null: all).</summary>
    public long? ShiftedTestLimit { get; init; }

    /// <summary>The alignment analysis evaluates the loss on the first this many test images.</summary>
    public required long AlignmentTestLimit { get; init; }

    /// <summary>Distances along each direction, symmetric around 0 (odd count, so 0 is one of them).</summary>
    public required int AlignmentPoints { get; init; }

    public bool IsQuick => Name == "quick";

    /// <summary>
    /// A hash of what makes one run of this profile (budgets, tuning, pre-training and SWAG lengths, test limits), not
    /// of which runs it selects (seeds, sizes, axes). Every run records it, so that resuming into a folder whose runs
    /// were made under another definition of the same profile name is noticed instead of silently mixed.
    /// </summary>
    public string Fingerprint => ArtefactCache.Hash(JsonSerializer.Serialize(new
    {
        PretrainEpochs, PriorRank, StepsPerSnapshot, Budget, Tuning = Tuning.ToString(), SimclrSteps, TestLimit, ShiftedTestLimit,
        AlignmentTestLimit, AlignmentPoints,
    }));

    /// <summary>The main-axis sizes for <paramref name="task"/>.</summary>
    public IReadOnlyList<int> SizesFor(TransferTask task) =>
        Sizes ?? (task.BenchmarkSizes.Count > 0 ? task.BenchmarkSizes : [10, 100, 1000]);

    public static ExperimentProfile Quick { get; } = new()
    {
        Name = "quick",
        Seeds = [0],
        Sizes = [10, 100],
        AblationSizes = [100],
        PretrainEpochs = 1,
        PriorRank = 5,
        StepsPerSnapshot = 20,
        Ranks = [0, 1, 5],
        ScaleLambdas = [1, 1e2, 1e4, 1e6, 1e8, 1e10],
        // BMA of 5 samples and deep ensembles of 5: equal sizes, as the ensemble comparison needs. Samplers at 100 steps
        // (not the demo's 200) keep `experiment all` within 10 minutes: a smoke test, not a result.
        Budget = DownstreamBudget.Quick with { SamplerSteps = 100 },
        Tuning = TuningBudget.Quick,
        SimclrSteps = 100,
        TestLimit = 2000,
        ShiftedTestLimit = 500,
        AlignmentTestLimit = 1000,
        AlignmentPoints = 9,
    };

    public static ExperimentProfile Full { get; } = new()
    {
        Name = "full",
        Seeds = [0, 1, 2, 3, 4],
        Sizes = null,
        AblationSizes = [100, 1000],
        PretrainEpochs = 10,
        PriorRank = 20,
        StepsPerSnapshot = 100,
        Ranks = [0, 1, 2, 5, 10, 20],
        ScaleLambdas = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10],
        Budget = new DownstreamBudget(),
        // 3 configurations per method (every method alike): the 6-point grids double a full run to days on 2 cores.
        Tuning = TuningBudget.Quick,
        SimclrSteps = null,
        ShiftedTestLimit = null,
        AlignmentTestLimit = 5000,
        AlignmentPoints = 21,
    };

    public static ExperimentProfile Get(string name) => name switch
    {
        "quick" => Quick,
        "full" => Full,
        _ => throw new ArgumentException($"unknown profile '{name}'; use quick or full."),
    };
}
