using PriorTransfer.Parameters;

namespace PriorTransfer.Serialization;

/// <summary>The loss the prior was learned with (paper §3.1).</summary>
public enum PriorLoss
{
    /// <summary>Cross-entropy on a labelled source task.</summary>
    Supervised,

    /// <summary>SimCLR's InfoNCE (NT-Xent) loss, self-supervised.</summary>
    SimClr,
}

/// <summary>Where a prior comes from: recorded in the prior file's manifest.</summary>
/// <param name="Task">The source task (e.g. a dataset and class split name).</param>
/// <param name="Loss">The loss SWAG ran on.</param>
/// <param name="Architecture">The model architecture (e.g. "resnet8").</param>
public sealed record PriorSource(string Task, PriorLoss Loss, string Architecture);

/// <summary>
/// A prior file's manifest, read from the safetensors <c>__metadata__</c> (see docs/prior-file-format.md).
/// </summary>
public sealed record PriorManifest(
    string FormatVersion,
    ParameterLayout Layout,
    int Rank,
    int SnapshotCount,
    string CovarianceConvention,
    PriorSource Source,
    double Scale,
    DateTimeOffset Created,
    IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>The extra (non-reserved) metadata entries.</summary>
    public IReadOnlyDictionary<string, string> Extra =>
        Metadata.Where(kv => !PriorFile.ReservedKeys.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);
}
