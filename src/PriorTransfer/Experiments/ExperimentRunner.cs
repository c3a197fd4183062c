using System.Diagnostics;
using System.Globalization;

namespace PriorTransfer.Experiments;

/// <summary>
/// The plan of an invocation: every run once (shared runs deduplicated), which are already done, and how many of
/// those were made under another definition of the profile (<see cref="ExperimentProfile.Fingerprint"/>).
/// </summary>
public sealed record ExperimentPlan(IReadOnlyList<(string Experiment, IReadOnlyList<RunSpec> Runs)> ByExperiment, IReadOnlyList<RunSpec> Runs, IReadOnlyList<RunSpec> Remaining,
    int CompletedUnderOtherDefinition = 0)
{
    public double EstimatedSeconds => Remaining.Sum(r => r.EstimatedSeconds);

    /// <summary>A table for people: runs per experiment, done, to do, estimated time per run and in total.</summary>
    public string Describe(ResultsStore store)
    {
        var lines = new List<string> { "| experiment | runs | done | to run | est. s/run | est. total |", "|---|---:|---:|---:|---:|---:|" };
        var counted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (experiment, runs) in ByExperiment)
        {
            var own = runs.Where(r => counted.Add(r.Key)).ToList();
            var todo = own.Where(r => !store.IsCompleted(r.Key)).ToList();
            double total = todo.Sum(r => r.EstimatedSeconds);
            string perRun = todo.Count == 0 ? "–" : (total / todo.Count).ToString("F0", CultureInfo.InvariantCulture);
            string shared = own.Count < runs.Count ? $" (+{runs.Count - own.Count} shared)" : "";
            lines.Add($"| {experiment} | {own.Count}{shared} | {own.Count - todo.Count} | {todo.Count} | {perRun} | {Duration(total)} |");
        }
        lines.Add($"| **total** | {Runs.Count} | {Runs.Count - Remaining.Count} | {Remaining.Count} | | **{Duration(EstimatedSeconds)}** |");
        lines.Add("");
        if (CompletedUnderOtherDefinition > 0)
            lines.Add($"Warning: {CompletedUnderOtherDefinition} completed runs of this plan were made under another definition of profile '{Runs[0].Profile}' " +
                "(budgets, tuning or pre-training changed since). They are kept and skipped; to redo them, use a new --out or delete their lines from results.jsonl.");
        lines.Add(FormattableString.Invariant($"Estimates assume an idle 2-core machine with 2 threads (resnet8: ~{RunCost.TrainImagesPerSecond:N0} training, ~{RunCost.EvalImagesPerSecond:N0} evaluated images/s; about twice as long with --threads 1) and exclude source pre-training and SWAG."));
        return string.Join(System.Environment.NewLine, lines);
    }

    public static string Duration(double seconds) => TimeSpan.FromSeconds(Math.Round(seconds)).ToString(seconds >= 3600 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture);
}

/// <summary>
/// Runs experiments resumably: plans every run, skips the keys already in <c>results.jsonl</c>, executes the rest one
/// by one and appends each finished run as one line. A run interrupted (Ctrl+C, kill) leaves no line and is
/// repeated by the next invocation; artefacts come from the <see cref="ArtefactCache"/>.
/// </summary>
public static class ExperimentRunner
{
    /// <summary>
    /// The whole invocation: plan, show the plan (<paramref name="onPlan"/>), execute the remaining runs unless
    /// <paramref name="dryRun"/>, then write the report. Returns the report's path (null for a dry run).
    /// </summary>
    public static string? Run(IReadOnlyList<IExperiment> experiments, ExperimentContext context, Action<ExperimentPlan, ResultsStore>? onPlan = null, bool dryRun = false)
    {
        if (dryRun)
        {
            var done = ResultsStore.Peek(context.OutputFolder);
            onPlan?.Invoke(Plan(experiments, context, done), done);
            return null;
        }
        using var writer = ResultsFolderLock.Acquire(context.OutputFolder);
        var store = ResultsStore.Open(context.OutputFolder);
        var plan = Plan(experiments, context, store);
        onPlan?.Invoke(plan, store);
        Execute(plan, context, store);
        return ExperimentReport.Write(context.OutputFolder);
    }

    public static ExperimentPlan Plan(IReadOnlyList<IExperiment> experiments, ExperimentContext context, ResultsStore store)
    {
        var byExperiment = experiments.Select(e => (e.Id, (IReadOnlyList<RunSpec>)e.Plan(context))).ToList();
        var runs = new List<RunSpec>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, planned) in byExperiment)
            foreach (var run in planned)
                if (seen.Add(run.Key)) runs.Add(run);
        string fingerprint = context.Profile.Fingerprint;
        int otherDefinition = store.Records.Count(r => seen.Contains(r.Key) && r.ProfileFingerprint is { } f && f != fingerprint);
        return new ExperimentPlan(byExperiment, runs, runs.Where(r => !store.IsCompleted(r.Key)).ToList(), otherDefinition);
    }

    /// <summary>Executes the remaining runs of <paramref name="plan"/>; returns the records appended.</summary>
    public static IReadOnlyList<RunRecord> Execute(ExperimentPlan plan, ExperimentContext context, ResultsStore store)
    {
        var environment = RunEnvironment.Current();
        string commit = RunEnvironment.GitCommit();
        string fingerprint = context.Profile.Fingerprint;
        var appended = new List<RunRecord>();
        int index = 0;
        foreach (var run in plan.Remaining)
        {
            index++;
            context.CancellationToken.ThrowIfCancellationRequested();
            context.Say($"[{index}/{plan.Remaining.Count}] {run.Key}");
            var clock = Stopwatch.StartNew();
            var outcome = run.Execute(context);
            var record = new RunRecord
            {
                Key = run.Key, Experiment = run.Experiment, Task = run.Task, Method = run.Method, N = run.N, Seed = run.Seed,
                Profile = run.Profile,
                ProfileFingerprint = fingerprint,
                Extra = new Dictionary<string, string>(run.Extra),
                Hyperparameters = new Dictionary<string, double>(outcome.Hyperparameters),
                Metrics = new Dictionary<string, double>(outcome.Metrics),
                Reliability = outcome.Reliability?.ToList() ?? [],
                Curves = outcome.Curves?.ToDictionary(p => p.Key, p => p.Value) ?? [],
                WallSeconds = clock.Elapsed.TotalSeconds,
                Environment = environment,
                GitCommit = commit,
                Finished = DateTimeOffset.UtcNow,
            };
            store.Append(record);
            appended.Add(record);
            string accuracy = record.Metric(MetricNames.Accuracy) is { } a ? $"accuracy {a:F4}, " : "";
            context.Say($"    {accuracy}{record.WallSeconds:F0} s (estimated {run.EstimatedSeconds:F0} s)");
        }
        return appended;
    }
}
