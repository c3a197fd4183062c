using PriorTransfer.Data;
using PriorTransfer.Experiments;
using PriorTransfer.Tests.Workflows;
using PriorTransfer.Workflows;

namespace PriorTransfer.Tests.Experiments;

/// <summary>The real chain on the synthetic texture task with a tiny profile: pre-training, SWAG, MAP, shifts, alignment, report.</summary>
public sealed class TinyEndToEndTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("priortransfer-tiny-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static readonly ExperimentProfile Tiny = ExperimentProfile.Quick with
    {
        Name = "tiny",
        Sizes = [10],
        AblationSizes = [10],
        PriorRank = 2,
        StepsPerSnapshot = 2,
        ScaleLambdas = [1e4],
        Budget = new DownstreamBudget { Steps = 3, SamplerSteps = 4, Cycles = 2, BatchSize = 8, EnsembleSize = 2 },
        AlignmentTestLimit = 40,
        AlignmentPoints = 3,
        ShiftedTestLimit = 40,
    };

    [Fact]
    public void ScaleAndAlignmentRunAndResumeOnTheSyntheticTask()
    {
        using var task = SyntheticTask.Create();
        using (var context = new ExperimentContext(task, Tiny, folder))
        {
            var registry = ExperimentRegistry.CreateDefault();
            string? report = ExperimentRunner.Run([registry.Get("scale"), registry.Get("alignment")], context);
            Assert.NotNull(report);
        }
        var records = ResultsStore.Read(Path.Combine(folder, ResultsStore.FileName));
        Assert.Equal(2, records.Count);
        var scale = records.Single(r => r.Experiment == "scale");
        Assert.Equal(1e4, scale.Hyperparameters["lambda"]);
        Assert.InRange(scale.Metrics["accuracy"], 0, 1);
        var alignment = records.Single(r => r.Experiment == "alignment");
        Assert.Equal(3, alignment.Curves["distance"].Length);
        Assert.Equal(10, alignment.Curves.Keys.Count(k => k.StartsWith("random", StringComparison.Ordinal)));
        Assert.InRange(alignment.Metrics["singular_directions"], 1, 5);
        Assert.Single(Directory.GetFiles(Path.Combine(folder, "cache"), "source-*.ckpt"));
        Assert.Single(Directory.GetFiles(Path.Combine(folder, "cache"), "prior-*.prior"));

        // A rerun trains nothing and appends nothing.
        var before = Directory.GetFiles(Path.Combine(folder, "cache")).Select(File.GetLastWriteTimeUtc).ToList();
        using (var context = new ExperimentContext(task, Tiny, folder))
            ExperimentRunner.Run([ExperimentRegistry.CreateDefault().Get("scale")], context);
        Assert.Equal(2, ResultsStore.Read(Path.Combine(folder, ResultsStore.FileName)).Count);
        Assert.Equal(before, Directory.GetFiles(Path.Combine(folder, "cache")).Select(File.GetLastWriteTimeUtc).ToList());
    }

    /// <summary>
    /// sampler-budget plans the shared data-efficiency cells (MAP and SGHMC at the profile's budget) and SGHMC at 3× the
    /// sampler steps; a longer run really trains with the longer budget (same seed and grid as the shared cell, other fit).
    /// </summary>
    [Fact]
    public void SamplerBudgetRunsSghmcLongerBesideTheSharedCells()
    {
        using var task = SyntheticTask.Create();
        using var context = new ExperimentContext(task, Tiny, folder);
        var plan = new SamplerBudgetExperiment().Plan(context);
        Assert.Equal(6, plan.Count);
        Assert.Equal(4, plan.Count(r => r.Experiment == TransferExperiment.DataEfficiencyId));
        var longer = plan.Where(r => r.Experiment == SamplerBudgetExperiment.ExperimentId).ToList();
        Assert.Equal(["bayes-learned", "bayes-nonlearned"], longer.Select(r => r.Method).Order());
        Assert.All(longer, r => Assert.Equal("12", r.Extra[SamplerBudgetExperiment.StepsAxis]));
        var method = DownstreamMethods.BayesLearned;
        double atProfileBudget = RunCost.Transfer(method, Tiny, TuningGrids.For(method, Tiny.Tuning).Count, TransferExperiment.TestCount(context), shifts: false);
        var longerSpec = longer.Single(r => r.Method == method.Id);
        Assert.True(longerSpec.EstimatedSeconds > atProfileBudget);

        var atProfile = plan.Single(r => r.Experiment == TransferExperiment.DataEfficiencyId && r.Method == method.Id).Execute(context);
        var atLonger = longerSpec.Execute(context);
        Assert.Equal(atProfile.Metrics["ensemble_size"], atLonger.Metrics["ensemble_size"]);
        Assert.NotEqual(atProfile.Metrics["validation_nll"], atLonger.Metrics["validation_nll"]);
    }

    [Fact]
    public void ShiftsAreDeterministicAndKeepLabels()
    {
        using var task = SyntheticTask.Create();
        var test = task.DownstreamTest;
        foreach (var kind in DistributionShift.All)
        {
            using var a = DistributionShift.Apply(test, kind, seed: 3, limit: 20);
            using var b = DistributionShift.Apply(test, kind, seed: 3, limit: 20);
            Assert.Equal(20, a.Count);
            Assert.True(a.Images.eq(b.Images).all().item<bool>());
            Assert.True(a.Labels.eq(test.Labels.narrow(0, 0, 20)).all().item<bool>());
            Assert.False(a.Images.eq(test.Images.narrow(0, 0, 20)).all().item<bool>());
            Assert.InRange(a.Images.min().item<float>(), 0f, 1f);
        }
    }
}
