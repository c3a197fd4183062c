using System.Text.RegularExpressions;
using PriorTransfer.Data;
using PriorTransfer.Models;
using PriorTransfer.Tests.Data;
using PriorTransfer.Training;
using PriorTransfer.Workflows;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Reliability;

/// <summary>
/// Issue 9, reproducibility: the same configuration and seed gives bitwise-identical weights and metrics, twice in one
/// process (same thread count). What libtorch does not promise across thread counts and machines is in
/// docs/troubleshooting.md ("Reproducibility").
/// </summary>
public sealed partial class ReproducibilityTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    /// <summary>Fake Fashion-MNIST big enough for the 500-image validation holdout: 110 images per class.</summary>
    private string FakeData()
    {
        string data = temp.Combine("data");
        if (!Directory.Exists(data)) TestFiles.WriteFakeFashionMnist(Path.Combine(data, "fashion-mnist"), trainPerClass: 110, testPerClass: 4);
        return data;
    }

    private TransferTask Task() => TaskCatalog.Create(TaskCatalog.FashionSplit, new DataLocator(new DataLocatorOptions
    {
        DataPath = FakeData(),
        EnvironmentDataPath = null,
        WorkingDirectory = temp.Path,
        BaseDirectory = temp.Path,
        HomeDirectory = temp.Path,
        SystemFashionMnistDirectory = temp.Combine("none"),
    }));

    [Fact]
    public void SameSeedGivesBitwiseIdenticalPretrainingAndFineTuning()
    {
        // One thread, as the CLI's --threads 1: reproducibility holds for a fixed thread count (any), and one thread
        // keeps this test fast on a loaded machine.
        int threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            PretrainAndFineTuneTwice();
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }

    private void PretrainAndFineTuneTwice()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var task = Task();
        var pretrain = new PretrainOptions { Sgd = new SgdOptions { Steps = 4, BatchSize = 32, LearningRate = 0.05, Seed = 11 } };
        string first = temp.Combine("a", "source.ckpt"), second = temp.Combine("b", "source.ckpt");
        var a = SourcePretraining.Run(task, pretrain, first);
        var b = SourcePretraining.Run(task, pretrain, second);
        // Weights, BatchNorm statistics and recorded metrics: the whole file, byte for byte.
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        Assert.Equal(a.SourceTest, b.SourceTest);
        output.WriteLine($"pretraining twice: {clock.Elapsed.TotalSeconds:F1} s");

        using var setup = new DownstreamSetup(task, first, priorPath: null);
        var budget = new DownstreamBudget { Steps = 4, BatchSize = 10 };
        DownstreamHyperparameters[] grid = [new(0.01, WeightDecay: 5e-4)];
        var r1 = DownstreamRun.Run(setup, DownstreamMethods.Finetune, n: 10, seed: 3, budget, grid);
        var r2 = DownstreamRun.Run(setup, DownstreamMethods.Finetune, n: 10, seed: 3, budget, grid);
        Assert.Equal(r1.Validation, r2.Validation);
        Assert.Equal(r1.Test, r2.Test);
        Assert.Equal(r1.TestReliability, r2.TestReliability);
        output.WriteLine($"validation {r1.Validation}, test {r1.Test}; {clock.Elapsed.TotalSeconds:F1} s");

        // The fine-tuned weights themselves (and BatchNorm statistics), through the same steps as DownstreamTrainer.
        var sgd = new SgdOptions { Steps = budget.Steps, BatchSize = budget.BatchSize, LearningRate = 0.01, WeightDecay = 5e-4 };
        using var m1 = FineTuned(task, first, sgd, seed: 3);
        using var m2 = FineTuned(task, first, sgd, seed: 3);
        using var m3 = FineTuned(task, first, sgd, seed: 4);
        Assert.True(SameState(m1, m2));
        Assert.False(SameState(m1, m3), "a different seed should give different weights");
        output.WriteLine($"total {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static Classifier FineTuned(TransferTask task, string checkpoint, SgdOptions sgd, int seed)
    {
        using var train = Subsets.Training(task, 10, seed);
        var model = DownstreamSetup.CreateDownstreamModel(task, checkpoint, "resnet8", seed);
        SgdTrainer.Train(model, train, sgd with { Seed = seed }, augmentation: new Augmentation(task.DefaultAugmentation));
        return model;
    }

    private static bool SameState(Classifier a, Classifier b)
    {
        var other = b.state_dict();
        return a.state_dict().All(kv => TestSupport.TensorAssert.Identical(kv.Value, other[kv.Key]));
    }

    /// <summary>The issue's acceptance check through the command line: two identical <c>finetune</c> runs print identical metrics.</summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void TwoIdenticalFinetuneCommandsPrintIdenticalMetrics()
    {
        string[] args = ["finetune", "--data", FakeData(), "--task", "fashion-split", "--from-scratch", "--n", "10", "--seed", "5",
            "--steps", "5", "--batch-size", "10", "--threads", "1"];
        var first = CliProcess.Run(temp.Path, args);
        var second = CliProcess.Run(temp.Path, args);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        var rows = Metrics(first.StandardOutput);
        Assert.NotEmpty(rows);
        Assert.Equal(rows, Metrics(second.StandardOutput));
        output.WriteLine(string.Join("\n", rows));
    }

    /// <summary>The tuning lines and the results table's rows without the last (time) column; not the progress lines (speeds, times).</summary>
    private static List<string> Metrics(string stdout) =>
        stdout.Split('\n').Where(l => (l.StartsWith('│') && l.Contains("from-scratch", StringComparison.Ordinal)) || l.StartsWith("  tuning", StringComparison.Ordinal))
            .Select(l => TimeColumn().Replace(l, "")).ToList();

    [GeneratedRegex(@"\d+ s\s*│\s*$")]
    private static partial Regex TimeColumn();
}
