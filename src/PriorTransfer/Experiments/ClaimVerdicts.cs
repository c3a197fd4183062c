using System.Globalization;
using PriorTransfer.Workflows;

namespace PriorTransfer.Experiments;

/// <summary>A claim's verdict. Inconclusive: the runs exist but have no standard error (fewer than 2 seeds).</summary>
public enum Verdict { Confirmed, NotConfirmed, Mixed, Inconclusive, NotRun }

/// <summary>One comparison of two cells: a win needs a difference beyond <see cref="ClaimVerdicts.Threshold"/> standard errors.</summary>
public enum Outcome { Win, Tie, Loss, Unknown }

/// <summary>A claim's verdict on one task, with the comparisons behind it.</summary>
public sealed record ClaimResult(int Number, string Claim, string Task, Verdict Verdict, IReadOnlyList<string> Evidence);

/// <summary>
/// The verdicts on the twelve claims of BENCHMARK.md from result lines. Honest by construction: A beats B only when
/// mean(A) − mean(B) exceeds <see cref="Threshold"/> × √(SE(A)² + SE(B)²) in A's favour; a smaller difference is a tie
/// (never rounded into a win), and without standard errors (one seed) nothing is decided. A claim made of several
/// comparisons is confirmed when all are wins, not confirmed when none is, mixed otherwise.
/// </summary>
public static class ClaimVerdicts
{
    public const double Threshold = 1.0;

    public static readonly string[] Claims =
    [
        "Ordering: bayes-learned > map-learned > finetune > bayes-nonlearned > map-nonlearned.",
        "Learned priors help most at intermediate n.",
        "With the same prior, Bayesian inference beats MAP.",
        "A learned low-rank covariance beats an isotropic prior with the learned mean.",
        "Accuracy rises with rank K, then saturates.",
        "λ has an interior optimum.",
        "Self-supervised priors transfer better than supervised ones.",
        "BMA beats a deep ensemble of the same size.",
        "Bayesian transfer gives better NLL and calibration; SGD fine-tuning is miscalibrated.",
        "Gains hold under distribution shift.",
        "Downstream loss is flatter along the prior's top singular vectors than along random directions.",
        "Segmentation: a learned backbone prior raises mIoU.",
    ];

    public static Outcome Compare(Stat a, Stat b, bool higherIsBetter)
    {
        if (a.Count == 0 || b.Count == 0 || !a.HasError || !b.HasError) return Outcome.Unknown;
        double diff = higherIsBetter ? a.Mean - b.Mean : b.Mean - a.Mean;
        double se = Math.Sqrt(a.StandardError * a.StandardError + b.StandardError * b.StandardError);
        return diff > Threshold * se ? Outcome.Win : diff < -Threshold * se ? Outcome.Loss : Outcome.Tie;
    }

    /// <summary>All wins: confirmed; no win: not confirmed; some: mixed; any comparison without SE: inconclusive; none: not run.</summary>
    public static Verdict Combine(IReadOnlyCollection<Outcome> outcomes)
    {
        if (outcomes.Count == 0) return Verdict.NotRun;
        if (outcomes.Any(o => o == Outcome.Unknown)) return Verdict.Inconclusive;
        int wins = outcomes.Count(o => o == Outcome.Win);
        return wins == outcomes.Count ? Verdict.Confirmed : wins == 0 ? Verdict.NotConfirmed : Verdict.Mixed;
    }

    public static string Name(Verdict v) => v switch
    {
        Verdict.Confirmed => "confirmed",
        Verdict.NotConfirmed => "not confirmed",
        Verdict.Mixed => "mixed",
        Verdict.Inconclusive => "inconclusive (no standard error: run ≥ 2 seeds)",
        _ => "not run",
    };

    /// <summary>Every claim on every task present in <paramref name="records"/> (claims with no data on a task: not run).</summary>
    public static IReadOnlyList<ClaimResult> Evaluate(IReadOnlyList<RunRecord> records)
    {
        var tasks = records.Where(r => r.Experiment != SegmentationId).Select(r => r.Task).Distinct().Order(StringComparer.Ordinal).ToList();
        var results = new List<ClaimResult>();
        for (int claim = 1; claim <= 11; claim++)
            foreach (var task in tasks)
                results.Add(EvaluateClaim(claim, records.Where(r => r.Task == task).ToList(), task));
        var segmentation = records.Where(r => r.Experiment == SegmentationId).ToList();
        if (segmentation.Count == 0) results.Add(new ClaimResult(12, Claims[11], NoTask, Verdict.NotRun, ["no `segmentation` results"]));
        foreach (var task in segmentation.Select(r => r.Task).Distinct().Order(StringComparer.Ordinal))
            results.Add(Segmentation(segmentation.Where(r => r.Task == task).ToList(), task));
        return results;
    }

    public const string SegmentationId = "segmentation";

    /// <summary>The task of a claim that no task's results bear on (segmentation without segmentation runs).</summary>
    public const string NoTask = "–";

    private static ClaimResult EvaluateClaim(int claim, IReadOnlyList<RunRecord> records, string task)
    {
        var evidence = new List<string>();
        var outcomes = new List<Outcome>();
        Verdict? direct = null;
        // Cells with the default supervised prior, whichever experiment ran them.
        var pool = records.Where(r => r.Extra.Count == 0 && r.Experiment != AlignmentExperiment.ExperimentId).ToList();
        var sizes = pool.Select(r => r.N).Distinct().Order().ToList();
        Stat Cell(string method, int n, string metric = MetricNames.Accuracy) => Aggregation.Of(pool.Where(r => r.Method == method && r.N == n), metric);
        void Pair(string a, string b, int n, string metric = MetricNames.Accuracy, string? label = null, double? chance = null)
        {
            var (sa, sb) = (Cell(a, n, metric), Cell(b, n, metric));
            if (sa.Count == 0 || sb.Count == 0) return;
            if (chance is { } c && AtChance(sa, c) && AtChance(sb, c))
            {
                evidence.Add($"n={n} {label ?? metric}: {a} {sa.Format()} and {b} {sb.Format()} are both within 2 SE of chance ({F(c)}): no evidence either way, not counted");
                return;
            }
            var o = Compare(sa, sb, MetricNames.HigherIsBetter(metric));
            outcomes.Add(o);
            evidence.Add(Line($"n={n} {label ?? metric}", a, sa, b, sb, o, MetricNames.HigherIsBetter(metric)));
        }

        switch (claim)
        {
            case 1:
                var order = TransferExperiment.PaperMethods.Select(m => m.Id).ToList();
                foreach (int n in sizes)
                    for (int i = 0; i + 1 < order.Count; i++) Pair(order[i], order[i + 1], n);
                break;
            case 2:
                direct = IntermediateGain(sizes, Cell, evidence);
                break;
            case 3:
                foreach (int n in sizes)
                    foreach (var (bayes, map) in new[] { ("bayes-learned", "map-learned"), ("bayes-nonlearned", "map-nonlearned"), ("bayes-isotropic-mean", "map-isotropic-mean"), ("bayes-diagonal", "map-diagonal") })
                        Pair(bayes, map, n);
                LongerSampler(records, Cell, evidence);
                break;
            case 4:
                foreach (int n in sizes)
                {
                    Pair("map-learned", "map-isotropic-mean", n);
                    Pair("bayes-learned", "bayes-isotropic-mean", n);
                }
                break;
            case 5:
                direct = Curve(records.Where(r => r.Experiment == "rank"), RankExperiment.RankAxis, evidence, rank: true);
                break;
            case 6:
                direct = Curve(records.Where(r => r.Experiment == "scale"), ScaleExperiment.LambdaAxis, evidence, rank: false);
                break;
            case 7:
                foreach (var cell in records.Where(r => r.ExtraValue(SslVsSupervisedExperiment.PriorAxis) == SslVsSupervisedExperiment.SimclrPrior)
                    .GroupBy(r => (r.Method, r.N)).OrderBy(g => g.Key.N))
                {
                    var ssl = Aggregation.Of(cell, MetricNames.Accuracy);
                    var sup = Cell(cell.Key.Method, cell.Key.N);
                    if (sup.Count == 0) continue;
                    var o = Compare(ssl, sup, true);
                    outcomes.Add(o);
                    evidence.Add(Line($"n={cell.Key.N} accuracy", $"{cell.Key.Method} (SimCLR-backbone prior)", ssl, $"{cell.Key.Method} (supervised prior)", sup, o, true));
                }
                if (outcomes.Count > 0) evidence.Add("Note: the SimCLR prior is SWAG on the NT-Xent loss from the SimCLR model (no source labels); the projection head is not in the prior.");
                break;
            case 8:
                foreach (int n in records.Where(r => r.Method == DownstreamMethods.Ensemble.Id).Select(r => r.N).Distinct().Order())
                {
                    Pair("bayes-learned", "ensemble", n);
                    Pair("bayes-learned", "ensemble", n, MetricNames.Nll);
                }
                break;
            case 9:
                foreach (int n in sizes)
                {
                    Pair("bayes-learned", "finetune", n, MetricNames.Nll);
                    Pair("bayes-learned", "finetune", n, MetricNames.Ece);
                }
                break;
            case 10:
                // A shift that leaves both methods at chance accuracy (every image one class) says nothing about gains.
                double? chance = 1.0 / Data.TaskCatalog.BuiltInClassCount(task);
                foreach (var shift in Data.DistributionShift.All.Select(Data.DistributionShift.Name))
                    foreach (int n in sizes)
                    {
                        Pair("bayes-learned", "finetune", n, MetricNames.Shifted(shift, MetricNames.Accuracy), chance: chance);
                        Pair("map-learned", "finetune", n, MetricNames.Shifted(shift, MetricNames.Accuracy), chance: chance);
                    }
                break;
            case 11:
                direct = Alignment(records.Where(r => r.Experiment == AlignmentExperiment.ExperimentId).ToList(), evidence);
                break;
        }
        var verdict = direct ?? Combine(outcomes);
        if (verdict == Verdict.NotRun && evidence.Count == 0) evidence.Add("no runs for this claim on this task");
        return new ClaimResult(claim, Claims[claim - 1], task, verdict, evidence);
    }

    /// <summary>
    /// Claim 2: the gain of bayes-learned over finetune peaks at an interior n, beyond 1 SE of both ends, and is itself
    /// positive beyond 1 SE there (a peak that is no gain is a shape, not help: mixed).
    /// </summary>
    private static Verdict IntermediateGain(IReadOnlyList<int> sizes, Func<string, int, string, Stat> cell, List<string> evidence)
    {
        var gains = new List<(int N, Stat Gain)>();
        foreach (int n in sizes)
        {
            var (b, f) = (cell("bayes-learned", n, MetricNames.Accuracy), cell("finetune", n, MetricNames.Accuracy));
            if (b.Count == 0 || f.Count == 0) continue;
            var gain = new Stat(Math.Min(b.Count, f.Count), b.Mean - f.Mean, Math.Sqrt(b.StandardError * b.StandardError + f.StandardError * f.StandardError));
            gains.Add((n, gain));
            evidence.Add($"n={n}: gain of bayes-learned over finetune {Signed(gain.Mean)} ± {F(gain.StandardError)}");
        }
        if (gains.Count < 3) { evidence.Add($"needs ≥ 3 sizes with both methods; have {gains.Count}"); return Verdict.NotRun; }
        if (gains.Any(g => !g.Gain.HasError)) return Verdict.Inconclusive;
        int best = Enumerable.Range(0, gains.Count).MaxBy(i => gains[i].Gain.Mean);
        evidence.Add($"largest gain at n={gains[best].N}");
        if (best == 0 || best == gains.Count - 1) return Verdict.NotConfirmed;
        bool aboveEnds = Compare(gains[best].Gain, gains[0].Gain, true) == Outcome.Win && Compare(gains[best].Gain, gains[^1].Gain, true) == Outcome.Win;
        bool helps = gains[best].Gain.Mean > gains[best].Gain.StandardError;
        if (!helps) evidence.Add($"the gain at n={gains[best].N} is within 1 SE of zero: learned priors do not measurably help there");
        return aboveEnds && helps ? Verdict.Confirmed : Verdict.Mixed;
    }

    /// <summary>Claims 5 and 6: accuracy along an axis (rank: rises then saturates; λ: interior optimum), per n.</summary>
    private static Verdict? Curve(IEnumerable<RunRecord> records, string axis, List<string> evidence, bool rank)
    {
        var verdicts = new List<Verdict>();
        foreach (var byN in records.GroupBy(r => r.N).OrderBy(g => g.Key))
        {
            var points = byN.GroupBy(r => double.Parse(r.ExtraValue(axis) ?? "NaN", CultureInfo.InvariantCulture))
                .Where(g => !double.IsNaN(g.Key)).OrderBy(g => g.Key)
                .Select(g => (X: g.Key, S: Aggregation.Of(g, MetricNames.Accuracy))).ToList();
            evidence.Add($"n={byN.Key}: " + string.Join("; ", points.Select(p => $"{axis}={p.X.ToString("G3", CultureInfo.InvariantCulture)}: {p.S.Format()}")));
            if (points.Count < 3) { evidence.Add($"needs ≥ 3 values of {axis}; have {points.Count}"); verdicts.Add(Verdict.NotRun); continue; }
            if (points.Any(p => !p.S.HasError)) { verdicts.Add(Verdict.Inconclusive); continue; }
            if (rank)
            {
                var rises = Compare(points[^1].S, points[0].S, true);
                var lastStep = Compare(points[^1].S, points[^2].S, true);
                evidence.Add($"n={byN.Key}: largest vs smallest K {Name(rises)}; last step {Name(lastStep)}");
                verdicts.Add(rises != Outcome.Win ? Verdict.NotConfirmed : lastStep == Outcome.Win ? Verdict.Mixed : Verdict.Confirmed);
            }
            else
            {
                int best = Enumerable.Range(0, points.Count).MaxBy(i => points[i].S.Mean);
                evidence.Add($"n={byN.Key}: best λ = {points[best].X.ToString("G3", CultureInfo.InvariantCulture)}");
                if (best == 0 || best == points.Count - 1) verdicts.Add(Verdict.NotConfirmed);
                else verdicts.Add(Compare(points[best].S, points[0].S, true) == Outcome.Win && Compare(points[best].S, points[^1].S, true) == Outcome.Win
                    ? Verdict.Confirmed : Verdict.Mixed);
            }
        }
        return Merge(verdicts);
    }

    /// <summary>Claim 11: mean sharpness (loss rise) along the singular directions below that along random ones, beyond 1 SE (SE over directions).</summary>
    private static Verdict? Alignment(IReadOnlyList<RunRecord> records, List<string> evidence)
    {
        if (records.Count == 0) return Verdict.NotRun;
        var singular = Stat.Of(records.SelectMany(r => r.Metrics.Where(m => m.Key.StartsWith("sharpness_singular-", StringComparison.Ordinal)).Select(m => m.Value)));
        var random = Stat.Of(records.SelectMany(r => r.Metrics.Where(m => m.Key.StartsWith("sharpness_random-", StringComparison.Ordinal)).Select(m => m.Value)));
        var o = Compare(singular, random, higherIsBetter: false);
        evidence.Add(Line("mean test-loss rise over t ∈ [−1, 1] (SE over directions)", "top singular vectors", singular, "random directions", random, o, false));
        return o switch { Outcome.Win => Verdict.Confirmed, Outcome.Unknown => Verdict.Inconclusive, _ => Verdict.NotConfirmed };
    }

    /// <summary>
    /// Claim 12: each learned-prior segmentation method vs the other columns of the paper's Table 1, SGD transfer and
    /// the non-learned prior, on mIoU.
    /// </summary>
    private static ClaimResult Segmentation(IReadOnlyList<RunRecord> records, string task)
    {
        var evidence = new List<string>();
        var outcomes = new List<Outcome>();
        var present = records.Select(r => r.Method).ToHashSet(StringComparer.Ordinal);
        var baselines = SegmentationMethods.All.Where(m => !m.UsesLearnedPrior && present.Contains(m.Id)).Select(m => m.Id).ToList();
        var learned = SegmentationMethods.All.Where(m => m.UsesLearnedPrior && present.Contains(m.Id)).Select(m => m.Id).ToList();
        foreach (var baseline in baselines)
            foreach (var method in learned)
                foreach (int n in records.Select(r => r.N).Distinct().Order())
                {
                    var (a, b) = (Aggregation.Of(records.Where(r => r.Method == method && r.N == n), MetricNames.Miou),
                                  Aggregation.Of(records.Where(r => r.Method == baseline && r.N == n), MetricNames.Miou));
                    if (a.Count == 0 || b.Count == 0) continue;
                    var o = Compare(a, b, true);
                    outcomes.Add(o);
                    evidence.Add(Line($"n={n} mIoU", method, a, baseline, b, o, true));
                }
        if (outcomes.Count == 0) evidence.Add("segmentation results hold no learned-prior method and SGD baseline with metric `miou`");
        return new ClaimResult(12, Claims[11], task, Combine(outcomes), evidence);
    }

    private static Verdict? Merge(IReadOnlyList<Verdict> verdicts)
    {
        if (verdicts.Count == 0) return Verdict.NotRun;
        if (verdicts.All(v => v == verdicts[0])) return verdicts[0];
        if (verdicts.Any(v => v == Verdict.Inconclusive)) return Verdict.Inconclusive;
        return Verdict.Mixed;
    }

    /// <summary>A mean within 2 SE of the chance level (within 0.005 when there is no SE).</summary>
    private static bool AtChance(Stat s, double chance) =>
        Math.Abs(s.Mean - chance) <= (s.HasError ? 2 * s.StandardError : 0.005);

    /// <summary>Claim 3's comparison again with the sampler-budget runs: reported, not counted (the sampler gets more compute than MAP).</summary>
    private static void LongerSampler(IReadOnlyList<RunRecord> records, Func<string, int, string, Stat> cell, List<string> evidence)
    {
        var longer = records.Where(r => r.Experiment == SamplerBudgetExperiment.ExperimentId);
        foreach (var g in longer.GroupBy(r => (r.Method, r.N, Steps: r.ExtraValue(SamplerBudgetExperiment.StepsAxis))).OrderBy(g => g.Key.N).ThenBy(g => g.Key.Method, StringComparer.Ordinal))
        {
            var map = SamplerBudgetExperiment.Pairs.FirstOrDefault(p => p.Sampler.Id == g.Key.Method).Map;
            if (map is null) continue;
            foreach (var metric in new[] { MetricNames.Accuracy, MetricNames.Nll })
            {
                var (sa, sb) = (Aggregation.Of(g, metric), cell(map.Id, g.Key.N, metric));
                if (sa.Count == 0 || sb.Count == 0) continue;
                bool higher = MetricNames.HigherIsBetter(metric);
                evidence.Add(Line($"n={g.Key.N} {metric}, {g.Key.Steps} sampler steps (not counted)", g.Key.Method, sa, map.Id, sb, Compare(sa, sb, higher), higher));
            }
        }
    }

    private static string Line(string what, string a, Stat sa, string b, Stat sb, Outcome o, bool higherIsBetter)
    {
        double diff = sa.Mean - sb.Mean;
        double se = Math.Sqrt(sa.StandardError * sa.StandardError + sb.StandardError * sb.StandardError);
        double ratio = Math.Abs(diff) / se;
        // Near the threshold one decimal would show a win as "1.0 SE"; two show which side of it the difference is.
        string z = double.IsNaN(se) || se == 0 ? "" : $", {ratio.ToString(Math.Abs(ratio - Threshold) < 0.05 ? "F2" : "F1", CultureInfo.InvariantCulture)} SE";
        return $"{what}: {a} {sa.Format()} vs {b} {sb.Format()} (Δ {Signed(diff)}{z}; {(higherIsBetter ? "higher" : "lower")} is better) → {Name(o)}";
    }

    private static string Name(Outcome o) => o switch
    {
        Outcome.Win => "win", Outcome.Loss => "loss", Outcome.Tie => "tie (within 1 SE)", _ => "undecided (no SE)",
    };

    private static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
    private static string Signed(double v) => (v >= 0 ? "+" : "") + F(v);
}
