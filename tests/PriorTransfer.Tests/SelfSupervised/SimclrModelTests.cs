using PriorTransfer.Models;
using PriorTransfer.SelfSupervised;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.SelfSupervised;

public class SimclrModelTests : IDisposable
{
    private static readonly ModelSpec Spec = new("resnet8", 1, 5);
    private readonly string folder = Directory.CreateTempSubdirectory("pt-simclr-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void BackboneNamesAreTheClassifiersAndTheHeadIsUnderProjection()
    {
        using var model = SimclrModel.Create(Spec, null, seed: 1);
        using var classifier = ModelFactory.Create(Spec, seed: 1);
        static string[] Backbone(IEnumerable<string> names) => names.Where(n => n.StartsWith(Classifier.BackbonePrefix, StringComparison.Ordinal)).ToArray();
        var parameterNames = model.named_parameters().Select(p => p.name).ToArray();
        var bufferNames = model.named_buffers().Select(b => b.name).ToArray();

        Assert.Equal(Backbone(classifier.named_parameters().Select(p => p.name)), Backbone(parameterNames));
        Assert.Equal(Backbone(classifier.named_buffers().Select(b => b.name)), Backbone(bufferNames));
        var projection = parameterNames.Where(n => !n.StartsWith(SimclrModel.BackbonePrefix, StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(projection);
        Assert.All(projection, n => Assert.StartsWith(SimclrModel.ProjectionPrefix, n));
        Assert.DoesNotContain(parameterNames, n => n.StartsWith(Classifier.HeadPrefix, StringComparison.Ordinal));
    }

    [Fact]
    public void BackboneStartsAsTheFactorysAndIsSharedWithTheClassifier()
    {
        using var model = SimclrModel.Create(Spec, null, seed: 3);
        using var classifier = ModelFactory.Create(Spec, seed: 3);
        var expected = classifier.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in model.named_parameters().Where(p => p.name.StartsWith(SimclrModel.BackbonePrefix, StringComparison.Ordinal)))
            Assert.True(p.equal(expected[name]).all().item<bool>(), name);
        Assert.Same(model.Backbone, model.Classifier.Backbone);
    }

    [Fact]
    public void ForwardGivesProjectionsAndFeaturesGivesBackboneFeatures()
    {
        using var scope = NewDisposeScope();
        using var model = SimclrModel.Create(Spec, new ProjectionHeadOptions { HiddenDimension = 32, OutputDimension = 16 }, seed: 1);
        var x = rand(4, 1, 28, 28, generator: new Generator(1));
        model.train();
        Assert.Equal(new long[] { 4, 16 }, model.forward(x).shape);
        Assert.Equal(new long[] { 4, 64 }, model.Features(x).shape);
        Assert.Equal(64, model.FeatureDimension);
    }

    [Fact]
    public void StateRoundTripsAndTheClassifierCheckpointCarriesTheBackbone()
    {
        using var scope = NewDisposeScope();
        using var model = SimclrModel.Create(Spec, new ProjectionHeadOptions { OutputDimension = 32, BatchNorm = false }, seed: 2);
        // Move BatchNorm statistics and weights away from their initial values.
        model.train();
        using (no_grad()) model.forward(rand(8, 1, 28, 28, generator: new Generator(1)));
        model.eval();
        string state = Path.Combine(folder, "m.simclr"), checkpoint = Path.Combine(folder, "m.ckpt");
        SimclrCheckpoint.Save(model, state, new Dictionary<string, string> { ["loss"] = "simclr" });
        Checkpoint.Save(model.Classifier, checkpoint, new Dictionary<string, string> { ["loss"] = "simclr" });
        var x = rand(4, 1, 28, 28, generator: new Generator(2));

        using var loaded = SimclrCheckpoint.Load(state);
        Assert.Equal(model.Projection.Options, loaded.Projection.Options);
        Assert.Equal("simclr", SimclrCheckpoint.ReadHeader(state).Metadata["loss"]);
        using (no_grad()) Assert.True(model.forward(x).equal(loaded.forward(x)).all().item<bool>());

        using var downstream = ModelFactory.Create(new ModelSpec("resnet8", 1, 10), seed: 9);
        Checkpoint.LoadBackbone(downstream, checkpoint);
        downstream.eval();
        using (no_grad()) Assert.True(model.Features(x).equal(downstream.Features(x)).all().item<bool>());
    }

    [Fact]
    public void TheTwoFileKindsAreNotConfused()
    {
        using var model = SimclrModel.Create(Spec, null, seed: 1);
        string state = Path.Combine(folder, "m.simclr"), checkpoint = Path.Combine(folder, "m.ckpt");
        SimclrCheckpoint.Save(model, state);
        Checkpoint.Save(model.Classifier, checkpoint);
        Assert.Throws<CheckpointException>(() => SimclrCheckpoint.Load(checkpoint));
        Assert.Throws<CheckpointException>(() => Checkpoint.Load(state));
    }

    [Fact]
    public void RejectsAProjectionOfTheWrongWidth()
    {
        var classifier = ModelFactory.Create(Spec, seed: 1);
        using var head = new ProjectionHead(32);
        Assert.Throws<ArgumentException>(() => new SimclrModel(classifier, head));
        classifier.Dispose();
    }
}
