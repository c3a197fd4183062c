using System.CommandLine;
using System.Globalization;
using PriorTransfer.Data;
using PriorTransfer.Experiments;
using Spectre.Console;

namespace PriorTransfer.Cli.Commands;

/// <summary><c>priortransfer experiment &lt;id&gt;</c>: runs (or resumes) an experiment of BENCHMARK.md and writes its report.</summary>
internal static class ExperimentCommand
{
    public static Command Create(ExperimentRegistry registry)
    {
        var id = new Argument<string>("id") { Description = $"Experiment: {registry.Ids}, or {ExperimentRegistry.AllId}; several as a comma-separated list (one plan, shared runs once)." };
        var task = CommonOptions.Task();
        var data = CommonOptions.Data();
        var threads = CommonOptions.Threads();
        var profile = new Option<string>("--profile") { Description = "quick (1 seed, n = 10 and 100, minutes) or full (5 seeds, every benchmark size).", DefaultValueFactory = _ => "quick", HelpName = "quick|full" };
        profile.AcceptOnlyFromAmong("quick", "full");
        var output = new Option<string>("--out") { Description = "Results folder: results.jsonl, cache/, report.md, plots/. Rerunning into it resumes.", DefaultValueFactory = _ => Path.Combine("runs", "experiments"), HelpName = "folder" };
        var seeds = new Option<string?>("--seeds") { Description = "Comma-separated seeds, replacing the profile's (e.g. 0,1,2).", HelpName = "list" };
        var sizes = new Option<string?>("--sizes") { Description = "Comma-separated downstream sizes n of the main axis, replacing the profile's.", HelpName = "list" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan (runs × estimated time) and stop." };
        var command = new Command("experiment", "Run (or resume) a benchmark experiment; appends to <out>/results.jsonl and writes <out>/report.md.")
        {
            id, task, profile, output, seeds, sizes, dryRun, data, threads,
        };
        command.SetAction(r => CommandRunner.Run(r.GetValue(threads), ct =>
        {
            var experiments = registry.Resolve(r.GetValue(id)!);
            var chosen = ExperimentProfile.Get(r.GetValue(profile)!);
            if (ParseList(r.GetValue(seeds), "--seeds") is { } s) chosen = chosen with { Seeds = s };
            if (ParseList(r.GetValue(sizes), "--sizes") is { } n) chosen = chosen with { Sizes = n };
            using var transfer = TaskCatalog.Create(r.GetValue(task)!, new DataLocator(r.GetValue(data)));
            string folder = r.GetValue(output)!;
            using var context = new ExperimentContext(transfer, chosen, folder, new ConsoleProgress(),
                message => AnsiConsole.MarkupLine(Markup.Escape(message)), ct);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            string? report = ExperimentRunner.Run(experiments, context, (plan, store) =>
            {
                Console.WriteLine($"Plan for {string.Join(", ", experiments.Select(e => e.Id))} on {transfer.Name}, profile {chosen.Name} (results: {Path.GetFullPath(store.Path)}):");
                Console.WriteLine(plan.Describe(store));
                Console.WriteLine();
            }, r.GetValue(dryRun));
            if (report is not null)
            {
                var records = ResultsStore.Read(Path.Combine(folder, ResultsStore.FileName)).Where(x => x.Task == transfer.Name && x.Profile == chosen.Name).ToList();
                foreach (var (title, table) in ExperimentReport.Headlines(records, experiments.Select(e => e.Id)))
                    Console.WriteLine($"{title}:{Environment.NewLine}{table}");
                Console.WriteLine($"Wall time {ExperimentPlan.Duration(clock.Elapsed.TotalSeconds)}.");
                Console.WriteLine($"Report: {Path.GetFullPath(report)}");
            }
            return CommandRunner.Ok;
        }));
        return command;
    }

    private static int[]? ParseList(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var values = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < 0)
                throw new ArgumentException($"{option} takes comma-separated non-negative integers (e.g. 0,1,2); got '{part}'.");
            values.Add(v);
        }
        return values.Count == 0 ? throw new ArgumentException($"{option} is empty; give at least one value.") : values.Distinct().ToArray();
    }
}
