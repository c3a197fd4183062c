using PriorTransfer.Data;
using PriorTransfer.Models;
using PriorTransfer.SelfSupervised;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.SelfSupervised;

public class LinearProbeTests
{
    /// <summary>
    /// Three linearly separable classes in 10 dimensions: well-separated class means plus noise, on features with very
    /// different offsets and scales (which the standardisation must absorb).
    /// </summary>
    private static (Tensor Features, Tensor Labels) Separable(int count, int seed)
    {
        using var scope = NewDisposeScope();
        var g = new Generator((ulong)seed);
        var means = tensor(new float[,] { { 4, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, { 0, 4, 0, 0, 0, 0, 0, 0, 0, 0 }, { 0, 0, 4, 0, 0, 0, 0, 0, 0, 0 } });
        var labels = randint(0, 3, [count], generator: g).to_type(ScalarType.Int64);
        var x = means.index_select(0, labels) + 0.5f * randn([count, 10], generator: g);
        var scale = tensor(new float[] { 1, 100, 0.01f, 1, 1, 1, 1, 1, 1, 1 });
        var features = x * scale + 50f;
        return (features.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope());
    }

    [Fact]
    public void SeparatesLinearlySeparableFeatures()
    {
        using var scope = NewDisposeScope();
        var (train, trainLabels) = Separable(600, 1);
        var (test, testLabels) = Separable(300, 2);
        var result = LinearProbe.Measure("synthetic", train, trainLabels, test, testLabels, 3, new LinearProbeOptions { Iterations = 150 });
        Assert.True(result.TrainAccuracy >= 0.99, $"train accuracy {result.TrainAccuracy}");
        Assert.True(result.TestAccuracy >= 0.99, $"test accuracy {result.TestAccuracy}");
        Assert.True(result.TestNll < 0.1, $"test NLL {result.TestNll}");
        Assert.Equal(10, result.Dimension);
    }

    [Fact]
    public void FoldedIntoALinearLayerItPredictsTheSame()
    {
        using var scope = NewDisposeScope();
        var (train, labels) = Separable(300, 3);
        using var probe = LinearProbe.Fit(train, labels, 3, new LinearProbeOptions { Iterations = 50 });
        using var head = nn.Linear(10, 3);
        probe.CopyTo(head);
        using var noGrad = no_grad();
        var expected = probe.Logits(train);
        var actual = head.forward(train);
        Assert.True(actual.allclose(expected, rtol: 1e-4, atol: 1e-3), $"max difference {(actual - expected).abs().max().item<float>()}");
        using var wrong = nn.Linear(10, 4);
        Assert.Throws<ArgumentException>(() => probe.CopyTo(wrong));
    }

    [Fact]
    public void FitIsDeterministic()
    {
        using var scope = NewDisposeScope();
        var (train, labels) = Separable(200, 4);
        using var a = LinearProbe.Fit(train, labels, 3, new LinearProbeOptions { Iterations = 20, Seed = 1 });
        using var b = LinearProbe.Fit(train, labels, 3, new LinearProbeOptions { Iterations = 20, Seed = 1 });
        Assert.True(a.Weight.equal(b.Weight).all().item<bool>());
        Assert.True(a.Bias.equal(b.Bias).all().item<bool>());
    }

    [Fact]
    public void FeaturesAreExtractedInEvalModeAndTheModeIsRestored()
    {
        using var scope = NewDisposeScope();
        using var classifier = ModelFactory.Create(new ModelSpec("resnet8", 1, 2), seed: 1);
        var images = rand(10, 1, 28, 28, generator: new Generator(1));
        classifier.train();
        var features = LinearProbe.ExtractFeatures(classifier.Backbone, images, batchSize: 4);
        Assert.True(classifier.Backbone.training);
        classifier.eval();
        using (no_grad()) Assert.True(features.allclose(classifier.Features(images), rtol: 1e-5, atol: 1e-6));
        Assert.Equal(new long[] { 10, 64 }, features.shape);
        Assert.False(features.requires_grad);
    }

    [Fact]
    public void ReportPutsTheBaselinesBesideTheTrainedBackbone()
    {
        using var scope = NewDisposeScope();
        using var train = SimclrTrainerTests.Toy(40, 5);
        using var test = SimclrTrainerTests.Toy(20, 6);
        using var trained = ModelFactory.Create(new ModelSpec("resnet8", 1, 2), seed: 1);
        using var random = ModelFactory.Create(new ModelSpec("resnet8", 1, 2), seed: 2);
        var report = ProbeReport.Create(trained.Backbone, random.Backbone, train, test, new LinearProbeOptions { Iterations = 10 });
        Assert.Equal([ProbeReport.RawPixelsName, ProbeReport.RandomBackboneName, ProbeReport.TrainedBackboneName], report.Rows.Select(r => r.Features));
        Assert.Equal(16 * 16, report.RawPixels!.Dimension);
        Assert.Contains(ProbeReport.TrainedBackboneName, report.ToTable());
    }
}
