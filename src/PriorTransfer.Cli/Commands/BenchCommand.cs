using System.CommandLine;
using PriorTransfer.IO;
using PriorTransfer.Performance;
using Spectre.Console;

namespace PriorTransfer.Cli.Commands;

/// <summary><c>priortransfer bench</c>: the performance figures of BENCHMARK.md as ratios measured in one process.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var threads = CommonOptions.Threads();
        var quick = new Option<bool>("--quick") { Description = "Fewer rounds, shorter blocks, the memory figure at P = 1e7 (a few minutes on an idle machine)." };
        var json = new Option<string?>("--json") { Description = "Write the figures as JSON to this file.", HelpName = "file" };
        var markdown = new Option<string?>("--markdown") { Description = "Write the table (with the load conditions) as Markdown to this file.", HelpName = "file" };
        var comparePyTorch = new Option<bool>("--compare-pytorch") { Description = "Also run the same network and step (and, with the layers group, each layer) in PyTorch (a Python child process) and report the ratios." };
        var python = new Option<string>("--python")
        {
            Description = "Python interpreter with torch for --compare-pytorch.",
            DefaultValueFactory = _ => PyTorchReference.DefaultPython,
            HelpName = "path",
        };
        var malloc = new Option<string>("--malloc")
        {
            Description = "Native allocator policy: retain (keep freed memory in the process: no page fault per step) or default (the C library's).",
            DefaultValueFactory = _ => "retain",
            HelpName = "policy",
        };
        malloc.AcceptOnlyFromAmong("retain", "default");
        var only = new Option<string?>("--only")
        {
            Description = $"Measure only these figure groups, comma-separated: {string.Join(", ", PerformanceOptions.Groups)} (default: all but layers). " +
                          "E.g. `--only prior` times the prior up to P = 2.5e7 in the full profile; `--only layers,throughput --compare-pytorch` times each resnet8 layer shape against PyTorch beside the throughput ratios.",
            HelpName = "groups",
        };
        var command = new Command("bench", "Measure the cost of learned priors, samplers, SWAG and BMA as ratios against plain training, the prior's scaling in P·K, throughput and memory.")
        {
            quick, only, json, markdown, comparePyTorch, python, malloc, threads,
        };
        command.SetAction(r => CommandRunner.Run(r.GetValue(threads), ct =>
        {
            var options = (r.GetValue(quick) ? PerformanceOptions.Quick : PerformanceOptions.Full) with
            {
                Threads = r.GetValue(threads),
                ComparePyTorch = r.GetValue(comparePyTorch),
                Python = r.GetValue(python)!,
                RetainFreedNativeMemory = r.GetValue(malloc) == "retain",
                Only = r.GetValue(only) is { } groups ? PerformanceOptions.ParseGroups(groups) : null,
            };
            PerformanceReport report;
            try
            {
                report = PerformanceSuite.Run(options, new Progress(), ct);
            }
            catch (PyTorchUnavailableException e)
            {
                AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
                return CommandRunner.UserError;
            }
            Write(report);
            if (r.GetValue(json) is { } jsonPath) AtomicFile.WriteAllText(jsonPath, report.ToJson());
            if (r.GetValue(markdown) is { } markdownPath) AtomicFile.WriteAllText(markdownPath, report.ToMarkdown());
            return CommandRunner.Ok;
        }));
        return command;
    }

    private static void Write(PerformanceReport report)
    {
        var e = report.Environment;
        var table = new Table().AddColumns("figure", "value", "CPU-time ratio", "target", "pass");
        foreach (var f in report.Figures)
        {
            string pass = f.Pass switch { true => "[green]pass[/]", false => "[red]fail[/]", null => f.Value is null ? "[grey]not run[/]" : "" };
            table.AddRow(Markup.Escape(f.Id), Markup.Escape(PerformanceReport.FormatValue(f)), Markup.Escape(PerformanceReport.FormatCpuRatio(f)),
                Markup.Escape(f.TargetText), pass);
        }
        AnsiConsole.Write(table);
        var load = e.LoadAverageStart.Length == 0 ? "n/a" : string.Join(" / ", e.LoadAverageStart.Select(l => l.ToString("F2")));
        Console.WriteLine($"Profile {e.Profile}: {e.Threads} thread(s) on {e.LogicalCores} cores, TorchSharp {e.TorchSharpVersion}, {e.NativeAllocator}; load average at start {load}; {e.ElapsedSeconds:F0} s." +
                          (e.PyTorchVersion is null ? "" : $" PyTorch {e.PyTorchVersion} with {e.PyTorchThreads} thread(s)."));
        foreach (var f in report.Figures.Where(f => f.Note is not null))
            Console.WriteLine($"  {f.Id}: {f.Note}");
    }

    private sealed class Progress : IProgress<string>
    {
        private readonly System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();

        public void Report(string value) => Console.Error.WriteLine($"[{clock.Elapsed:h\\:mm\\:ss}] {value}");
    }
}
