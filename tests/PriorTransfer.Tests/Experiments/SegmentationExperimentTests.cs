using PriorTransfer.Experiments;
using PriorTransfer.Tests.Data;
using PriorTransfer.Tests.Workflows;
using PriorTransfer.Workflows;

namespace PriorTransfer.Tests.Experiments;

public class SegmentationExperimentTests
{
    [Fact]
    public void QuickProfilePlansTheFourColumnsOfTable1AtOneSize()
    {
        using var task = SyntheticTask.Create();
        using var folder = new TempFolder();
        using var context = new ExperimentContext(task, ExperimentProfile.Quick, folder.Path);
        var plan = new SegmentationExperiment().Plan(context);
        Assert.Equal(SegmentationMethods.All.Select(m => m.Id), plan.Select(r => r.Method));
        Assert.All(plan, r => Assert.Equal((50, 0, "segmentation"), (r.N, r.Seed, r.Experiment)));
        Assert.Equal(plan.Count, plan.Select(r => r.Key).Distinct().Count());
        Assert.All(plan, r => Assert.True(r.EstimatedSeconds > 0));
    }

    [Fact]
    public void FullProfilePlansEveryBenchmarkSizeAndSeed()
    {
        using var task = SyntheticTask.Create();
        using var folder = new TempFolder();
        using var context = new ExperimentContext(task, ExperimentProfile.Full, folder.Path);
        var plan = new SegmentationExperiment().Plan(context);
        Assert.Equal(ExperimentProfile.Full.Seeds.Count * 4 * 4, plan.Count);
        Assert.Equal([10, 50, 200, 1000], plan.Select(r => r.N).Distinct().Order());
    }
}
