namespace PriorTransfer.Performance;

/// <summary>How a figure's value is judged against its target.</summary>
public enum TargetKind
{
    /// <summary>Information only (no target).</summary>
    None,

    /// <summary>Pass when value ≤ target.</summary>
    AtMost,

    /// <summary>Pass when value ≥ target.</summary>
    AtLeast,
}

/// <summary>
/// One measured figure of the performance suite: a ratio against a baseline measured in the same process (interleaved
/// rounds, median), or an absolute quantity reported for information. <see cref="Value"/> is null when the figure was
/// not measured (e.g. the PyTorch comparison without <c>--compare-pytorch</c>); <see cref="Note"/> says why.
/// </summary>
public sealed record PerformanceFigure
{
    /// <summary>Stable machine name, e.g. <c>map-step/resnet8/batch64</c>.</summary>
    public required string Id { get; init; }

    /// <summary>What was measured, for people.</summary>
    public required string Description { get; init; }

    public double? Value { get; init; }

    /// <summary>"ratio", "ms", "images/s", "R²", …</summary>
    public required string Unit { get; init; }

    public TargetKind TargetKind { get; init; }

    public double? Target { get; init; }

    /// <summary>Supporting numbers: baseline and candidate medians, per-round ratios, sizes, …</summary>
    public IReadOnlyDictionary<string, object?> Details { get; init; } = new Dictionary<string, object?>();

    /// <summary>Why there is no value, or what to keep in mind reading it.</summary>
    public string? Note { get; init; }

    /// <summary>True/false against the target; null without a target or without a value.</summary>
    public bool? Pass => Value is not { } v || Target is not { } t ? null : TargetKind switch
    {
        TargetKind.AtMost => v <= t,
        TargetKind.AtLeast => v >= t,
        _ => null,
    };

    /// <summary>The target as text: "≤ 1.05", "≥ 0.95", or "".</summary>
    public string TargetText => Target is not { } t ? "" : TargetKind switch
    {
        TargetKind.AtMost => $"≤ {t:0.###}",
        TargetKind.AtLeast => $"≥ {t:0.###}",
        _ => "",
    };
}
