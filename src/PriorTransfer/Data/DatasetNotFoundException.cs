namespace PriorTransfer.Data;

/// <summary>
/// A dataset is not installed in any of the places searched. The message lists every place searched, in order,
/// and the command that installs the dataset.
/// </summary>
public sealed class DatasetNotFoundException : IOException
{
    public DatasetNotFoundException(string dataset, IReadOnlyList<string> searched, string installHint)
        : base(FormatMessage(dataset, searched, installHint))
    {
        Dataset = dataset;
        Searched = searched.ToArray();
        InstallHint = installHint;
    }

    /// <summary>Human-readable dataset name, e.g. "Fashion-MNIST".</summary>
    public string Dataset { get; }

    /// <summary>Every directory that was searched, in search order.</summary>
    public IReadOnlyList<string> Searched { get; }

    /// <summary>How to install the dataset (a command, or what to pass instead).</summary>
    public string InstallHint { get; }

    private static string FormatMessage(string dataset, IReadOnlyList<string> searched, string installHint)
    {
        var lines = new List<string> { $"{dataset} was not found. Searched, in order:" };
        lines.AddRange(searched.Select(s => "  " + s));
        lines.Add($"To install it: {installHint}");
        return string.Join(Environment.NewLine, lines);
    }
}
