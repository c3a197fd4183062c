using PriorTransfer.Experiments;

namespace PriorTransfer.Tests.Experiments;

public sealed class ReportTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private readonly string folder = Directory.CreateTempSubdirectory("priortransfer-report-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void LinePlotsAreNonEmptyPngs()
    {
        string path = Path.Combine(folder, "plots", "a.png");
        ExperimentPlots.Lines(path, "accuracy vs n", "n", "accuracy",
            [new PlotSeries("finetune", [10, 100, 1000], [0.5, 0.7, 0.9], [0.01, double.NaN, 0.02])], logX: true);
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000);
        Assert.Equal(PngSignature, bytes.Take(8));
    }

    [Fact]
    public void TheReportHasVerdictsTablesAndPlots()
    {
        var store = ResultsStore.Open(folder);
        var records = new List<RunRecord>();
        foreach (var (method, accuracy) in new[] { ("bayes-learned", 0.8), ("map-learned", 0.75), ("finetune", 0.7), ("bayes-nonlearned", 0.6), ("map-nonlearned", 0.55) })
            foreach (int n in new[] { 10, 100 })
                records.AddRange(SyntheticResults.Seeds("data-efficiency", method, n, accuracy, 0.01));
        foreach (var lambda in new[] { "1", "100", "10000" })
            records.AddRange(SyntheticResults.Seeds("scale", "map-learned", 100, lambda == "100" ? 0.8 : 0.7, 0.01, new() { ["lambda"] = lambda }));
        var alignment = SyntheticResults.Record("alignment", "map-learned", 100, 0, 0.5,
            metrics: new() { ["sharpness_singular-1"] = 0.1, ["sharpness_random-1"] = 0.3, ["loss_at_mean"] = 0.5 });
        alignment = alignment with { Curves = new() { ["distance"] = [-1, 0, 1], ["singular-1"] = [0.6, 0.5, 0.6], ["random-1"] = [0.8, 0.5, 0.8] } };
        records.Add(alignment);
        foreach (var r in records) store.Append(r);

        string path = ExperimentReport.Write(folder);
        string text = File.ReadAllText(path);
        Assert.Contains("| 1 | Ordering", text);
        Assert.Contains("**confirmed**", text);
        Assert.Contains("0.8000 ± 0.0058", text);    // bayes-learned: mean 0.8, SE 0.01 (sd 0.01 / √3 · √3)
        Assert.Contains("| 12 |", text);
        var plots = Directory.GetFiles(Path.Combine(folder, ExperimentReport.PlotFolder), "*.png");
        Assert.Contains(plots, p => p.EndsWith("synthetic-accuracy-vs-n.png", StringComparison.Ordinal));
        Assert.Contains(plots, p => p.EndsWith("synthetic-accuracy-vs-lambda.png", StringComparison.Ordinal));
        Assert.Contains(plots, p => p.EndsWith("synthetic-alignment.png", StringComparison.Ordinal));
        Assert.Contains(plots, p => p.Contains("reliability", StringComparison.Ordinal));
        Assert.All(plots, p => Assert.True(new FileInfo(p).Length > 1000));
        foreach (var p in plots) Assert.Contains($"plots/{Path.GetFileName(p)}", text);
    }

    /// <summary>
    /// One report over a folder per task: a row per claim with a verdict per task, each task's own sections, and the
    /// same run named twice is refused rather than counted twice.
    /// </summary>
    [Fact]
    public void OneReportOverSeveralFoldersHasAVerdictPerClaimPerTask()
    {
        string[] tasks = ["task-a", "task-b"];
        var sources = tasks.Select(t => Path.Combine(folder, t)).ToArray();
        for (int i = 0; i < tasks.Length; i++)
        {
            var store = ResultsStore.Open(sources[i]);
            // task-a follows the paper's ordering (claim 1 confirmed); task-b reverses it (not confirmed).
            var methods = TransferExperiment.PaperMethods.Select(m => m.Id).ToList();
            for (int m = 0; m < methods.Count; m++)
                foreach (var r in SyntheticResults.Seeds("data-efficiency", methods[m], 100, i == 0 ? 0.8 - 0.05 * m : 0.6 + 0.05 * m, 0.01, task: tasks[i]))
                    store.Append(r);
        }
        string output = Path.Combine(folder, "combined");
        Directory.CreateDirectory(output);

        string text = File.ReadAllText(ExperimentReport.Write(sources, output));

        Assert.Contains("| # | claim | task-a | task-b |", text);
        Assert.Contains($"| 1 | {ClaimVerdicts.Claims[0]} | **confirmed** | **not confirmed** |", text);
        Assert.Contains("## Task `task-a`", text);
        Assert.Contains("## Task `task-b`", text);
        Assert.True(File.Exists(Path.Combine(output, ExperimentReport.PlotFolder, "task-b-accuracy-vs-n.png")));
        var twice = Assert.Throws<InvalidDataException>(() => ExperimentReport.Write([sources[0], sources[0]], output));
        Assert.Contains("data-efficiency", twice.Message);
    }

    /// <summary>The sampler-budget section sets the longer SGHMC runs beside the profile-budget ones and MAP, with a plot.</summary>
    [Fact]
    public void SamplerBudgetRunsGetTheirOwnSectionBesideTheProfileBudget()
    {
        var store = ResultsStore.Open(folder);
        var steps = new Dictionary<string, string> { [SamplerBudgetExperiment.StepsAxis] = "1500" };
        foreach (var (method, accuracy) in new[] { ("bayes-learned", 0.85), ("map-learned", 0.88), ("finetune", 0.87) })
            foreach (var r in SyntheticResults.Seeds("data-efficiency", method, 100, accuracy, 0.01)) store.Append(r);
        foreach (var r in SyntheticResults.Seeds(SamplerBudgetExperiment.ExperimentId, "bayes-learned", 100, 0.9, 0.01, steps)) store.Append(r);

        string text = File.ReadAllText(ExperimentReport.Write(folder));

        Assert.Contains("### sampler-budget: accuracy (not in the paper)", text);
        Assert.Contains("| bayes-learned, 1500 sampler steps | 0.9000 ± 0.0058 |", text);
        Assert.Contains("| bayes-learned, profile's sampler steps | 0.8500 ± 0.0058 |", text);
        Assert.Contains("| map-learned | 0.8800 ± 0.0058 |", text);
        Assert.DoesNotContain("| finetune | 0.8700", text.Split("### sampler-budget: accuracy")[1].Split("###")[0]);
        Assert.True(new FileInfo(Path.Combine(folder, ExperimentReport.PlotFolder, "synthetic-sampler-budget.png")).Length > 1000);
    }

    /// <summary>Segmentation's headline is Table 1's layout: a row per n, the four methods as columns in the paper's order.</summary>
    [Fact]
    public void SegmentationHeadlineIsTableOneWithFourMethodColumns()
    {
        var methods = PriorTransfer.Workflows.SegmentationMethods.All.Select(m => m.Id).ToList();
        var records = (from method in methods.AsEnumerable().Reverse()
                       from n in new[] { 50, 10 }
                       from r in SyntheticResults.Seeds("segmentation", method, n, 0.4 + 0.01 * methods.IndexOf(method), 0.01, metric: "miou")
                       select r).ToList();
        records.AddRange(SyntheticResults.Seeds("data-efficiency", "finetune", 10, 0.7, 0.01));

        var headlines = ExperimentReport.Headlines(records, ["segmentation"]);

        var (title, table) = Assert.Single(headlines);
        Assert.Contains("Table 1", title);
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal($"| n (miou) | {string.Join(" | ", methods)} |", lines[0]);
        Assert.StartsWith("| 10 | 0.4000 ± 0.0058 | 0.4100 ± 0.0058 |", lines[2]);
        Assert.StartsWith("| 50 |", lines[3]);
        Assert.Equal(4, lines.Length);
        Assert.Equal(2, ExperimentReport.Headlines(records, ["segmentation", "data-efficiency"]).Count);
    }
}
