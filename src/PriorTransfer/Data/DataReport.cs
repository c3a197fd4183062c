using System.Text;

namespace PriorTransfer.Data;

/// <summary>What <see cref="DataLocator.Describe"/> found: one status per known dataset.</summary>
public sealed record DataReport(IReadOnlyList<DatasetStatus> Datasets)
{
    /// <summary>A plain-text report, readable on a terminal and in a redirected log.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var d in Datasets)
        {
            if (d.Location is null)
            {
                text.AppendLine($"{d.Name}: NOT FOUND");
                text.AppendLine("  searched:");
                foreach (var s in d.Searched) text.AppendLine($"    {s}");
                text.AppendLine($"  install: {d.InstallHint}");
                continue;
            }
            text.AppendLine($"{d.Name}: {d.Location}");
            foreach (var p in d.Parts) text.AppendLine($"  {p}");
            if (d.Problem is not null) text.AppendLine($"  PROBLEM: {d.Problem}");
        }
        return text.ToString();
    }
}
