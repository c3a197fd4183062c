using PriorTransfer.Experiments;

namespace PriorTransfer.Tests.Experiments;

public class ClaimVerdictTests
{
    private static ClaimResult Claim(IReadOnlyList<RunRecord> records, int number) =>
        ClaimVerdicts.Evaluate(records).Single(c => c.Number == number);

    /// <summary>The five paper methods at two sizes, 3 seeds each, with the given accuracies (in the paper's order).</summary>
    private static List<RunRecord> Paper(double[] accuracies, double spread) =>
        (from n in new[] { 10, 100 }
         from i in Enumerable.Range(0, 5)
         from r in SyntheticResults.Seeds("data-efficiency", TransferExperiment.PaperMethods[i].Id, n, accuracies[i], spread)
         select r).ToList();

    [Fact]
    public void ClearlySeparatedOrderingIsConfirmed()
    {
        var claim = Claim(Paper([0.9, 0.8, 0.7, 0.6, 0.5], 0.01), 1);
        Assert.Equal(Verdict.Confirmed, claim.Verdict);
        Assert.Equal(8, claim.Evidence.Count);
    }

    /// <summary>A win just beyond the threshold is shown with two decimals (1.04 SE), not rounded to "1.0 SE".</summary>
    [Fact]
    public void AWinJustBeyondOneStandardErrorShowsWhichSideItIsOn()
    {
        // Each cell's SE is 0.01/√3, the difference's √2 times that, 0.008165; a gap of 0.00849 is 1.04 of it.
        var records = SyntheticResults.Seeds("covariance", "map-learned", 100, 0.80849, 0.01)
            .Concat(SyntheticResults.Seeds("covariance", "map-isotropic-mean", 100, 0.8, 0.01)).ToList();
        var line = Assert.Single(Claim(records, 4).Evidence);
        Assert.Contains("1.04 SE", line);
        Assert.EndsWith("→ win", line);
    }

    [Fact]
    public void DifferencesWithinOneStandardErrorAreNotWins()
    {
        // Steps 0.005 apart; each cell's SE is 0.05/√3 ≈ 0.029, so every gap is far within 1 SE of the difference.
        var claim = Claim(Paper([0.705, 0.70, 0.695, 0.69, 0.685], 0.05), 1);
        Assert.Equal(Verdict.NotConfirmed, claim.Verdict);
        Assert.All(claim.Evidence, e => Assert.Contains("tie", e));
    }

    [Fact]
    public void APartlyHoldingOrderingIsMixedAndAReversedOneIsNotConfirmed()
    {
        Assert.Equal(Verdict.Mixed, Claim(Paper([0.9, 0.8, 0.7, 0.75, 0.5], 0.01), 1).Verdict);
        Assert.Equal(Verdict.NotConfirmed, Claim(Paper([0.5, 0.6, 0.7, 0.8, 0.9], 0.01), 1).Verdict);
    }

    [Fact]
    public void OneSeedIsInconclusiveAndMissingRunsAreNotRun()
    {
        var oneSeed = Paper([0.9, 0.8, 0.7, 0.6, 0.5], 0.01).Where(r => r.Seed == 0).ToList();
        Assert.Equal(Verdict.Inconclusive, Claim(oneSeed, 1).Verdict);
        Assert.Equal(Verdict.NotRun, Claim(oneSeed, 6).Verdict);          // no scale runs
        Assert.Equal(Verdict.NotRun, Claim(oneSeed, 12).Verdict);         // no segmentation results
    }

    /// <summary>
    /// Sampler-budget runs (SGHMC with more steps) appear beside claim 3 with their outcome, but the verdict stays that
    /// of the equal-budget comparison: the longer sampler has more compute than MAP.
    /// </summary>
    [Fact]
    public void LongerSamplerRunsAreReportedUnderClaimThreeButNotCounted()
    {
        var records = Paper([0.7, 0.8, 0.7, 0.5, 0.6], 0.01);
        var steps = new Dictionary<string, string> { [SamplerBudgetExperiment.StepsAxis] = "1500" };
        records.AddRange(SyntheticResults.Seeds(SamplerBudgetExperiment.ExperimentId, "bayes-learned", 100, 0.9, 0.01, steps));
        var claim = Claim(records, 3);
        Assert.Equal(Verdict.NotConfirmed, claim.Verdict);  // both samplers lose to MAP at the profile's budget; counting the longer win would make it mixed
        var longer = claim.Evidence.Where(e => e.Contains("1500 sampler steps (not counted)", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, longer.Count);                  // accuracy and NLL at n = 100, against map-learned
        Assert.Contains(longer, e => e.StartsWith("n=100 accuracy", StringComparison.Ordinal) && e.Contains("bayes-learned 0.9000 ± 0.0058 vs map-learned 0.8000 ± 0.0058", StringComparison.Ordinal));
        Assert.All(longer, e => Assert.EndsWith("→ win", e));
    }

    /// <summary>Claim 2 needs the interior peak to be a gain: a peak of +0.01 ± 0.03 over fine-tuning is only mixed.</summary>
    [Fact]
    public void AnInteriorPeakThatIsNoGainIsMixed()
    {
        static List<RunRecord> Gains(double[] bayes, double spread) => new[] { 10, 100, 1000 }.SelectMany((n, i) =>
            SyntheticResults.Seeds("data-efficiency", "bayes-learned", n, bayes[i], spread)
                .Concat(SyntheticResults.Seeds("data-efficiency", "finetune", n, 0.7, spread))).ToList();
        Assert.Equal(Verdict.Confirmed, Claim(Gains([0.6, 0.8, 0.6], 0.01), 2).Verdict);
        var claim = Claim(Gains([0.6, 0.71, 0.65], 0.05), 2);
        Assert.Equal(Verdict.Mixed, claim.Verdict);
        Assert.Contains(claim.Evidence, e => e.Contains("within 1 SE of zero", StringComparison.Ordinal));
    }

    /// <summary>
    /// Claim 10 on a 5-class task: a shift that leaves both methods at chance (0.2) is not counted; the others are.
    /// </summary>
    [Fact]
    public void ShiftsThatLeaveBothMethodsAtChanceAreNotCounted()
    {
        static IEnumerable<RunRecord> Cell(string method, double rotate, double contrast) =>
            Enumerable.Range(0, 3).Select(seed => SyntheticResults.Record("data-efficiency", method, 100, seed, 0.8, task: PriorTransfer.Data.TaskCatalog.FashionSplit,
                metrics: new() { ["rotate_accuracy"] = rotate + (seed - 1) * 0.01, ["contrast_accuracy"] = contrast + (seed - 1) * 0.005 }));
        var records = Cell("bayes-learned", 0.6, 0.2).Concat(Cell("map-learned", 0.6, 0.2)).Concat(Cell("finetune", 0.5, 0.205)).ToList();
        var claim = Claim(records, 10);
        Assert.Equal(Verdict.Confirmed, claim.Verdict);   // the rotate wins; contrast, at chance, is no loss
        Assert.Equal(2, claim.Evidence.Count(e => e.Contains("within 2 SE of chance (0.2000)", StringComparison.Ordinal)));

        // Above chance the same contrast gap counts, and it is a loss; on a task of unknown class count nothing is left out.
        var above = Cell("bayes-learned", 0.6, 0.4).Concat(Cell("map-learned", 0.6, 0.4)).Concat(Cell("finetune", 0.5, 0.5)).ToList();
        Assert.Equal(Verdict.Mixed, Claim(above, 10).Verdict);
        var unknown = records.Select(r => r with { Task = "idx:somewhere" }).ToList();
        Assert.Equal(Verdict.Mixed, Claim(unknown, 10).Verdict);
    }

    [Fact]
    public void LambdaWithAnInteriorOptimumIsConfirmedAndAMonotoneOneIsNot()
    {
        static List<RunRecord> Scale(double[] accuracies) => accuracies.SelectMany((a, i) =>
            SyntheticResults.Seeds("scale", "map-learned", 100, a, 0.01, new() { ["lambda"] = Math.Pow(10, 2 * i).ToString(System.Globalization.CultureInfo.InvariantCulture) })).ToList();
        Assert.Equal(Verdict.Confirmed, Claim(Scale([0.5, 0.7, 0.8, 0.7, 0.6]), 6).Verdict);
        Assert.Equal(Verdict.NotConfirmed, Claim(Scale([0.5, 0.6, 0.7, 0.8, 0.9]), 6).Verdict);
        Assert.Equal(Verdict.Mixed, Claim(Scale([0.5, 0.795, 0.8, 0.79, 0.6]).Concat(
            SyntheticResults.Seeds("scale", "map-learned", 100, 0.8, 0.01, new() { ["lambda"] = "1e10" })).ToList(), 6).Verdict);
    }

    [Fact]
    public void RankThatRisesThenSaturatesIsConfirmed()
    {
        static List<RunRecord> Rank(double[] accuracies) => accuracies.SelectMany((a, i) =>
            SyntheticResults.Seeds("rank", "map-learned", 100, a, 0.01, new() { ["rank"] = (i * 5).ToString(System.Globalization.CultureInfo.InvariantCulture) })).ToList();
        Assert.Equal(Verdict.Confirmed, Claim(Rank([0.6, 0.7, 0.75, 0.751]), 5).Verdict);
        Assert.Equal(Verdict.Mixed, Claim(Rank([0.6, 0.7, 0.75, 0.85]), 5).Verdict);
        Assert.Equal(Verdict.NotConfirmed, Claim(Rank([0.75, 0.7, 0.75, 0.75]), 5).Verdict);
    }

    [Fact]
    public void FlatterSingularDirectionsConfirmClaim11()
    {
        var metrics = new Dictionary<string, double>();
        for (int i = 0; i < 5; i++) metrics[$"sharpness_singular-{i + 1}"] = 0.01 + 0.001 * i;
        for (int i = 0; i < 10; i++) metrics[$"sharpness_random-{i + 1}"] = 0.5 + 0.01 * i;
        var flat = SyntheticResults.Record("alignment", "map-learned", 100, 0, 0.5, metrics: metrics);
        Assert.Equal(Verdict.Confirmed, Claim([flat], 11).Verdict);

        var same = new Dictionary<string, double>();
        for (int i = 0; i < 5; i++) same[$"sharpness_singular-{i + 1}"] = 0.5 + 0.01 * i;
        for (int i = 0; i < 10; i++) same[$"sharpness_random-{i + 1}"] = 0.5 + 0.005 * i;
        Assert.Equal(Verdict.NotConfirmed, Claim([SyntheticResults.Record("alignment", "map-learned", 100, 0, 0.5, metrics: same)], 11).Verdict);
    }

    [Fact]
    public void SegmentationReadsMiou()
    {
        var records = SyntheticResults.Seeds("segmentation", "sgd-transfer", 100, 0.40, 0.01, metric: "miou")
            .Concat(SyntheticResults.Seeds("segmentation", "sgld-learned-supervised", 100, 0.50, 0.01, metric: "miou")).ToList();
        var claim = Claim(records, 12);
        Assert.Equal(Verdict.Confirmed, claim.Verdict);
        Assert.Contains("mIoU", claim.Evidence[0]);
    }

    /// <summary>The learned prior must beat both other columns of Table 1: beating SGD but losing to the non-learned prior is mixed.</summary>
    [Fact]
    public void SegmentationComparesWithTheNonLearnedPriorToo()
    {
        var records = SyntheticResults.Seeds("segmentation", "sgd-transfer", 100, 0.40, 0.01, metric: "miou")
            .Concat(SyntheticResults.Seeds("segmentation", "sgld-nonlearned", 100, 0.60, 0.01, metric: "miou"))
            .Concat(SyntheticResults.Seeds("segmentation", "sgld-learned-supervised", 100, 0.50, 0.01, metric: "miou")).ToList();
        var claim = Claim(records, 12);
        Assert.Equal(2, claim.Evidence.Count);
        Assert.Contains(claim.Evidence, e => e.Contains("sgld-nonlearned", StringComparison.Ordinal));
        Assert.NotEqual(Verdict.Confirmed, claim.Verdict);
    }
}
