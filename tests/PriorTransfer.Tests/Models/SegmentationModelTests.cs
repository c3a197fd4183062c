using PriorTransfer.Models;
using PriorTransfer.Parameters;
using PriorTransfer.Serialization;
using PriorTransfer.Tests.Data;
using PriorTransfer.Tests.Reliability;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Models;

public class SegmentationModelTests
{
    [Theory]
    [InlineData("resnet8", 64)]
    [InlineData("resnet20", 32)]
    public void LogitsHaveTheInputsSize(string architecture, int size)
    {
        using var model = SegmentationModel.Create(new ModelSpec(architecture, 1, 6), seed: 0);
        using var scope = NewDisposeScope();
        var logits = model.forward(rand(2, 1, size, size, generator: new Generator(1)));
        Assert.Equal([2, 6, size, size], logits.shape);
    }

    [Fact]
    public void BackboneHasTheClassifiersParameterNamesAndShapes()
    {
        using var classifier = ModelFactory.Create(new ModelSpec("resnet8", 1, 5), seed: 0);
        using var segmentation = SegmentationModel.Create(new ModelSpec("resnet8", 1, 6), seed: 0);
        var backbone = ParameterLayout.WithPrefixes(classifier, Classifier.BackbonePrefix);
        backbone.Validate(segmentation);   // throws LayoutMismatchException naming the parameter otherwise
        Assert.True(backbone.IsSameAs(ParameterLayout.WithPrefixes(segmentation, Classifier.BackbonePrefix)));
        Assert.All(ParameterLayout.Excluding(segmentation, Classifier.BackbonePrefix).Names,
            name => Assert.True(name.StartsWith("aspp.", StringComparison.Ordinal) || name.StartsWith("decoder.", StringComparison.Ordinal), name));
    }

    [Fact]
    public void ClassificationPriorAndCheckpointApplyWithoutNameMapping()
    {
        using var workspace = new Workspace();
        using var segmentation = SegmentationModel.Create(new ModelSpec("resnet8", 1, 6), seed: 9);
        using (var contents = PriorFile.Load(workspace.ValidPrior, segmentation))
            Assert.Equal(ParameterLayout.WithPrefixes(segmentation, Classifier.BackbonePrefix).Dimension, contents.Gaussian.Layout.Dimension);

        Checkpoint.LoadBackbone(segmentation, workspace.ValidCheckpoint);
        using var classifier = Checkpoint.Load(workspace.ValidCheckpoint);
        var loaded = segmentation.state_dict();
        foreach (var (name, tensor) in classifier.state_dict().Where(e => e.Key.StartsWith(Classifier.BackbonePrefix, StringComparison.Ordinal)))
            Assert.True(tensor.eq(loaded[name]).all().item<bool>(), name);   // parameters and BatchNorm statistics
    }

    [Fact]
    public void StageOutputsLeaveClassificationFeaturesUnchanged()
    {
        using var backbone = new CifarResNet(1, 1);
        ModelFactory.Initialize(backbone, seed: 2);
        backbone.eval();
        using var scope = NewDisposeScope();
        var images = rand(3, 1, 28, 28, generator: new Generator(4));
        var stages = backbone.StageOutputs(images);
        Assert.Equal([3, 16, 28, 28], stages[0].shape);
        Assert.Equal([3, 32, 14, 14], stages[1].shape);
        Assert.Equal([3, 64, 7, 7], stages[2].shape);
        Assert.True(backbone.forward(images).allclose(stages[2].mean([2, 3]), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void RejectsBackbonesWithoutStages()
    {
        var e = Assert.Throws<ArgumentException>(() => SegmentationModel.Create(new ModelSpec("resnet18", 3, 6), 0));
        Assert.Contains("resnet8 and resnet20", e.Message);
    }
}
