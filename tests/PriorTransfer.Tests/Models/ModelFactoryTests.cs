using PriorTransfer.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Models;

public class ModelFactoryTests
{
    [Theory]
    [InlineData("resnet8", 1, 5)]
    [InlineData("resnet20", 1, 10)]
    public void CifarResNetMapsImagesToLogits(string arch, int channels, int classes)
    {
        using var model = ModelFactory.Create(new ModelSpec(arch, channels, classes), seed: 1);
        model.eval();
        using var x = rand(4, channels, 28, 28);
        using var logits = model.forward(x);
        Assert.Equal(new long[] { 4, classes }, logits.shape);
        using var features = model.Features(x);
        Assert.Equal(new long[] { 4, 64 }, features.shape);
    }

    [Fact]
    public void Resnet18TakesThreeChannelImages()
    {
        using var model = ModelFactory.Create(new ModelSpec("resnet18", 3, 7), seed: 1);
        model.eval();
        using var x = rand(2, 3, 32, 32);
        using var logits = model.forward(x);
        Assert.Equal(new long[] { 2, 7 }, logits.shape);
        Assert.Contains(model.named_parameters(), p => p.name == "backbone.layer4.1.conv2.weight");
        Assert.Throws<ArgumentException>(() => ModelFactory.Create(new ModelSpec("resnet18", 1, 7), seed: 1));
    }

    [Fact]
    public void ParametersSplitIntoBackboneAndHeadByName()
    {
        using var model = ModelFactory.Create(new ModelSpec("resnet8", 1, 5), seed: 1);
        var names = model.named_parameters().Select(p => p.name).ToList();
        Assert.All(names, n => Assert.True(n.StartsWith(Classifier.BackbonePrefix) || n.StartsWith(Classifier.HeadPrefix), n));
        Assert.Equal(new[] { "head.weight", "head.bias" }, names.Where(n => n.StartsWith(Classifier.HeadPrefix)));
        long backbone = model.named_parameters().Where(p => p.name.StartsWith(Classifier.BackbonePrefix)).Sum(p => p.parameter.numel());
        // resnet8: stem 144 + BN 32; stage 1 (2 convs 16→16 + 2 BN); stage 2 (16→32, 32→32, 1×1 shortcut, 3 BN); stage 3 likewise.
        long expected = 144 + 32 + (2 * 2304 + 2 * 32) + (4608 + 9216 + 512 + 3 * 64) + (18432 + 36864 + 2048 + 3 * 128);
        Assert.Equal(expected, backbone);
    }

    [Fact]
    public void SameSeedSameWeightsDifferentSeedDifferentWeights()
    {
        using var a = ModelFactory.Create(new ModelSpec("resnet8", 1, 5), seed: 3);
        using var b = ModelFactory.Create(new ModelSpec("resnet8", 1, 5), seed: 3);
        using var c = ModelFactory.Create(new ModelSpec("resnet8", 1, 5), seed: 4);
        var pa = a.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in b.named_parameters())
            Assert.True(p.equal(pa[name]).all().item<bool>(), name);
        Assert.False(c.get_parameter("backbone.conv1.weight")!.equal(pa["backbone.conv1.weight"]).all().item<bool>());
    }

    [Fact]
    public void UnknownArchitectureNamesTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelFactory.Create(new ModelSpec("vgg", 1, 5), seed: 1));
        Assert.Contains("resnet8", e.Message);
    }
}
