using PriorTransfer.Metrics;

namespace PriorTransfer.Experiments;

/// <summary>
/// One finished run, one line of <c>results.jsonl</c>: what ran (experiment, task, method, n, seed and the
/// experiment's extra axis such as rank, λ or prior), what tuning chose, every metric measured, and where and how
/// long it ran. Metric names: <see cref="MetricNames"/>.
/// </summary>
public sealed record RunRecord
{
    public required string Key { get; init; }
    public required string Experiment { get; init; }
    public required string Task { get; init; }
    public required string Method { get; init; }
    public required int N { get; init; }
    public required int Seed { get; init; }
    public required string Profile { get; init; }

    /// <summary>The profile's <see cref="ExperimentProfile.Fingerprint"/> when the run was made (null in lines older than it).</summary>
    public string? ProfileFingerprint { get; init; }

    /// <summary>The experiment's own axis values (e.g. <c>rank</c>, <c>lambda</c>, <c>prior</c>), as invariant strings.</summary>
    public Dictionary<string, string> Extra { get; init; } = [];

    /// <summary>The hyperparameters chosen on the validation holdout (or fixed by the experiment's axis).</summary>
    public Dictionary<string, double> Hyperparameters { get; init; } = [];

    public Dictionary<string, double> Metrics { get; init; } = [];

    /// <summary>Test-set reliability bins of the chosen fit (for reliability diagrams); empty when not measured.</summary>
    public List<ReliabilityBin> Reliability { get; init; } = [];

    /// <summary>Named curves (e.g. the alignment analysis' loss along each direction); empty for ordinary runs.</summary>
    public Dictionary<string, double[]> Curves { get; init; } = [];

    public double WallSeconds { get; init; }
    public RunEnvironment? Environment { get; init; }
    public string GitCommit { get; init; } = "unknown";
    public DateTimeOffset Finished { get; init; }

    /// <summary>The value of an extra axis, or null.</summary>
    public string? ExtraValue(string name) => Extra.TryGetValue(name, out var v) ? v : null;

    public double? Metric(string name) => Metrics.TryGetValue(name, out var v) ? v : null;
}

/// <summary>The metric names used in result lines.</summary>
public static class MetricNames
{
    public const string Accuracy = "accuracy";
    public const string Nll = "nll";
    public const string Ece = "ece";
    public const string Brier = "brier";
    public const string MemberAccuracy = "member_accuracy";
    public const string EnsembleSize = "ensemble_size";
    public const string ValidationNll = "validation_nll";
    public const string Miou = "miou";

    /// <summary>A metric measured on a shifted test set, e.g. <c>rotate_accuracy</c>.</summary>
    public static string Shifted(string shift, string metric) => $"{shift}_{metric}";

    /// <summary>Whether a larger value of <paramref name="metric"/> is better (accuracy, mIoU) or worse (losses, ECE).</summary>
    public static bool HigherIsBetter(string metric) =>
        metric.EndsWith(Accuracy, StringComparison.Ordinal) || metric == Miou;
}
