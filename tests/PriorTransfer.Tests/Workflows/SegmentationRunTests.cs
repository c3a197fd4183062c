using PriorTransfer.Data;
using PriorTransfer.Tests.Reliability;
using PriorTransfer.Workflows;

namespace PriorTransfer.Tests.Workflows;

public class SegmentationRunTests
{
    private static SegmentationRunOptions Tiny(Workspace workspace, string? preview = null) => new()
    {
        Checkpoint = workspace.ValidCheckpoint,
        Prior = workspace.ValidPrior,
        Budget = new DownstreamBudget { Steps = 4, SamplerSteps = 4, Cycles = 2, BatchSize = 2, Augment = false },
        ValidationScenes = 4,
        TestScenes = 4,
        PreviewPath = preview,
        PreviewCount = 2,
    };

    [Fact]
    public void LearnedPriorMethodTunesSamplesAndReports()
    {
        using var workspace = new Workspace();
        using var task = SyntheticTask.Create();
        string preview = Path.Combine(workspace.NewFolder(), "predictions.png");
        var grid = new[]
        {
            new DownstreamHyperparameters(0.01, Lambda: 1e8, HeadVariance: 1, Temperature: 1e-3),
            new DownstreamHyperparameters(0.01, Lambda: 1e8, HeadVariance: 0.1, Temperature: 1e-3),
        };
        var points = new List<SegmentationGridPoint>();
        var result = SegmentationRun.Run(task, SegmentationMethods.LearnedSupervised, n: 4, seed: 0,
            Tiny(workspace, preview) with { Grid = grid }, onGridPoint: points.Add);

        Assert.Equal(2, points.Count);
        Assert.Contains(result.Chosen, grid);
        Assert.Equal(2, result.Samples);                      // one BMA sample per cycle
        Assert.InRange(result.MeanSampleIou!.Value, 0, 1);
        Assert.InRange(result.MeanIou, 0, 1);
        Assert.InRange(result.PixelAccuracy, 0, 1);
        Assert.Equal(3, result.ClassIou.Count);               // background + 2 classes
        Assert.True(File.Exists(preview));
    }

    [Fact]
    public void SgdTransferRunsWithoutAPrior()
    {
        using var workspace = new Workspace();
        using var task = SyntheticTask.Create();
        var result = SegmentationRun.Run(task, SegmentationMethods.SgdTransfer, n: 4, seed: 1,
            Tiny(workspace) with { Prior = null, Grid = [new DownstreamHyperparameters(0.01, WeightDecay: 1e-3)] });
        Assert.Equal(1, result.Samples);
        Assert.Null(result.MeanSampleIou);
        Assert.Null(result.Prior);
    }

    [Fact]
    public void AnyPriorFileIsAcceptedAndItsManifestLossReported()
    {
        using var workspace = new Workspace();
        using var task = SyntheticTask.Create();
        var result = SegmentationRun.Run(task, SegmentationMethods.LearnedSsl, 4, 0,
            Tiny(workspace) with { Grid = [new DownstreamHyperparameters(0.01, Lambda: 1e8, HeadVariance: 1, Temperature: 1e-3)] });
        Assert.Equal("supervised", result.PriorLoss);
        Assert.Equal(workspace.ValidPrior, result.Prior);
    }

    [Fact]
    public void LearnedMethodWithoutAPriorIsAClearError()
    {
        using var workspace = new Workspace();
        using var task = SyntheticTask.Create();
        var e = Assert.Throws<ArgumentException>(() => SegmentationRun.Run(task, SegmentationMethods.LearnedSupervised, 4, 0, Tiny(workspace) with { Prior = null }));
        Assert.Contains("--prior", e.Message);
    }
}
