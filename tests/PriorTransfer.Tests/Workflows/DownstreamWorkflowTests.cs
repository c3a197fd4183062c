using PriorTransfer.Data;
using PriorTransfer.Metrics;
using PriorTransfer.Models;
using PriorTransfer.Serialization;
using PriorTransfer.Training;
using PriorTransfer.Workflows;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Workflows;

/// <summary>
/// The whole chain on a small synthetic task: pre-train → SWAG prior → every downstream method. One fixture builds
/// the checkpoint and the prior once for all tests.
/// </summary>
public sealed class DownstreamWorkflowFixture : IDisposable
{
    public DownstreamWorkflowFixture()
    {
        Folder = Directory.CreateTempSubdirectory("pt-workflow-").FullName;
        Task = SyntheticTask.Create();
        Checkpoint = Path.Combine(Folder, "source.ckpt");
        Pretrain = SourcePretraining.Run(Task, new PretrainOptions
        {
            Sgd = new SgdOptions { Epochs = 3, BatchSize = 32, LearningRate = 0.05, Seed = 1 },
        }, Checkpoint);
        PriorPath = Path.Combine(Folder, "source.prior");
        Prior = PriorLearning.Run(Task, Checkpoint, new PriorLearningOptions { Rank = 3, StepsPerSnapshot = 2, BatchSize = 32, Seed = 1 }, PriorPath);
        Setup = new DownstreamSetup(Task, Checkpoint, PriorPath);
    }

    public string Folder { get; }
    public TransferTask Task { get; }
    public string Checkpoint { get; }
    public string PriorPath { get; }
    public PretrainResult Pretrain { get; }
    public PriorLearningResult Prior { get; }
    public DownstreamSetup Setup { get; }

    public void Dispose()
    {
        Setup.Dispose();
        Task.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}

public class DownstreamWorkflowTests(DownstreamWorkflowFixture fixture) : IClassFixture<DownstreamWorkflowFixture>
{
    private static readonly DownstreamBudget Tiny = new() { Steps = 6, SamplerSteps = 12, Cycles = 3, BatchSize = 10, EnsembleSize = 2 };

    [Fact]
    public void PretrainingAndPriorLearningWriteUsableFiles()
    {
        Assert.True(fixture.Pretrain.SourceTest.Accuracy > 0.45, $"source accuracy {fixture.Pretrain.SourceTest.Accuracy}");
        var summary = PriorFile.Inspect(fixture.PriorPath);
        Assert.Equal(3, summary.Rank);
        Assert.Equal(4, summary.Manifest.SnapshotCount);
        Assert.Equal("synthetic", summary.Manifest.Source.Task);
        Assert.True(File.Exists(PriorLearning.SwaCheckpointPath(fixture.PriorPath)));
    }

    public static TheoryData<string> MethodIds() => new(DownstreamMethods.All.Select(m => m.Id));

    [Theory]
    [MemberData(nameof(MethodIds))]
    public void EveryMethodFitsAndPredictsProbabilities(string id)
    {
        var method = DownstreamMethods.Get(id);
        var hyper = TuningGrids.For(method, TuningBudget.Quick)[^1];
        using var train = Subsets.Training(fixture.Task, 20, seed: 0);
        using var fit = DownstreamTrainer.Fit(fixture.Setup, method, hyper, train, seed: 0, Tiny);
        int expectedSize = method.Inference switch
        {
            InferenceKind.DeepEnsemble => Tiny.EnsembleSize,
            _ when method.IsCyclical => Tiny.Cycles,
            _ => 1,
        };
        Assert.Equal(expectedSize, fit.Size);
        using var probabilities = fit.Predict(fixture.Task.DownstreamTest.Images);
        Assert.Equal(new long[] { fixture.Task.DownstreamTest.Count, 2 }, probabilities.shape);
        using var sums = probabilities.sum(1);
        Assert.True(sums.allclose(ones_like(sums), rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void MapUnderAVeryTightPriorStaysAtThePriorMean()
    {
        var method = DownstreamMethods.MapIsotropicMean;
        using var train = Subsets.Training(fixture.Task, 20, seed: 0);
        double Distance(double lambda)
        {
            // Isotropic prior at the learned mean; the variance λ·v̄ sets how far the data may pull the backbone.
            using var fit = DownstreamTrainer.Fit(fixture.Setup, method, new DownstreamHyperparameters(0.01, Lambda: lambda), train, 0,
                Tiny with { Steps = 60 });
            using var probe = fixture.Setup.CreateModel(method, 0);
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var mean = fixture.Setup.LearnedPrior(probe, method).Mean;
            var layout = DownstreamSetup.BackboneLayout(probe);
            var fitted = FitModel(fit);
            return (layout.Flatten(fitted) - mean).norm().item<float>();
        }
        double meanVariance;
        using (var probe = fixture.Setup.CreateModel(method, 0))
            meanVariance = fixture.Setup.LearnedPrior(probe, method).MeanMarginalVariance();
        // Tight: prior variance 1e-3 per weight, whose curvature 1/(var·N) = 50 keeps lr 0.01 stable.
        double tight = Distance(1e-3 / meanVariance);
        double loose = Distance(1e8);
        Assert.True(tight < 0.25 * loose, $"distance from the prior mean: tight prior {tight}, loose prior {loose}");
    }

    [Fact]
    public void SamplerRunsAreReproducibleWithTheSameSeed()
    {
        var method = DownstreamMethods.BayesLearned;
        var hyper = new DownstreamHyperparameters(0.01, Lambda: 1e8, Temperature: 1e-1);
        using var train = Subsets.Training(fixture.Task, 20, seed: 0);
        using var a = DownstreamTrainer.Fit(fixture.Setup, method, hyper, train, 0, Tiny);
        using var b = DownstreamTrainer.Fit(fixture.Setup, method, hyper, train, 0, Tiny);
        using var c = DownstreamTrainer.Fit(fixture.Setup, method, hyper, train, 1, Tiny);
        var images = fixture.Task.DownstreamTest.Images;
        using var pa = a.Predict(images);
        using var pb = b.Predict(images);
        using var pc = c.Predict(images);
        Assert.True(pa.equal(pb).all().item<bool>());
        Assert.False(pa.equal(pc).all().item<bool>());
    }

    [Fact]
    public void DownstreamRunTunesOnValidationAndReportsAllMetrics()
    {
        var method = DownstreamMethods.MapLearned;
        var grid = TuningGrids.For(method, TuningBudget.Quick);
        var result = DownstreamRun.Run(fixture.Setup, method, 20, 0, Tiny, grid);
        Assert.Equal(grid.Count, result.Grid.Count);
        Assert.Contains(result.Grid, p => p.Config == result.Chosen);
        Assert.Equal(result.Grid.Where(p => !p.Diverged).Min(p => p.Validation!.NegativeLogLikelihood), result.Validation.NegativeLogLikelihood);
        Assert.Equal(fixture.Task.DownstreamTest.Count, result.Test.Count);
        Assert.InRange(result.Test.ExpectedCalibrationError, 0, 1);
        Assert.InRange(result.Test.BrierScore, 0, 2);
        Assert.Equal(15, result.TestReliability.Count);

        using var json = System.Text.Json.JsonDocument.Parse(result.ToJson());
        var root = json.RootElement;
        Assert.Equal("map-learned", root.GetProperty("method").GetString());
        Assert.Equal(result.Test.Accuracy, root.GetProperty("test").GetProperty("accuracy").GetDouble());
        Assert.Equal(result.Chosen.Lambda, root.GetProperty("chosen").GetProperty("lambda").GetDouble());
        Assert.Equal(grid.Count, root.GetProperty("grid").GetArrayLength());
        Assert.True(root.GetProperty("elapsedSeconds").GetDouble() > 0);
    }

    [Fact]
    public void OnePassEvaluationEqualsTheAveragedPredictionAndTheMembersOnTheirOwn()
    {
        var method = DownstreamMethods.BayesLearned;
        using var train = Subsets.Training(fixture.Task, 20, seed: 0);
        using var fit = DownstreamTrainer.Fit(fixture.Setup, method, TuningGrids.For(method, TuningBudget.Quick)[^1], train, seed: 0, Tiny);
        var test = fixture.Task.DownstreamTest;
        var (metrics, memberAccuracy) = fit.Evaluate(test);
        var expected = Evaluator.Evaluate(images => fit.Predict(images), test).Summary();
        Assert.Equal(expected.Accuracy, metrics.Accuracy, 6);
        Assert.Equal(expected.NegativeLogLikelihood, metrics.NegativeLogLikelihood, 5);
        using var each = fit.PredictEach(test.Images);
        double manual = Enumerable.Range(0, fit.Size).Average(s => Evaluator.Evaluate(_ => each[s].clone(), test).Accuracy);
        Assert.Equal(manual, memberAccuracy!.Value, 5);
    }

    private static Classifier FitModel(DownstreamFit fit) => fit.Model;
}
