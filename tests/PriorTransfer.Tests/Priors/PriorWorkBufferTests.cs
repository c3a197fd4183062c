using PriorTransfer.Models;
using PriorTransfer.Parameters;
using PriorTransfer.Priors;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Priors;

/// <summary>The allocation-free paths (work vectors, flat gradient buffers) compute exactly what the plain paths do.</summary>
public class PriorWorkBufferTests
{
    private static LowRankGaussian Prior(long p, int k, int seed, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var g = new Generator((ulong)seed);
        return new LowRankGaussian(randn(p, dtype: dtype, generator: g) * 0.1, rand(p, dtype: dtype, generator: g) + 0.1,
            randn(p, k, dtype: dtype, generator: g) * 0.2, dtype);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void AddGradientEqualsGradientBitForBitAcrossCalls(ScalarType dtype)
    {
        using var prior = Prior(500, 4, 1, dtype);
        using var scope = NewDisposeScope();
        var g = new Generator(2);
        for (int call = 0; call < 3; call++)
        {
            var theta = randn(500, dtype: dtype, generator: g);
            var start = randn(500, dtype: dtype, generator: g);
            var expected = start.add(prior.Gradient(theta), -0.01);
            var target = start.clone();
            prior.AddGradient(theta, target, -0.01);
            Assert.True(target.equal(expected).all().item<bool>(), $"call {call}");
        }
    }

    [Fact]
    public void LogProbWithoutAutogradEqualsLogProbWithIt()
    {
        using var prior = Prior(300, 3, 3, ScalarType.Float64);
        using var scope = NewDisposeScope();
        var g = new Generator(4);
        for (int call = 0; call < 2; call++)
        {
            var theta = randn(300, dtype: ScalarType.Float64, generator: g);
            var plain = prior.LogProb(theta).item<double>();
            var tracked = prior.LogProb(theta.clone().requires_grad_(true));
            Assert.True(tracked.requires_grad);
            Assert.Equal(tracked.item<double>(), plain);
        }
    }

    [Fact]
    public void AccumulateGradientOnAFlatModelEqualsTheCopyingPath()
    {
        using var flat = ModelFactory.Create(new ModelSpec("resnet8", 1, 5), seed: 1);
        using var plain = ModelFactory.Create(new ModelSpec("resnet8", 1, 5), seed: 1);
        // Give every parameter of the second model a storage of its own: the copying path.
        using (no_grad())
            foreach (var p in plain.parameters()) p.set_(p.detach().clone());
        var backbone = ParameterLayout.WithPrefixes(flat, "backbone");
        using var scope = NewDisposeScope();
        Assert.NotNull(backbone.TryAlias(flat));
        Assert.Null(backbone.TryAlias(plain));

        var learned = Prior(backbone.Dimension, 5, 7, ScalarType.Float32);
        using var composite = CompositePrior.WithIsotropicRemainder(flat, backbone, learned, 0.5);
        var x = rand(4, 1, 28, 28, generator: new Generator(8));
        var y = tensor(new long[] { 0, 1, 2, 3 });
        foreach (var model in new[] { flat, plain })
        {
            model.train();
            model.zero_grad();
            nn.functional.cross_entropy(model.forward(x), y).backward();
        }
        // First call moves the flat model's gradients into one buffer; both calls must agree with the plain path.
        for (int call = 0; call < 2; call++)
        {
            composite.AccumulateGradient(flat, -1e-3);
            composite.AccumulateGradient(plain, -1e-3);
            foreach (var ((name, p), q) in flat.named_parameters().Zip(plain.parameters()))
                Assert.True(p.grad!.equal(q.grad!).all().item<bool>(), $"call {call}: {name}");
        }
        Assert.NotNull(backbone.GradientAlias(flat));
    }
}
