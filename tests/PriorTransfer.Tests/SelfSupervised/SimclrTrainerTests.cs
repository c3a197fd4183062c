using PriorTransfer.Data;
using PriorTransfer.Models;
using PriorTransfer.SelfSupervised;
using PriorTransfer.Tests.Training;
using PriorTransfer.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.SelfSupervised;

public class SimclrTrainerTests
{
    private static readonly ModelSpec Spec = new("resnet8", 1, 2);

    /// <summary>Blob images (see <see cref="SimclrAugmentationTests.Blobs"/>; 16×16 by default, to keep tests fast) labelled by the side their blob is on.</summary>
    internal static ImageSet Toy(int count, int seed, int size = 16)
    {
        using var scope = NewDisposeScope();
        var images = SimclrAugmentationTests.Blobs(count, seed, size);
        // Labels (ignored by SimCLR) say whether the blob is in the left or the right half.
        int half = size / 2;
        var labels = images.narrow(3, half, half).sum([1, 2, 3]).gt(images.narrow(3, 0, half).sum([1, 2, 3])).to_type(ScalarType.Int64);
        return new ImageSet(images, labels, ["left", "right"]);
    }

    /// <summary>Mean cosine similarity of positive pairs minus that of negative pairs, on fixed views, in train mode (batch statistics).</summary>
    private static double PositiveMargin(SimclrModel model, ImageSet set, SimclrAugmentation augmentation)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (first, second) = augmentation.Views(set.Images, new Generator(1234));
        model.train();
        var z = nn.functional.normalize(model.forward(cat([first, second], 0)), dim: 1);
        long b = set.Count;
        var similarity = z.narrow(0, 0, b).mm(z.narrow(0, b, b).t());
        double positive = similarity.diagonal().mean().item<float>();
        double negative = (similarity.sum().item<float>() - similarity.diagonal().sum().item<float>()) / (b * (b - 1));
        return positive - negative;
    }

    [Fact]
    public void PositivesScoreHigherThanNegativesAfterAFewSteps()
    {
        using var set = Toy(64, 1);
        using var model = SimclrModel.Create(Spec, new ProjectionHeadOptions { OutputDimension = 32 }, seed: 1);
        var options = new SimclrOptions { Steps = 12, BatchSize = 32, LearningRate = 0.1, WarmupSteps = 2, Temperature = 0.5, Seed = 2 };
        var augmentation = new SimclrAugmentation(options.Augmentation);
        double before = PositiveMargin(model, set, augmentation);
        var reports = new List<TrainingProgress>();
        var result = SimclrTrainer.Train(model, set, options, new SynchronousProgress<TrainingProgress>(reports.Add));
        Assert.False(model.training);
        double after = PositiveMargin(model, set, augmentation);

        Assert.True(after > before + 0.05, $"margin before {before:F3}, after {after:F3}");
        Assert.True(after > 0.1, $"margin after {after:F3}");
        Assert.Equal(12, result.Steps);
        Assert.Equal(6, result.Epochs);
        Assert.True(result.EpochLosses[^1] < result.EpochLosses[0], string.Join(", ", result.EpochLosses));
        Assert.All(reports, r => Assert.Equal(SimclrTrainer.Stage, r.Stage));
        Assert.Equal(12, reports[^1].Step);
    }

    [Fact]
    public void SameSeedGivesIdenticalWeights()
    {
        using var set = Toy(32, 2);
        var options = new SimclrOptions { Steps = 2, BatchSize = 16, Seed = 5, Optimizer = SimclrOptimizer.Adam, LearningRate = 1e-3 };
        using var a = SimclrModel.Create(Spec, null, seed: 1);
        using var b = SimclrModel.Create(Spec, null, seed: 1);
        SimclrTrainer.Train(a, set, options);
        SimclrTrainer.Train(b, set, options);
        var pb = b.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in a.named_parameters())
            Assert.True(p.equal(pb[name]).all().item<bool>(), name);
    }

    [Fact]
    public void DivergenceIsReported()
    {
        using var scope = NewDisposeScope();
        using var set = new ImageSet(full(8, 1, 28, 28, float.NaN), zeros([8], ScalarType.Int64), ["a", "b"]);
        using var model = SimclrModel.Create(Spec, null, seed: 1);
        var e = Assert.Throws<TrainingDivergedException>(() => SimclrTrainer.Train(model, set, new SimclrOptions { Steps = 1, BatchSize = 8 }));
        Assert.Equal(SimclrTrainer.Stage, e.Stage);
    }

    [Fact]
    public void LearningRateWarmsUpThenDecays()
    {
        // 3 warm-up steps, then a cosine over the remaining 11 (from the peak at step 3 to 0 at step 13).
        var options = new SimclrOptions { LearningRate = 0.4, WarmupSteps = 3 };
        Assert.Equal(0.1, SimclrTrainer.LearningRateAt(0, 14, options), 12);
        Assert.Equal(0.3, SimclrTrainer.LearningRateAt(2, 14, options), 12);
        Assert.Equal(0.4, SimclrTrainer.LearningRateAt(3, 14, options), 12);
        Assert.Equal(0.2, SimclrTrainer.LearningRateAt(8, 14, options), 12);
        Assert.Equal(0.0, SimclrTrainer.LearningRateAt(13, 14, options), 12);
    }

    [Fact]
    public void ObjectiveWorksAsABatchLossOfTheSupervisedLoops()
    {
        using var scope = NewDisposeScope();
        using var set = Toy(16, 3);
        using var model = SimclrModel.Create(Spec, null, seed: 1);
        var objective = new SimclrObjective(new SimclrAugmentation(), 0.5);
        using var g1 = new Generator(4);
        using var g2 = new Generator(4);
        var batchLoss = objective.AsBatchLoss(g1);
        model.train();
        double viaDelegate = batchLoss(model, set.Images, set.Labels).item<float>();
        SelfSupervisedLoss direct = objective.Loss;
        Assert.Equal(viaDelegate, direct(model, set.Images, g2).item<float>(), 5);
        using var classifier = ModelFactory.Create(Spec, seed: 1);
        Assert.Throws<ArgumentException>(() => batchLoss(classifier, set.Images, set.Labels));
    }
}
