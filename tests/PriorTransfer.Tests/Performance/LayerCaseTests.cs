using PriorTransfer.Models;
using PriorTransfer.Performance;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Performance;

/// <summary>The layer cases of the <c>layers</c> figures: their names (the PyTorch reference's requests) and their match with resnet8.</summary>
public class LayerCaseTests
{
    [Fact]
    public void EveryResNet8CaseRoundTripsThroughItsName()
    {
        Assert.Equal(LayerCase.ResNet8.Count, LayerCase.ResNet8.Select(c => c.Name).Distinct().Count());
        foreach (var layer in LayerCase.ResNet8)
        {
            var parsed = LayerCase.Parse(layer.Name);
            Assert.Equal(layer with { CountInResNet8 = 1 }, parsed);
        }
    }

    [Fact]
    public void NamesFollowTheGrammar()
    {
        var stem = LayerCase.ResNet8[0];
        Assert.Equal("conv3x3-1-16-s1-28-nchw-nograd", stem.Name);
        Assert.False(stem.InputGradient);
        Assert.Equal("3×3 convolution 1→16, on 28×28 NCHW input without gradient", stem.Description);

        var projection = LayerCase.Parse("conv1x1-16-32-s2-28-cl");
        Assert.Equal((LayerKind.Convolution, 16, 32, 1, 2, 28, true, true), (projection.Kind, projection.InChannels, projection.OutChannels, projection.Kernel, projection.Stride, projection.Size, projection.ChannelsLast, projection.InputGradient));
        Assert.Equal(14, projection.OutputSize);
        Assert.Equal(14, LayerCase.Parse("conv3x3-16-32-s2-28-cl").OutputSize);
        Assert.Equal(7, LayerCase.Parse("conv3x3-64-64-s1-7-cl").OutputSize);

        var bn = LayerCase.Parse("bnrelu-32-14-cl");
        Assert.Equal((LayerKind.BatchNormRelu, 32, 32, 14), (bn.Kind, bn.InChannels, bn.OutChannels, bn.Size));
        Assert.Equal("BatchNorm + ReLU, 32 channels, on 14×14 channels-last input", bn.Description);
    }

    [Theory]
    [InlineData("")]
    [InlineData("conv3x3-16-32-s2-28")]          // no layout
    [InlineData("conv3x5-16-32-s2-28-cl")]       // not square
    [InlineData("conv3x3-16-32-2-28-cl")]        // stride without s
    [InlineData("bnrelu-16-28-nhwc")]
    [InlineData("layer bnrelu-16-28-cl")]
    [InlineData("CONV3x3-16-32-s2-28-cl")]
    [InlineData("conv3x3-16-32-s2-28-cl-nograd-")]
    public void MalformedNamesAreRejectedWithTheGrammar(string name)
    {
        var e = Assert.Throws<FormatException>(() => LayerCase.Parse(name));
        Assert.Contains("conv<k>x<k>", e.Message);
    }

    [Theory]
    [InlineData("conv2x2-16-32-s2-28-cl")]
    [InlineData("conv3x3-0-32-s1-28-cl")]
    [InlineData("conv3x3-16-32-s0-28-cl")]
    public void ImpossibleShapesAreRejected(string name) => Assert.ThrowsAny<ArgumentException>(() => LayerCase.Parse(name));

    /// <summary>The cases' convolutions, with their counts, are exactly resnet8's (channels and kernel, from the weights); the BatchNorms likewise.</summary>
    [Fact]
    public void TheCasesAreResNet8sLayers()
    {
        using var model = ModelFactory.Create(new ModelSpec("resnet8", 1, 10), 0);
        var weights = model.named_parameters().Where(p => p.name.StartsWith("backbone", StringComparison.Ordinal)).ToList();
        var modelConvs = weights.Where(p => p.parameter.dim() == 4)
            .Select(p => (In: p.parameter.shape[1], Out: p.parameter.shape[0], Kernel: p.parameter.shape[2]))
            .GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        var caseConvs = LayerCase.ResNet8.Where(c => c.Kind == LayerKind.Convolution)
            .GroupBy(c => ((long)c.InChannels, (long)c.OutChannels, (long)c.Kernel)).ToDictionary(g => g.Key, g => g.Sum(c => c.CountInResNet8));
        Assert.Equal(modelConvs.OrderBy(kv => kv.Key), caseConvs.OrderBy(kv => kv.Key));

        // BatchNorm weights are the 1-D backbone parameters named *.weight (biases come in pairs with them).
        var modelNorms = weights.Where(p => p.parameter.dim() == 1 && p.name.EndsWith(".weight", StringComparison.Ordinal))
            .GroupBy(p => p.parameter.shape[0]).ToDictionary(g => g.Key, g => g.Count());
        var caseNorms = LayerCase.ResNet8.Where(c => c.Kind == LayerKind.BatchNormRelu)
            .GroupBy(c => (long)c.InChannels).ToDictionary(g => g.Key, g => g.Sum(c => c.CountInResNet8));
        Assert.Equal(modelNorms.OrderBy(kv => kv.Key), caseNorms.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void RequestsFollowTheServeProtocol()
    {
        Assert.Equal("resnet8 20", PyTorchReference.StepsRequest("resnet8", 20));
        Assert.Equal("resnet20 6 cl", PyTorchReference.StepsRequest("resnet20", 6, channelsLast: true));
        Assert.Equal("layer conv3x3-16-32-s2-28-cl 10", PyTorchReference.LayerRequest(LayerCase.Parse("conv3x3-16-32-s2-28-cl"), 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => PyTorchReference.LayerRequest(LayerCase.ResNet8[0], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PyTorchReference.StepsRequest("resnet8", 0));
    }

    [Fact]
    public void TheScriptParsesTheSameGrammar()
    {
        var text = PyTorchReference.ScriptText();
        Assert.Contains("class LayerWorkload", text);
        Assert.Contains("words[0] == \"layer\"", text);
    }

    /// <summary>A layer workload computes every gradient its case asks for and leaks no tensor per pass.</summary>
    [Fact]
    public void LayerWorkloadRunsWithoutLeakingTensors()
    {
        foreach (var layer in new[] { LayerCase.ResNet8[0], LayerCase.Parse("conv1x1-16-32-s2-28-cl"), LayerCase.Parse("bnrelu-16-28-cl") })
        {
            using var work = new LayerWorkload(layer with { Size = 8 }, batchSize: 2, seed: 0);
            work.Run(1);
            var baseline = Dense.LiveTensorsAfterCollection();
            work.Run(3);
            Assert.Equal(baseline, Tensor.TotalCount);
        }
    }
}
