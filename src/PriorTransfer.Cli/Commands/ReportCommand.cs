using System.CommandLine;
using PriorTransfer.Experiments;

namespace PriorTransfer.Cli.Commands;

/// <summary><c>priortransfer report &lt;results-dir&gt;</c>: tables, plots and claim verdicts from a results folder.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var folder = new Argument<string>("results-dir") { Description = "A folder written by `priortransfer experiment` (holding results.jsonl)." };
        var command = new Command("report", "Write report.md (claim verdicts, mean ± SE tables) and plots/ from a results folder.") { folder };
        command.SetAction(r => CommandRunner.Run(1, _ =>
        {
            string path = ExperimentReport.Write(r.GetValue(folder)!);
            Console.WriteLine($"Report: {Path.GetFullPath(path)}");
            return CommandRunner.Ok;
        }));
        return command;
    }
}
