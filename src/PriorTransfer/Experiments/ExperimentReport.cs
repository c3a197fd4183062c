using System.Globalization;
using System.Text;
using PriorTransfer.IO;
using PriorTransfer.Metrics;
using PriorTransfer.Workflows;

namespace PriorTransfer.Experiments;

/// <summary>
/// Writes <c>report.md</c> and <c>plots/*.png</c> of a results folder from its <c>results.jsonl</c>: the verdict on
/// each claim with the numbers behind it, then per task and experiment the mean ± standard error tables and plots.
/// Only reads the results: it can be rerun at any time, also while experiments are running.
/// </summary>
public static class ExperimentReport
{
    public const string FileName = "report.md";
    public const string PlotFolder = "plots";

    /// <summary>Writes the report of one results folder into that folder; returns its path.</summary>
    public static string Write(string folder) => Write([folder], folder);

    /// <summary>
    /// Writes one report of the results of several folders (e.g. one per task) into <paramref name="outputFolder"/>;
    /// returns its path. A folder without results, or the same run in two folders, is an error that says which.
    /// </summary>
    public static string Write(IReadOnlyList<string> folders, string outputFolder)
    {
        if (folders.Count == 0) throw new ArgumentException("Name at least one results folder.", nameof(folders));
        var records = new List<RunRecord>();
        var origin = new Dictionary<string, string>(StringComparer.Ordinal);
        var sources = new List<string>();
        foreach (var folder in folders)
        {
            string resultsPath = Path.Combine(folder, ResultsStore.FileName);
            if (!File.Exists(resultsPath))
                throw new FileNotFoundException($"'{folder}' holds no {ResultsStore.FileName}; run `priortransfer experiment <id> --out {folder}` first.", resultsPath);
            var own = ResultsStore.Read(resultsPath);
            foreach (var r in own)
                if (!origin.TryAdd(r.Key, resultsPath))
                    throw new InvalidDataException($"run '{r.Key}' is in both {origin[r.Key]} and {resultsPath}; a report counts each run once, so name each folder once.");
            records.AddRange(own);
            sources.Add($"`{resultsPath}` ({own.Count} runs)");
        }
        var md = new StringBuilder();
        md.AppendLine("# PriorTransfer experiment report").AppendLine();
        Header(md, records, sources);
        Verdicts(md, ClaimVerdicts.Evaluate(records));
        foreach (var task in records.Select(r => r.Task).Distinct().Order(StringComparer.Ordinal))
        {
            md.AppendLine($"## Task `{task}`").AppendLine();
            var own = records.Where(r => r.Task == task).ToList();
            TaskSections(md, own, outputFolder, task);
        }
        md.AppendLine("## All cells").AppendLine();
        AllCells(md, records);
        string path = Path.Combine(outputFolder, FileName);
        AtomicFile.WriteAllText(path, md.ToString());
        return path;
    }

    private static void Header(StringBuilder md, IReadOnlyList<RunRecord> records, IReadOnlyList<string> sources)
    {
        md.AppendLine($"Source: {string.Join(", ", sources)}: {records.Count} runs; written {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC.").AppendLine();
        md.AppendLine($"- tasks: {Join(records.Select(r => r.Task))}; profiles: {Join(records.Select(r => r.Profile))}; seeds: {Join(records.Select(r => r.Seed.ToString(CultureInfo.InvariantCulture)))}");
        md.AppendLine($"- git commits: {Join(records.Select(r => r.GitCommit))}");
        md.AppendLine($"- environments: {Join(records.Where(r => r.Environment is not null).Select(r => { var e = r.Environment!; return $"{e.Machine} ({e.Cores} cores, {e.Threads} threads, {e.Os}, {e.DotNet}, TorchSharp {e.TorchSharp})"; }))}");
        md.AppendLine($"- run time (sum of runs, excluding source pre-training and SWAG): {ExperimentPlan.Duration(records.Sum(r => r.WallSeconds))}");
        md.AppendLine($"- numbers are mean ± standard error over seeds; a method beats another only when the difference exceeds {ClaimVerdicts.Threshold:F0} standard error of the difference.").AppendLine();
    }

    private static void Verdicts(StringBuilder md, IReadOnlyList<ClaimResult> claims)
    {
        md.AppendLine("## The paper's claims").AppendLine();
        // One row per claim, one column per task: a verdict per claim per task at a glance.
        var tasks = claims.Select(c => c.Task).Where(t => t != ClaimVerdicts.NoTask).Distinct().Order(StringComparer.Ordinal).ToList();
        if (tasks.Count == 0) tasks.Add(ClaimVerdicts.NoTask);
        md.AppendLine("| # | claim | " + string.Join(" | ", tasks) + " |").AppendLine("|---:|---|" + string.Concat(tasks.Select(_ => "---|")));
        foreach (var group in claims.GroupBy(c => c.Number))
        {
            var verdicts = tasks.Select(t => $"**{ClaimVerdicts.Name(group.FirstOrDefault(c => c.Task == t)?.Verdict ?? Verdict.NotRun)}**");
            md.AppendLine($"| {group.Key} | {group.First().Claim} | " + string.Join(" | ", verdicts) + " |");
        }
        md.AppendLine();
        foreach (var group in claims.GroupBy(c => c.Number))
        {
            md.AppendLine($"### Claim {group.Key}: {group.First().Claim}").AppendLine();
            foreach (var c in group)
            {
                md.AppendLine($"- **{c.Task}: {ClaimVerdicts.Name(c.Verdict)}**");
                foreach (var line in c.Evidence) md.AppendLine($"  - {line}");
            }
            md.AppendLine();
        }
    }

    private static void TaskSections(StringBuilder md, IReadOnlyList<RunRecord> records, string folder, string task)
    {
        var pool = records.Where(r => r.Extra.Count == 0 && r.Experiment != AlignmentExperiment.ExperimentId && r.Experiment != ClaimVerdicts.SegmentationId).ToList();
        var paper = TransferExperiment.PaperMethods.Select(m => m.Id).ToList();
        var paperRuns = pool.Where(r => paper.Contains(r.Method)).ToList();
        string slug = Slug(task);
        if (paperRuns.Count > 0)
        {
            Section(md, "data-efficiency (Fig. 3)", paperRuns, r => r.Method, r => r.N, "n", MetricNames.Accuracy, paper);
            Plot(md, folder, $"{slug}-accuracy-vs-n", $"{task}: test accuracy vs n", "n (training images)", "test accuracy", paperRuns, MetricNames.Accuracy, r => r.N, true, paper);
            Section(md, "uncertainty: NLL (Fig. 4b)", paperRuns, r => r.Method, r => r.N, "n", MetricNames.Nll, paper);
            Plot(md, folder, $"{slug}-nll-vs-n", $"{task}: test NLL vs n", "n (training images)", "test NLL", paperRuns, MetricNames.Nll, r => r.N, true, paper);
            Section(md, "uncertainty: ECE (Fig. 4b)", paperRuns, r => r.Method, r => r.N, "n", MetricNames.Ece, paper);
            Plot(md, folder, $"{slug}-ece-vs-n", $"{task}: test ECE vs n", "n (training images)", "test ECE (15 bins)", paperRuns, MetricNames.Ece, r => r.N, true, paper);
            Reliability(md, folder, slug, paperRuns, paper);
            foreach (var shift in Data.DistributionShift.All.Select(Data.DistributionShift.Name))
            {
                string metric = MetricNames.Shifted(shift, MetricNames.Accuracy);
                if (!paperRuns.Any(r => r.Metrics.ContainsKey(metric))) continue;
                Section(md, $"ood: accuracy on the `{shift}` test set (Fig. 4a)", paperRuns, r => r.Method, r => r.N, "n", metric, paper);
                Plot(md, folder, $"{slug}-ood-{shift}", $"{task}: accuracy under {shift} shift", "n (training images)", "shifted test accuracy", paperRuns, metric, r => r.N, true, paper);
            }
        }
        string[] covariance = ["map-learned", "map-isotropic-mean", "bayes-learned", "bayes-isotropic-mean"];
        var covarianceRuns = pool.Where(r => covariance.Contains(r.Method)).ToList();
        if (covarianceRuns.Any(r => r.Method.EndsWith("isotropic-mean", StringComparison.Ordinal)))
        {
            Section(md, "covariance: learned low-rank vs isotropic learned mean (Fig. 2c)", covarianceRuns, r => r.Method, r => r.N, "n", MetricNames.Accuracy, covariance);
            Plot(md, folder, $"{slug}-covariance", $"{task}: learned vs isotropic covariance", "n (training images)", "test accuracy", covarianceRuns, MetricNames.Accuracy, r => r.N, true, covariance);
        }
        var scale = records.Where(r => r.Experiment == "scale").ToList();
        if (scale.Count > 0)
        {
            double Lambda(RunRecord r) => double.Parse(r.ExtraValue(ScaleExperiment.LambdaAxis)!, CultureInfo.InvariantCulture);
            Section(md, "scale: accuracy vs λ (Fig. 2d)", scale, r => $"{r.Method}, n={r.N}", Lambda, "λ", MetricNames.Accuracy);
            Plot(md, folder, $"{slug}-accuracy-vs-lambda", $"{task}: accuracy vs prior scale λ", "λ", "test accuracy", scale, MetricNames.Accuracy, Lambda, true, label: r => $"{r.Method}, n={r.N}");
        }
        var rank = records.Where(r => r.Experiment == "rank").ToList();
        if (rank.Count > 0)
        {
            double K(RunRecord r) => double.Parse(r.ExtraValue(RankExperiment.RankAxis)!, CultureInfo.InvariantCulture);
            Section(md, "rank: accuracy vs K (Fig. 2b; K = 0 is the diagonal)", rank, r => $"{r.Method}, n={r.N}", K, "K", MetricNames.Accuracy);
            Plot(md, folder, $"{slug}-accuracy-vs-rank", $"{task}: accuracy vs rank K", "rank K (0: diagonal)", "test accuracy", rank, MetricNames.Accuracy, K, false, label: r => $"{r.Method}, n={r.N}");
        }
        var longer = records.Where(r => r.Experiment == SamplerBudgetExperiment.ExperimentId).ToList();
        if (longer.Count > 0) SamplerBudget(md, folder, slug, task, longer, pool);
        string[] ensemble = ["bayes-learned", "ensemble", "snapshot-ensemble"];
        var ensembleRuns = pool.Where(r => ensemble.Contains(r.Method) && records.Any(e => e.Method == "ensemble" && e.N == r.N)).ToList();
        if (ensembleRuns.Count > 0)
        {
            foreach (var metric in new[] { MetricNames.Accuracy, MetricNames.Nll, MetricNames.MemberAccuracy, MetricNames.EnsembleSize })
                Section(md, $"ensemble: {metric} (App. B.3)", ensembleRuns, r => r.Method, r => r.N, "n", metric, ensemble);
        }
        var ssl = records.Where(r => r.ExtraValue(SslVsSupervisedExperiment.PriorAxis) is not null).ToList();
        if (ssl.Count > 0)
        {
            var both = ssl.Concat(pool.Where(r => ssl.Any(s => s.Method == r.Method && s.N == r.N))).ToList();
            Section(md, "ssl-vs-supervised: accuracy (App. B.2)", both, r => $"{r.Method} ({r.ExtraValue(SslVsSupervisedExperiment.PriorAxis) ?? "supervised"} prior)", r => r.N, "n", MetricNames.Accuracy);
            md.AppendLine("The SimCLR prior is SWAG on the NT-Xent loss from the SimCLR model (no source label is used); the projection head is not in the prior.").AppendLine();
        }
        var alignment = records.Where(r => r.Experiment == AlignmentExperiment.ExperimentId).ToList();
        if (alignment.Count > 0) Alignment(md, folder, slug, task, alignment);
        var segmentation = records.Where(r => r.Experiment == ClaimVerdicts.SegmentationId).ToList();
        if (segmentation.Count > 0)
        {
            var columns = SegmentationMethods.All.Select(m => m.Id).ToList();
            md.AppendLine("### segmentation: test mean IoU (Table 1)").AppendLine().AppendLine(MethodColumns(segmentation, MetricNames.Miou, columns));
            Section(md, "segmentation: pixel accuracy", segmentation, r => r.Method, r => r.N, "n", SegmentationExperiment.PixelAccuracy, columns);
            Section(md, "segmentation: BMA samples' own mIoU", segmentation, r => r.Method, r => r.N, "n", SegmentationExperiment.SampleMiou, columns);
            md.AppendLine("Scenes of 1–4 downstream objects on 64×64 canvases; DeepLabv3+-style network on the source backbone (docs/segmentation.md). " +
                "The SSL column's prior is the harness's SimCLR prior (ExperimentContext.SimclrPrior), the same file as in ssl-vs-supervised.").AppendLine();
        }
    }

    private static void SamplerBudget(StringBuilder md, string folder, string slug, string task, IReadOnlyList<RunRecord> longer, IReadOnlyList<RunRecord> pool)
    {
        var methods = SamplerBudgetExperiment.Pairs.SelectMany(p => new[] { p.Sampler.Id, p.Map.Id }).ToHashSet(StringComparer.Ordinal);
        var runs = longer.Concat(pool.Where(r => methods.Contains(r.Method) && longer.Any(l => l.N == r.N))).ToList();
        string Label(RunRecord r) => r.ExtraValue(SamplerBudgetExperiment.StepsAxis) is { } steps ? $"{r.Method}, {steps} sampler steps"
            : r.Method.StartsWith("bayes-", StringComparison.Ordinal) ? $"{r.Method}, profile's sampler steps" : r.Method;
        foreach (var metric in new[] { MetricNames.Accuracy, MetricNames.Nll, MetricNames.Ece, MetricNames.MemberAccuracy })
            Section(md, $"sampler-budget: {metric} (not in the paper)", runs, Label, r => r.N, "n", metric);
        Plot(md, folder, $"{slug}-sampler-budget", $"{task}: SGHMC at {SamplerBudgetExperiment.Factor}× the sampler steps", "n (training images)", "test accuracy",
            runs, MetricNames.Accuracy, r => r.N, true, label: Label);
        md.AppendLine($"The longer runs give SGHMC {SamplerBudgetExperiment.Factor}× the profile's sampler steps in the same cycles, so more compute than MAP: " +
            "they are reported beside claim 3, not counted in any verdict.").AppendLine();
    }

    private static void Alignment(StringBuilder md, string folder, string slug, string task, IReadOnlyList<RunRecord> runs)
    {
        md.AppendLine("### alignment: test loss along singular vs random directions (Fig. 2a)").AppendLine();
        md.AppendLine("| seed | n | loss at prior mean | mean rise, top singular vectors | mean rise, random directions |").AppendLine("|---:|---:|---:|---:|---:|");
        foreach (var r in runs)
            md.AppendLine($"| {r.Seed} | {r.N} | {F(r.Metric("loss_at_mean"))} | {F(r.Metric("sharpness_singular_mean"))} | {F(r.Metric("sharpness_random_mean"))} |");
        md.AppendLine();
        var first = runs[0];
        if (!first.Curves.TryGetValue(AlignmentAnalysis.DistanceCurve, out var distances)) return;
        var series = first.Curves.Where(c => c.Key != AlignmentAnalysis.DistanceCurve)
            .OrderBy(c => c.Key.StartsWith("random", StringComparison.Ordinal)).ThenBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => new PlotSeries(c.Key, distances, c.Value, c.Value.Select(_ => double.NaN).ToList(), Highlight: c.Key.StartsWith("singular", StringComparison.Ordinal)))
            .ToList();
        string name = $"{slug}-alignment.png";
        ExperimentPlots.Lines(Path.Combine(folder, PlotFolder, name), $"{task}: test loss along directions (seed {first.Seed}, n={first.N})",
            "distance t (filter-normalised)", "downstream test loss", series, logX: false);
        md.AppendLine($"![alignment]({PlotFolder}/{name})").AppendLine();
    }

    private static void Reliability(StringBuilder md, string folder, string slug, IReadOnlyList<RunRecord> runs, IReadOnlyList<string> order)
    {
        int n = runs.Max(r => r.N);
        var chosen = runs.Where(r => r.N == n && r.Reliability.Count > 0).GroupBy(r => r.Method).Select(g => g.OrderBy(r => r.Seed).First())
            .OrderBy(r => Rank(order, r.Method)).ToList();
        if (chosen.Count == 0) return;
        md.AppendLine($"Reliability diagrams at n = {n} (seed {chosen[0].Seed}):").AppendLine();
        foreach (var r in chosen)
        {
            string name = $"{slug}-reliability-{r.Method}-n{n}.png";
            ReliabilityDiagram.SavePng(r.Reliability, Path.Combine(folder, PlotFolder, name),
                $"{r.Task}: {r.Method}, n={n} (ECE {F(r.Metric(MetricNames.Ece))})");
            md.Append($"![{r.Method}]({PlotFolder}/{name}) ");
        }
        md.AppendLine().AppendLine();
    }

    /// <summary>
    /// The headline table of each experiment in <paramref name="experimentIds"/> that has one (what `experiment` prints
    /// when it ends), per task: the paper methods' accuracy vs n for the classification experiments, Table 1's
    /// mean IoU for segmentation. The ablations' tables and the verdicts are in the report.
    /// </summary>
    public static IReadOnlyList<(string Title, string Table)> Headlines(IReadOnlyList<RunRecord> records, IEnumerable<string> experimentIds)
    {
        var ids = experimentIds.ToHashSet(StringComparer.Ordinal);
        var headlines = new List<(string, string)>();
        var paper = TransferExperiment.PaperMethods.Select(m => m.Id).ToList();
        foreach (var task in records.Select(r => r.Task).Distinct().Order(StringComparer.Ordinal))
        {
            var own = records.Where(r => r.Task == task).ToList();
            var paperRuns = own.Where(r => r.Extra.Count == 0 && paper.Contains(r.Method) && r.Experiment != ClaimVerdicts.SegmentationId
                && r.Experiment != AlignmentExperiment.ExperimentId).ToList();
            if (paperRuns.Count > 0 && ids.Overlaps(["data-efficiency", "uncertainty", "ood"]))
                headlines.Add(($"{task}: test accuracy (Fig. 3), mean ± SE over seeds", MethodColumns(paperRuns, MetricNames.Accuracy, paper)));
            var segmentation = own.Where(r => r.Experiment == ClaimVerdicts.SegmentationId).ToList();
            if (segmentation.Count > 0 && ids.Contains(ClaimVerdicts.SegmentationId))
                headlines.Add(($"{task}: segmentation test mean IoU (Table 1), mean ± SE over seeds",
                    MethodColumns(segmentation, MetricNames.Miou, SegmentationMethods.All.Select(m => m.Id).ToList())));
        }
        return headlines;
    }

    /// <summary>A Markdown table in the layout of the paper's Table 1: one row per n, one column per method (in <paramref name="order"/>).</summary>
    public static string MethodColumns(IReadOnlyList<RunRecord> runs, string metric, IReadOnlyList<string> order)
    {
        var methods = runs.Select(r => r.Method).Distinct().OrderBy(m => Rank(order, m)).ThenBy(m => m, StringComparer.Ordinal).ToList();
        var sb = new StringBuilder();
        sb.AppendLine($"| n ({metric}) | " + string.Join(" | ", methods) + " |");
        sb.AppendLine("|---:|" + string.Concat(methods.Select(_ => "---|")));
        foreach (int n in runs.Select(r => r.N).Distinct().Order())
            sb.AppendLine($"| {n} | " + string.Join(" | ", methods.Select(m => Aggregation.Of(runs.Where(r => r.Method == m && r.N == n), metric).Format())) + " |");
        return sb.ToString();
    }

    /// <summary>A Markdown table: one row per <paramref name="row"/> value, one column per x value, mean ± SE of <paramref name="metric"/>.</summary>
    public static string Table(IReadOnlyList<RunRecord> runs, Func<RunRecord, string> row, Func<RunRecord, double> x, string xName, string metric,
        IReadOnlyList<string>? rowOrder = null)
    {
        var xs = runs.Select(x).Distinct().Order().ToList();
        var rows = runs.Select(row).Distinct().OrderBy(r => Rank(rowOrder, r)).ThenBy(r => r, StringComparer.Ordinal).ToList();
        var sb = new StringBuilder();
        sb.AppendLine($"| {metric} | " + string.Join(" | ", xs.Select(v => $"{xName}={v.ToString("G3", CultureInfo.InvariantCulture)}")) + " |");
        sb.AppendLine("|---|" + string.Concat(xs.Select(_ => "---:|")));
        foreach (var r in rows)
            sb.AppendLine($"| {r} | " + string.Join(" | ", xs.Select(v => Aggregation.Of(runs.Where(e => row(e) == r && x(e) == v), metric).Format())) + " |");
        return sb.ToString();
    }

    private static void Section(StringBuilder md, string title, IReadOnlyList<RunRecord> runs, Func<RunRecord, string> row, Func<RunRecord, double> x,
        string xName, string metric, IReadOnlyList<string>? order = null)
    {
        if (!runs.Any(r => r.Metrics.ContainsKey(metric))) return;
        md.AppendLine($"### {title}").AppendLine();
        md.AppendLine(Table(runs.Where(r => r.Metrics.ContainsKey(metric)).ToList(), row, x, xName, metric, order));
    }

    private static void Plot(StringBuilder md, string folder, string name, string title, string xLabel, string yLabel, IReadOnlyList<RunRecord> runs,
        string metric, Func<RunRecord, double> x, bool logX, IReadOnlyList<string>? order = null, Func<RunRecord, string>? label = null)
    {
        label ??= r => r.Method;
        var series = runs.Where(r => r.Metrics.ContainsKey(metric)).GroupBy(label).OrderBy(g => Rank(order, g.Key)).Select(g =>
        {
            var points = g.GroupBy(x).OrderBy(p => p.Key).Select(p => (X: p.Key, S: Aggregation.Of(p, metric))).ToList();
            return new PlotSeries(g.Key, points.Select(p => p.X).ToList(), points.Select(p => p.S.Mean).ToList(), points.Select(p => p.S.StandardError).ToList());
        }).ToList();
        if (series.Count == 0) return;
        string file = name + ".png";
        ExperimentPlots.Lines(Path.Combine(folder, PlotFolder, file), title, xLabel, yLabel + " (mean ± SE)", series, logX);
        md.AppendLine($"![{title}]({PlotFolder}/{file})").AppendLine();
    }

    private static void AllCells(StringBuilder md, IReadOnlyList<RunRecord> records)
    {
        string[] metrics = [MetricNames.Accuracy, MetricNames.Nll, MetricNames.Ece, MetricNames.Brier, MetricNames.MemberAccuracy, MetricNames.Miou];
        md.AppendLine("| experiment | task | method | extra | n | runs | " + string.Join(" | ", metrics) + " | s/run |");
        md.AppendLine("|---|---|---|---|---:|---:|" + string.Concat(metrics.Select(_ => "---:|")) + "---:|");
        foreach (var (cell, stats) in Aggregation.Summarise(records))
        {
            var runs = records.Where(r => CellKey.Of(r) == cell).ToList();
            md.AppendLine($"| {cell.Experiment} | {cell.Task} | {cell.Method} | {cell.Extra} | {cell.N} | {runs.Count} | "
                + string.Join(" | ", metrics.Select(m => stats.TryGetValue(m, out var s) ? s.Format() : "")) + $" | {runs.Average(r => r.WallSeconds):F0} |");
        }
        md.AppendLine();
    }

    private static int Rank(IReadOnlyList<string>? order, string key)
    {
        if (order is null) return 0;
        int i = order.ToList().IndexOf(key);
        return i < 0 ? int.MaxValue : i;
    }

    private static string Join(IEnumerable<string> values) => string.Join(", ", values.Distinct().Order(StringComparer.Ordinal));
    private static string F(double? v) => v is { } d ? d.ToString("F4", CultureInfo.InvariantCulture) : "–";
    private static string Slug(string task) => string.Concat(task.Select(c => char.IsLetterOrDigit(c) || c == '-' ? c : '_'));
}
