using System.CommandLine;
using PriorTransfer.Data;
using PriorTransfer.Workflows;
using Spectre.Console;

namespace PriorTransfer.Cli.Commands;

/// <summary><c>priortransfer demo</c>: the whole chain on the default task with a small, fast configuration.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var threads = CommonOptions.Threads();
        var output = new Option<string>("--out") { Description = "Folder for the demo's files.", DefaultValueFactory = _ => Path.Combine("runs", "demo"), HelpName = "folder" };
        var command = new Command("demo", $"Run the whole chain on {TaskCatalog.DefaultTaskName} with a small, fast configuration and print a results table.")
        {
            data, output, threads,
        };
        command.SetAction(r => CommandRunner.Run(r.GetValue(threads), ct =>
        {
            using var task = TaskCatalog.Create(TaskCatalog.DefaultTaskName, new DataLocator(r.GetValue(data)));
            var demo = new Demo(new DemoOptions { OutputFolder = r.GetValue(output)! });
            var result = demo.Run(task, new ConsoleProgress(), message => AnsiConsole.MarkupLine($"[bold]{Markup.Escape(message)}[/]"),
                ResultTables.WriteGridPoint, ct);
            ResultTables.Write(result.Downstream);
            Console.WriteLine($"Source pre-training: test accuracy {result.Pretrain.SourceTest.Accuracy:F4} at {result.Pretrain.ImagesPerSecond:F0} images/s.");
            Console.WriteLine($"Prior: P = {result.Prior.Summary.Dimension:N0}, rank {result.Prior.Summary.Rank} (numerical {result.Prior.Summary.Spectrum.NumericalRank}); SWA mean source accuracy {result.Prior.SwaSourceTest.Accuracy:F4}.");
            Console.WriteLine($"Total time {result.Elapsed:mm\\:ss}.");
            Console.WriteLine($"Files: {Path.GetFullPath(r.GetValue(output)!)}");
            return CommandRunner.Ok;
        }));
        return command;
    }
}
