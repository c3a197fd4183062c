namespace PriorTransfer.Performance;

/// <summary>
/// Sizes and repetitions of the performance suite (<see cref="PerformanceSuite"/>). <see cref="Full"/> measures what
/// BENCHMARK.md asks for; <see cref="Quick"/> the same figures with fewer rounds, shorter blocks and a smaller prior for
/// the memory figure (under 5 minutes on 2 busy cores).
/// </summary>
public sealed record PerformanceOptions
{
    /// <summary>"quick" or "full" (or anything else for a custom configuration); recorded in the report.</summary>
    public string Profile { get; init; } = "full";

    /// <summary>libtorch intra-op threads, on both the C# and the PyTorch side.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Paired (baseline, candidate) rounds per ratio figure, after one warm-up round.</summary>
    public int Rounds { get; init; } = 9;

    /// <summary>Optimiser steps per timed block of the batch-64 and batch-128 step figures (batch 10 runs twice as many).</summary>
    public int StepsPerBlock { get; init; } = 20;

    /// <summary>Architectures of the MAP-step figures (resnet8 is also the one of the sampler, SWAG and BMA figures).</summary>
    public IReadOnlyList<string> Architectures { get; init; } = ["resnet8", "resnet20"];

    /// <summary>Batch sizes of the MAP-step figures: 64 has the target, 10 is information (the prior's share is largest there).</summary>
    public IReadOnlyList<int> MapBatchSizes { get; init; } = [64, 10];

    /// <summary>K of the learned prior in the MAP-step and sampler figures.</summary>
    public int PriorRank { get; init; } = 20;

    /// <summary>Steps of the "source epoch" of the SWAG figure (one snapshot per epoch, as SWAG does; the real epoch of 30,000 images has 234).</summary>
    public int SwagEpochSteps { get; init; } = 100;

    /// <summary>S, the samples of the BMA figure.</summary>
    public int BmaSamples { get; init; } = 10;

    /// <summary>Test images of the BMA figure.</summary>
    public int BmaImages { get; init; } = 2000;

    /// <summary>P of the prior timing figures: up to ResNet-50 size (25·10⁶) in the full profile.</summary>
    public IReadOnlyList<long> PriorDimensions { get; init; } = [100_000, 1_000_000, 25_000_000];

    /// <summary>K of the prior timing figures.</summary>
    public IReadOnlyList<int> PriorRanks { get; init; } = [5, 20];

    /// <summary>Timings per (P, K), after one warm-up; the median is reported.</summary>
    public int PriorRepeats { get; init; } = 5;

    /// <summary>P of the memory figure (BENCHMARK: 25·10⁶).</summary>
    public long MemoryDimension { get; init; } = 25_000_000;

    /// <summary>K of the memory figure.</summary>
    public int MemoryRank { get; init; } = 20;

    /// <summary>Batch of the throughput figures (and of the PyTorch comparison).</summary>
    public int ThroughputBatchSize { get; init; } = 128;

    /// <summary>Forward + backward passes per timed block of each layer figure (<see cref="LayersGroup"/>).</summary>
    public int LayerRepetitions { get; init; } = 30;

    /// <summary>
    /// Untimed passes at the start of each layer block, on both sides. Right after the other side's block the first
    /// passes run slower (worker threads waking, the other process's still spinning): in blocks of a few milliseconds
    /// that alone would swing the per-round ratios by ±50 %.
    /// </summary>
    public int LayerWarmup { get; init; } = 5;

    /// <summary>Run bench/pytorch/bench_resnet.py as a child process and report the throughput (and layer) ratios.</summary>
    public bool ComparePyTorch { get; init; }

    /// <summary>The interpreter with torch (Debian's python3-torch is under /usr/bin/python3).</summary>
    public string Python { get; init; } = PyTorchReference.DefaultPython;

    public long Seed { get; init; }

    /// <summary>
    /// Apply <see cref="NativeAllocator.RetainFreedMemory"/> for the run (and give the PyTorch child the same policy);
    /// false measures with the C allocator's defaults. With it on, the suite also measures the policy's effect.
    /// </summary>
    public bool RetainFreedNativeMemory { get; init; } = true;

    /// <summary>All figures as BENCHMARK.md specifies them.</summary>
    public static PerformanceOptions Full => new();

    /// <summary>
    /// The same figures, fewer rounds and shorter blocks; the memory figure at P = 10⁷ (large enough that every P-sized
    /// buffer bypasses the C allocator's heap, so the measured peak is the prior's own and not heap reuse).
    /// </summary>
    public static PerformanceOptions Quick => new()
    {
        Profile = "quick",
        Rounds = 11,   // on this VM single blocks scatter ±30 % (host jitter): a median of 5 moved ±8 % between runs
        StepsPerBlock = 6,
        SwagEpochSteps = 20,
        BmaImages = 1000,
        PriorRepeats = 3,
        LayerRepetitions = 20,
        PriorDimensions = [100_000, 1_000_000, 10_000_000],
        MemoryDimension = 10_000_000,
    };

    public const string StepsGroup = "steps";
    public const string SwagGroup = "swag";
    public const string BmaGroup = "bma";
    public const string PriorGroup = "prior";
    public const string ThroughputGroup = "throughput";

    /// <summary>
    /// Forward + backward of each resnet8 layer shape, against PyTorch with <see cref="ComparePyTorch"/>: the diagnosis
    /// of the resnet8 throughput ratio (issue 8), not a BENCHMARK.md figure, so only measured when selected.
    /// </summary>
    public const string LayersGroup = "layers";
    public const string MemoryGroup = "memory";

    /// <summary>Every figure group, in the order a run measures them.</summary>
    public static IReadOnlyList<string> Groups { get; } = [StepsGroup, SwagGroup, BmaGroup, PriorGroup, ThroughputGroup, LayersGroup, MemoryGroup];

    /// <summary>The groups a run measures without <see cref="Only"/>: all but the <see cref="LayersGroup"/> diagnosis.</summary>
    public static IReadOnlyList<string> DefaultGroups { get; } = Groups.Where(g => g != LayersGroup).ToArray();

    /// <summary>
    /// Measure only these figure groups (null: <see cref="DefaultGroups"/>): e.g. only <c>prior</c> to time the prior up
    /// to P = 2.5e7, or <c>layers,throughput</c> for the per-layer diagnosis beside the throughput ratios.
    /// </summary>
    public IReadOnlySet<string>? Only { get; init; }

    /// <summary>Whether a run with these options measures <paramref name="group"/>.</summary>
    public bool Runs(string group) => Only?.Contains(group) ?? DefaultGroups.Contains(group);

    /// <summary>
    /// A comma-separated group selection as <c>--only</c> takes it (spaces around names allowed, case-sensitive, order
    /// irrelevant: a run always measures in <see cref="Groups"/> order); throws <see cref="ArgumentException"/> naming
    /// the unknown group and the valid ones.
    /// </summary>
    public static IReadOnlySet<string> ParseGroups(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var groups = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        if (groups.Count == 0)
            throw new ArgumentException($"--only needs at least one figure group: {string.Join(", ", Groups)}.", nameof(text));
        if (groups.FirstOrDefault(g => !Groups.Contains(g)) is { } unknown)
            throw new ArgumentException($"--only: unknown figure group '{unknown}'; the groups are {string.Join(", ", Groups)}.", nameof(text));
        return groups;
    }

    public void Validate()
    {
        if (Only is { } only && (only.Count == 0 || only.Any(g => !Groups.Contains(g))))
            throw new ArgumentOutOfRangeException(nameof(Only), $"unknown or empty figure group selection; the groups are {string.Join(", ", Groups)}.");
        if (LayerRepetitions < 1) throw new ArgumentOutOfRangeException(nameof(LayerRepetitions), LayerRepetitions, "At least one repetition per block is needed.");
        if (LayerWarmup < 0) throw new ArgumentOutOfRangeException(nameof(LayerWarmup), LayerWarmup, "The warm-up cannot be negative.");
        if (Threads < 1) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "At least one thread is needed.");
        if (Rounds < 1) throw new ArgumentOutOfRangeException(nameof(Rounds), Rounds, "At least one round is needed.");
        if (StepsPerBlock < 1) throw new ArgumentOutOfRangeException(nameof(StepsPerBlock), StepsPerBlock, "At least one step per block is needed.");
        if (SwagEpochSteps < 1) throw new ArgumentOutOfRangeException(nameof(SwagEpochSteps), SwagEpochSteps, "The epoch needs at least one step.");
        if (BmaSamples < 1 || BmaImages < 1) throw new ArgumentOutOfRangeException(nameof(BmaSamples), "The BMA figure needs at least one sample and one image.");
        if (PriorRank < 1 || MemoryRank < 1 || PriorRanks.Any(k => k < 1)) throw new ArgumentOutOfRangeException(nameof(PriorRank), "Prior ranks must be at least 1.");
        if (PriorDimensions.Count < 2 || PriorDimensions.Any(p => p < 1)) throw new ArgumentOutOfRangeException(nameof(PriorDimensions), "The linearity check needs at least two positive dimensions.");
        if (MemoryDimension < 1) throw new ArgumentOutOfRangeException(nameof(MemoryDimension), MemoryDimension, "P must be positive.");
        if (PriorRepeats < 1) throw new ArgumentOutOfRangeException(nameof(PriorRepeats), PriorRepeats, "At least one repeat is needed.");
        if (ThroughputBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(ThroughputBatchSize), ThroughputBatchSize, "The batch size must be positive.");
        foreach (var a in Architectures)
            if (a is not ("resnet8" or "resnet20")) throw new ArgumentException($"The suite measures resnet8 and resnet20 (28×28 grayscale); got '{a}'.", nameof(Architectures));
        if (MapBatchSizes.Count == 0 || MapBatchSizes.Any(b => b < 1)) throw new ArgumentOutOfRangeException(nameof(MapBatchSizes), "Batch sizes must be positive.");
    }
}
