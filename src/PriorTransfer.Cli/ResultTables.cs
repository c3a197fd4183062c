using PriorTransfer.Metrics;
using PriorTransfer.Workflows;
using Spectre.Console;

namespace PriorTransfer.Cli;

/// <summary>Downstream results as a table for people.</summary>
internal static class ResultTables
{
    public static void Write(IEnumerable<DownstreamResult> results)
    {
        var table = new Table().AddColumns("method", "n", "seed", "val acc", "test acc", "test NLL", "time");
        foreach (var r in results)
            table.AddRow(r.Method, r.N.ToString(), r.Seed.ToString(), $"{r.Validation.Accuracy:F4}", $"{r.Test.Accuracy:F4}",
                $"{r.Test.NegativeLogLikelihood:F4}", $"{r.Elapsed.TotalSeconds:F0} s");
        AnsiConsole.Write(table);
    }
}
