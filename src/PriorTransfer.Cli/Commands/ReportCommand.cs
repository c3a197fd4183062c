using System.CommandLine;
using PriorTransfer.Experiments;

namespace PriorTransfer.Cli.Commands;

/// <summary>
/// <c>priortransfer report &lt;results-dir&gt;...</c>: tables, plots and claim verdicts from one results folder, or one
/// report over several (e.g. one folder per task, for a verdict per claim per task).
/// </summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var folders = new Argument<string[]>("results-dir")
        {
            Description = "Folders written by `priortransfer experiment` (each holding results.jsonl).",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string?>("--out")
        {
            Description = "Where report.md and plots/ go; default: the results folder (required with several folders).",
            HelpName = "folder",
        };
        var command = new Command("report", "Write report.md (claim verdicts, mean ± SE tables) and plots/ from results folders.") { folders, output };
        command.SetAction(r => CommandRunner.Run(1, _ =>
        {
            var sources = r.GetValue(folders)!;
            string? target = r.GetValue(output);
            if (target is null && sources.Length > 1)
                throw new ArgumentException($"{sources.Length} results folders: name the folder for the combined report with --out.");
            target ??= sources[0];
            Directory.CreateDirectory(target);
            string path = ExperimentReport.Write(sources, target);
            Console.WriteLine($"Report: {Path.GetFullPath(path)}");
            return CommandRunner.Ok;
        }));
        return command;
    }
}
