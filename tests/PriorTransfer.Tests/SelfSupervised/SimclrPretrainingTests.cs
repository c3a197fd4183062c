using PriorTransfer.Data;
using PriorTransfer.Metrics;
using PriorTransfer.Models;
using PriorTransfer.SelfSupervised;
using PriorTransfer.Tests.Training;
using PriorTransfer.Training;
using PriorTransfer.Workflows;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.SelfSupervised;

public class SimclrPretrainingTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("pt-simclr-run-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static TransferTask ToyTask()
    {
        var names = new[] { "left", "right" };
        var source = new TaskPart(names, () => (SimclrTrainerTests.Toy(48, 1), SimclrTrainerTests.Toy(24, 2)));
        var downstream = new TaskPart(names, () => (SimclrTrainerTests.Toy(24, 3), SimclrTrainerTests.Toy(24, 4)));
        return new TransferTask("toy", "blobs", source, downstream, horizontalFlip: false);
    }

    [Fact]
    public void WritesAClassifierCheckpointWithTheProbeAsHeadAndTheSimclrState()
    {
        using var task = ToyTask();
        var options = new SimclrPretrainOptions
        {
            Simclr = new SimclrOptions { Steps = 2, BatchSize = 16, Seed = 3 },
            Projection = new ProjectionHeadOptions { HiddenDimension = 32, OutputDimension = 16 },
            Probe = new LinearProbeOptions { Iterations = 30 },
        };
        string path = Path.Combine(folder, "toy-simclr.ckpt");
        var stages = new HashSet<string>();
        var result = SimclrPretraining.Run(task, options, path, new SynchronousProgress<TrainingProgress>(p => stages.Add(p.Stage)));

        Assert.Equal(Path.Combine(folder, "toy-simclr.simclr"), result.StatePath);
        Assert.Equal(["probe", SimclrTrainer.Stage], stages.Order());
        Assert.Equal(3, result.Probe.Rows.Count);
        Assert.Equal(2, result.Training.Steps);
        var header = Checkpoint.ReadHeader(path);
        Assert.Equal(SimclrPretraining.LossName, header.Metadata["loss"]);
        Assert.Equal("toy", header.Metadata["task"]);
        Assert.False(bool.Parse(SimclrCheckpoint.ReadHeader(result.StatePath).Metadata["augmentation"].Split("flip ")[1].Split(',')[0]),
            "the task forbids flips");

        // The saved classifier is backbone + probe: its accuracy is the probe's.
        using var classifier = Checkpoint.Load(path);
        Assert.Equal(result.Probe.TrainedBackbone.TestAccuracy, Evaluator.Evaluate(classifier, task.SourceTest).Accuracy, 6);

        // Downstream code takes the backbone as from any checkpoint, and it is the SimCLR state's backbone.
        using var state = SimclrCheckpoint.Load(result.StatePath);
        using var downstream = ModelFactory.Create(new ModelSpec("resnet8", 1, 2), seed: 5);
        Checkpoint.LoadBackbone(downstream, path);
        downstream.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = task.SourceTest.Images.narrow(0, 0, 4);
        Assert.True(state.Features(x).equal(downstream.Features(x)).all().item<bool>());
    }

    [Fact]
    public void RefusesATaskWithoutSource()
    {
        var names = new[] { "a", "b" };
        using var task = new TransferTask("x", "x", null, new TaskPart(names, () => (SimclrTrainerTests.Toy(8, 1), SimclrTrainerTests.Toy(8, 2))), false);
        Assert.Throws<ArgumentException>(() => SimclrPretraining.Run(task, new SimclrPretrainOptions(), Path.Combine(folder, "x.ckpt")));
    }
}
