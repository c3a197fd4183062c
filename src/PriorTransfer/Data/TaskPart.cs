namespace PriorTransfer.Data;

/// <summary>
/// One side of a <see cref="TransferTask"/> (source or downstream): its class names, known without loading, and a
/// loader returning its train (or pool) and test sets, called at most once, on first use.
/// </summary>
public sealed record TaskPart(IReadOnlyList<string> ClassNames, Func<(ImageSet Train, ImageSet Test)> Load);
