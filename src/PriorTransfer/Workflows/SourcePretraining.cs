using PriorTransfer.Metrics;
using System.Diagnostics;
using System.Globalization;
using PriorTransfer.Data;
using PriorTransfer.IO;
using PriorTransfer.Models;
using PriorTransfer.Training;

namespace PriorTransfer.Workflows;

/// <summary>Options of supervised pre-training on a task's source part.</summary>
public sealed record PretrainOptions
{
    public string Architecture { get; init; } = "resnet8";
    public SgdOptions Sgd { get; init; } = new() { Epochs = 5, BatchSize = 128, LearningRate = 0.1, WeightDecay = 5e-4 };
    public bool Augment { get; init; } = true;
}

/// <summary>What pre-training produced.</summary>
public sealed record PretrainResult(string CheckpointPath, ModelSpec Spec, MetricSummary SourceTest, double ImagesPerSecond, TimeSpan Elapsed);

/// <summary>Step 0 of the method: a network pre-trained with cross-entropy on the source task, saved as a checkpoint.</summary>
public static class SourcePretraining
{
    public static PretrainResult Run(TransferTask task, PretrainOptions options, string checkpointPath,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (!task.HasSource)
            throw new ArgumentException($"task '{task.Name}' has no source part to pre-train on; use fashion-split, fashion-to-digits or fashion-interleaved.");
        options.Sgd.Validate();
        AtomicFile.EnsureWritable(checkpointPath);   // fail now, not after the training
        var train = task.SourceTrain;
        var spec = new ModelSpec(options.Architecture, train.Channels, train.ClassCount);
        using var model = ModelFactory.Create(spec, options.Sgd.Seed);
        var augmentation = options.Augment ? new Augmentation(task.DefaultAugmentation) : null;
        var clock = Stopwatch.StartNew();
        SgdTrainer.Train(model, train, options.Sgd, augmentation: augmentation,
            progress: progress, stage: "pretrain", cancellationToken: cancellationToken);
        var elapsed = clock.Elapsed;
        double imagesPerSecond = SgdTrainer.StepCount(train.Count, options.Sgd) * (double)Math.Min(options.Sgd.BatchSize, train.Count) / elapsed.TotalSeconds;
        var test = Evaluator.Evaluate(model, task.SourceTest);
        Checkpoint.Save(model, checkpointPath, new Dictionary<string, string>
        {
            ["task"] = task.Name,
            ["stage"] = "source",
            ["loss"] = "supervised",
            ["epochs"] = options.Sgd.Epochs.ToString(CultureInfo.InvariantCulture),
            ["seed"] = options.Sgd.Seed.ToString(CultureInfo.InvariantCulture),
            ["source_test_accuracy"] = test.Accuracy.ToString("R", CultureInfo.InvariantCulture),
        });
        return new PretrainResult(checkpointPath, spec, test, imagesPerSecond, elapsed);
    }
}
