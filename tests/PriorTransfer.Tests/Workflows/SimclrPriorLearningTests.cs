using PriorTransfer.Data;
using PriorTransfer.Models;
using PriorTransfer.Parameters;
using PriorTransfer.SelfSupervised;
using PriorTransfer.Serialization;
using PriorTransfer.Workflows;
using static TorchSharp.torch;
using ModelCheckpoint = PriorTransfer.Models.Checkpoint;

namespace PriorTransfer.Tests.Workflows;

/// <summary>A tiny SimCLR pre-training and an SSL prior on the synthetic task, made once for the class.</summary>
public sealed class SimclrPriorFixture : IDisposable
{
    public SimclrPriorFixture()
    {
        Folder = Directory.CreateTempSubdirectory("pt-ssl-prior-").FullName;
        Task = SyntheticTask.Create();
        Checkpoint = Path.Combine(Folder, "simclr.ckpt");
        Pretrain = SimclrPretraining.Run(Task, new SimclrPretrainOptions
        {
            Simclr = new SimclrOptions { Steps = 2, BatchSize = 16, Seed = 1 },
            Projection = new ProjectionHeadOptions { HiddenDimension = 32, OutputDimension = 16 },
            Probe = new LinearProbeOptions { Iterations = 20 },
            ProbeBaselines = false,
        }, Checkpoint);
        PriorPath = Path.Combine(Folder, "simclr.prior");
        Prior = PriorLearning.Run(Task, Checkpoint, Options, PriorPath);
    }

    public static PriorLearningOptions Options { get; } = new()
    {
        Loss = PriorLoss.SimClr, Rank = 3, StepsPerSnapshot = 2, BatchSize = 16, Seed = 1,
        Probe = new LinearProbeOptions { Iterations = 20 },
    };

    public string Folder { get; }
    public TransferTask Task { get; }
    public string Checkpoint { get; }
    public string PriorPath { get; }
    public SimclrPretrainResult Pretrain { get; }
    public PriorLearningResult Prior { get; }

    public void Dispose()
    {
        Task.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}

public class SimclrPriorLearningTests(SimclrPriorFixture fixture) : IClassFixture<SimclrPriorFixture>
{
    [Fact]
    public void ThePriorCoversTheBackboneOnlyAndRecordsTheSimclrLoss()
    {
        var manifest = PriorFile.ReadManifest(fixture.PriorPath);
        Assert.Equal(PriorLoss.SimClr, manifest.Source.Loss);
        Assert.Equal("simclr", manifest.Metadata["loss"]);
        Assert.Equal(3, manifest.Rank);
        Assert.All(manifest.Layout.Names, name => Assert.StartsWith(Classifier.BackbonePrefix, name));

        // Every backbone parameter of the SimCLR network is in the prior, and no projection-head parameter.
        using var state = SimclrCheckpoint.Load(fixture.Pretrain.StatePath);
        var names = state.named_parameters().Select(p => p.name).ToList();
        Assert.Contains(names, n => n.StartsWith(SimclrModel.ProjectionPrefix, StringComparison.Ordinal));
        Assert.Equal(names.Where(n => n.StartsWith(Classifier.BackbonePrefix, StringComparison.Ordinal)), manifest.Layout.Names);
        Assert.DoesNotContain(manifest.Layout.Names, n => n.StartsWith(SimclrModel.ProjectionPrefix, StringComparison.Ordinal));

        // The same layout, by name and shape, as a downstream classifier's backbone.
        using var downstream = ModelFactory.Create(new ModelSpec("resnet8", 1, 2), seed: 0);
        manifest.Layout.Validate(DownstreamSetup.BackboneLayout(downstream));
    }

    [Fact]
    public void TheSwaMeanIsSavedAsAClassifierCheckpointAndAsSimclrState()
    {
        string swa = PriorLearning.SwaCheckpointPath(fixture.PriorPath);
        var header = ModelCheckpoint.ReadHeader(swa);
        Assert.Equal("simclr", header.Metadata["loss"]);
        Assert.Equal("swa-mean", header.Metadata["stage"]);
        Assert.InRange(fixture.Prior.SwaSourceTest.Accuracy, 0, 1);

        // The checkpoint's backbone is the prior's mean, and the SimCLR state beside it holds the same backbone.
        using var classifier = ModelCheckpoint.Load(swa);
        using var state = SimclrCheckpoint.Load(SimclrPretraining.StatePathFor(swa));
        using var contents = PriorFile.Load(fixture.PriorPath, classifier);
        using var prior = contents.ToPrior();
        var layout = DownstreamSetup.BackboneLayout(classifier);
        using var scope = NewDisposeScope();
        Assert.True(layout.Flatten(classifier).allclose(prior.Mean, rtol: 0, atol: 1e-6));
        Assert.True(layout.Flatten(classifier).equal(ParameterLayout.WithPrefixes(state, Classifier.BackbonePrefix).Flatten(state)).all().item<bool>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DownstreamMethodsAcceptThePriorUnchanged(bool fromSwaCheckpoint)
    {
        // --checkpoint may be the SimCLR pre-training checkpoint or the SWA-mean one: both are classifier checkpoints.
        string checkpoint = fromSwaCheckpoint ? PriorLearning.SwaCheckpointPath(fixture.PriorPath) : fixture.Checkpoint;
        using var setup = new DownstreamSetup(fixture.Task, checkpoint, fixture.PriorPath);
        var method = DownstreamMethods.MapLearned;
        using var train = Subsets.Training(fixture.Task, 20, seed: 0);
        using var fit = DownstreamTrainer.Fit(setup, method, new DownstreamHyperparameters(0.01, Lambda: 1e6), train, seed: 0,
            new DownstreamBudget { Steps = 4, BatchSize = 10 });
        using var probabilities = fit.Predict(fixture.Task.DownstreamTest.Images);
        Assert.Equal(new long[] { fixture.Task.DownstreamTest.Count, 2 }, probabilities.shape);
        using var sums = probabilities.sum(1);
        Assert.True(sums.allclose(ones_like(sums), rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void TheSimclrStateIsFoundBesideItsCheckpointOrGivenDirectly()
    {
        Assert.Equal(fixture.Pretrain.StatePath, PriorLearning.SimclrStatePath(fixture.Checkpoint));
        Assert.Equal(fixture.Pretrain.StatePath, PriorLearning.SimclrStatePath(fixture.Pretrain.StatePath));
    }

    [Fact]
    public void TheSimclrLossRefusesASupervisedCheckpoint()
    {
        string path = Path.Combine(fixture.Folder, "supervised.ckpt");
        using (var model = ModelFactory.Create(new ModelSpec("resnet8", 1, 4), seed: 0))
            ModelCheckpoint.Save(model, path, new Dictionary<string, string> { ["loss"] = "supervised" });
        var e = Assert.Throws<ArgumentException>(() =>
            PriorLearning.Run(fixture.Task, path, SimclrPriorFixture.Options, Path.Combine(fixture.Folder, "refused.prior")));
        Assert.Contains("pretrain --loss simclr", e.Message);
        Assert.False(File.Exists(Path.Combine(fixture.Folder, "refused.prior")));
    }

    [Fact]
    public void TheSupervisedLossRefusesASimclrStateFile()
    {
        var e = Assert.Throws<ArgumentException>(() => PriorLearning.Run(fixture.Task, fixture.Pretrain.StatePath,
            SimclrPriorFixture.Options with { Loss = PriorLoss.Supervised }, Path.Combine(fixture.Folder, "refused2.prior")));
        Assert.Contains("--loss simclr", e.Message);
    }
}
