using PriorTransfer.Parameters;
using PriorTransfer.Priors;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Priors;

public class CompositePriorTests
{
    private const ScalarType F64 = ScalarType.Float64;

    private static LowRankGaussian BackbonePrior(long p, int seed)
    {
        using var scope = NewDisposeScope();
        var g = new Generator((ulong)seed);
        return new LowRankGaussian(randn(p, dtype: F64, generator: g) * 0.1, rand(p, dtype: F64, generator: g) + 0.1, randn(p, 3, dtype: F64, generator: g) * 0.2, F64);
    }

    [Fact]
    public void LogProbIsTheSumOfBlocksOverAVectorAndOverAModule()
    {
        using var net = new TinyNet(dtype: F64);
        var backbone = ParameterLayout.WithPrefixes(net, "backbone");
        var head = ParameterLayout.WithPrefixes(net, "head");
        using var learned = BackbonePrior(backbone.Dimension, 1);
        using var composite = CompositePrior.WithIsotropicRemainder(net, backbone, learned.Rescale(10), 2.0);
        Assert.Equal(2, composite.Parts.Count);
        Assert.Equal(head.Names, composite.Parts[1].Layout.Names);

        using var scope = NewDisposeScope();
        var theta = composite.Layout.Flatten(net).detach();
        var expected = learned.Rescale(10).LogProb(backbone.Flatten(net)).item<double>()
                       + new IsotropicGaussian(head.Dimension, 2.0, dtype: F64).LogProb(head.Flatten(net)).item<double>();
        Assert.Equal(expected, composite.LogProb(theta).item<double>(), 1e-10);
        Assert.Equal(expected, composite.LogProb(net).item<double>(), 1e-10);
    }

    [Fact]
    public void GradientMatchesAutogradAndAccumulatesIntoParameterGradients()
    {
        using var net = new TinyNet(dtype: F64);
        var backbone = ParameterLayout.WithPrefixes(net, "backbone");
        using var composite = CompositePrior.WithIsotropicRemainder(net, backbone, BackbonePrior(backbone.Dimension, 2), 0.5);
        using var scope = NewDisposeScope();
        var theta = composite.Layout.Flatten(net).detach().requires_grad_(true);
        composite.LogProb(theta).backward();
        var closed = composite.Gradient(theta.detach());
        Assert.True(Dense.MaxAbs(closed, theta.grad!) < 1e-10);

        // Autograd of −log p/N through the module equals the closed-form accumulation.
        const double n = 250;
        net.zero_grad();
        composite.LogProb(net).mul(-1 / n).backward();
        var autograd = composite.Layout.Flatten(net).detach().zero_();
        foreach (var e in composite.Layout.Entries)
            autograd.narrow(0, e.Offset, e.Count).copy_(net.get_parameter(e.Name)!.grad!.reshape(-1));
        net.zero_grad();
        composite.AccumulateGradient(net, -1 / n);
        foreach (var e in composite.Layout.Entries)
        {
            var g = net.get_parameter(e.Name)!.grad!.reshape(-1);
            Assert.True(Dense.MaxAbs(g, autograd.narrow(0, e.Offset, e.Count)) < 1e-12, e.Name);
        }
    }

    [Fact]
    public void NonContiguousBlocksAreGatheredByName()
    {
        using var net = new TinyNet(dtype: F64);
        var full = ParameterLayout.All(net);
        // Weights in one block, biases in another: both blocks interleave in the full vector.
        var weights = ParameterLayout.FromEntries(full.Entries.Where(e => e.Name.EndsWith(".weight")).Select(e => (e.Name, e.Shape.ToArray())));
        var biases = ParameterLayout.FromEntries(full.Entries.Where(e => e.Name.EndsWith(".bias")).Select(e => (e.Name, e.Shape.ToArray())));
        using var scope = NewDisposeScope();
        var wMean = randn(weights.Dimension, dtype: F64);
        var bMean = randn(biases.Dimension, dtype: F64);
        using var composite = new CompositePrior(full, [
            (weights, new IsotropicGaussian(weights.Dimension, 0.1, wMean, F64)),
            (biases, new IsotropicGaussian(biases.Dimension, 3.0, bMean, F64))]);
        var theta = full.Flatten(net).detach();
        var expected = new IsotropicGaussian(weights.Dimension, 0.1, wMean, F64).LogProb(weights.Flatten(net)).item<double>()
                       + new IsotropicGaussian(biases.Dimension, 3.0, bMean, F64).LogProb(biases.Flatten(net)).item<double>();
        Assert.Equal(expected, composite.LogProb(theta).item<double>(), 1e-10);
        var leaf = theta.clone().requires_grad_(true);
        composite.LogProb(leaf).backward();
        Assert.True(Dense.MaxAbs(composite.Gradient(theta), leaf.grad!) < 1e-12);

        // Samples land by name: the bias block carries the bias mean.
        var draws = composite.Sample(20_000, new Generator(9));
        var drawMean = draws.mean([0]);
        foreach (var e in biases.Entries)
        {
            var placed = drawMean.narrow(0, full[e.Name].Offset, e.Count);
            var want = bMean.narrow(0, e.Offset, e.Count);
            Assert.True(Dense.MaxAbs(placed, want) < 5 * Math.Sqrt(3.0 / 20_000));
        }

        using var doubled = composite.Rescale(2);
        var scaled = doubled.Gradient(theta);
        Assert.True(Dense.MaxAbs(scaled, composite.Gradient(theta) / 2) < 1e-12);
    }

    [Fact]
    public void PartsMustCoverTheLayoutOnceWithMatchingShapes()
    {
        using var net = new TinyNet(dtype: F64);
        var full = ParameterLayout.All(net);
        var backbone = ParameterLayout.WithPrefixes(net, "backbone");
        using var a = new IsotropicGaussian(backbone.Dimension, 1, dtype: F64);
        var uncovered = Assert.Throws<LayoutMismatchException>(() => new CompositePrior(full, [(backbone, a)]));
        Assert.Equal("head.weight", uncovered.ParameterName);
        using var b = new IsotropicGaussian(full.Dimension, 1, dtype: F64);
        Assert.Throws<ArgumentException>(() => new CompositePrior(full, [(backbone, a), (full, b)]));
        using var wrongDim = new IsotropicGaussian(backbone.Dimension + 1, 1, dtype: F64);
        Assert.Throws<ArgumentException>(() => new CompositePrior(backbone, [(backbone, wrongDim)]));
    }
}
