using PriorTransfer.Tuning;
using PriorTransfer.Workflows;
using Spectre.Console;

namespace PriorTransfer.Cli;

/// <summary>Downstream results as tables for people.</summary>
internal static class ResultTables
{
    public static void Write(IEnumerable<DownstreamResult> results)
    {
        var table = new Table().AddColumns("method", "n", "chosen", "val NLL", "test acc", "test NLL", "test ECE", "Brier", "members", "time");
        foreach (var r in results)
            table.AddRow(r.Method, r.N.ToString(), Markup.Escape(r.Chosen.ToString()), $"{r.Validation.NegativeLogLikelihood:F4}",
                $"{r.Test.Accuracy:F4}", $"{r.Test.NegativeLogLikelihood:F4}", $"{r.Test.ExpectedCalibrationError:F4}", $"{r.Test.BrierScore:F4}",
                r.EnsembleSize == 1 ? "1" : $"{r.EnsembleSize} (each: val acc {r.MeanMemberValidationAccuracy:F3} vs {r.Validation.Accuracy:F3} averaged; test acc {r.MeanMemberTestAccuracy:F3})", $"{r.Elapsed.TotalSeconds:F0} s");
        AnsiConsole.Write(table);
    }

    public static void WriteGridPoint(GridPoint<DownstreamHyperparameters> point) => Console.WriteLine(point.Diverged
        ? $"  tuning  {point.Config}: diverged ({point.Failure})"
        : $"  tuning  {point.Config}: validation accuracy {point.Validation!.Accuracy:F4}, NLL {point.Validation.NegativeLogLikelihood:F4}");
}
