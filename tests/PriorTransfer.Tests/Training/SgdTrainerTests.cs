using PriorTransfer.Metrics;
using PriorTransfer.Data;
using PriorTransfer.Models;
using PriorTransfer.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Training;

public class SgdTrainerTests
{
    /// <summary>Two classes that differ in which half of the image is bright: learnable in a few steps.</summary>
    private static ImageSet HalvesDataset(int count, int seed)
    {
        using var scope = NewDisposeScope();
        var g = new Generator((ulong)seed);
        var labels = randint(0, 2, [count], generator: g).to_type(ScalarType.Int64);
        var images = rand([count, 1, 28, 28], generator: g) * 0.5f;
        var left = zeros(1, 1, 28, 28); left[.., .., .., ..14] = 0.5f;
        var right = zeros(1, 1, 28, 28); right[.., .., .., 14..] = 0.5f;
        var mask = labels.to_type(ScalarType.Float32).view(-1, 1, 1, 1);
        images += mask * left + (1 - mask) * right;
        return new ImageSet(images, labels, ["left", "right"]);
    }

    [Fact]
    public void LearnsASeparableTask()
    {
        using var train = HalvesDataset(256, 1);
        using var test = HalvesDataset(128, 2);
        using var model = ModelFactory.Create(new ModelSpec("resnet8", 1, 2), seed: 1);
        var reports = new List<TrainingProgress>();
        SgdTrainer.Train(model, train, new SgdOptions { Epochs = 3, BatchSize = 32, LearningRate = 0.05, Seed = 3 },
            progress: new SynchronousProgress<TrainingProgress>(reports.Add));
        var result = Evaluator.Evaluate(model, test);
        Assert.True(result.Accuracy > 0.95, $"accuracy {result.Accuracy}");
        Assert.True(result.NegativeLogLikelihood < 0.5, $"nll {result.NegativeLogLikelihood}");
        Assert.Equal(24, reports[^1].Step);
        Assert.Equal(24, reports[^1].TotalSteps);
    }

    [Fact]
    public void SameSeedGivesIdenticalWeights()
    {
        using var train = HalvesDataset(64, 1);
        var options = new SgdOptions { Steps = 4, BatchSize = 16, LearningRate = 0.05, Seed = 5 };
        using var a = ModelFactory.Create(new ModelSpec("resnet8", 1, 2), seed: 1);
        using var b = ModelFactory.Create(new ModelSpec("resnet8", 1, 2), seed: 1);
        SgdTrainer.Train(a, train, options);
        SgdTrainer.Train(b, train, options);
        var pb = b.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in a.named_parameters())
            Assert.True(p.equal(pb[name]).all().item<bool>(), name);
    }

    [Fact]
    public void DivergenceIsReportedNotHidden()
    {
        using var train = HalvesDataset(64, 1);
        using var model = ModelFactory.Create(new ModelSpec("resnet8", 1, 2), seed: 1);
        BatchLoss exploding = (m, x, y) => SgdTrainer.CrossEntropy(m, x, y) * float.PositiveInfinity;
        Assert.Throws<TrainingDivergedException>(() => SgdTrainer.Train(model, train,
            new SgdOptions { Steps = 2, BatchSize = 16, Seed = 1 }, exploding,
            progress: new SynchronousProgress<TrainingProgress>(_ => { })));
    }

    [Fact]
    public void CosineScheduleGoesFromBaseToFinal()
    {
        var s = new CosineSchedule(0.1, 11, 0.1);
        Assert.Equal(0.1, s.At(0), 12);
        Assert.Equal(0.055, s.At(5), 12);
        Assert.Equal(0.01, s.At(10), 12);
    }
}

/// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
