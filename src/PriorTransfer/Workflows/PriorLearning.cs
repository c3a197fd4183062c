using PriorTransfer.Metrics;
using System.Diagnostics;
using System.Globalization;
using PriorTransfer.Data;
using PriorTransfer.IO;
using PriorTransfer.Models;
using PriorTransfer.Parameters;
using PriorTransfer.Serialization;
using PriorTransfer.Swag;
using PriorTransfer.Training;

namespace PriorTransfer.Workflows;

/// <summary>Options of the SWAG phase that turns a pre-trained network into a learned prior (paper §3.1).</summary>
public sealed record PriorLearningOptions
{
    /// <summary>K, the rank of the covariance's low-rank part (deviation columns kept).</summary>
    public int Rank { get; init; } = 20;
    /// <summary>Snapshots in the SWA mean and moments; more than <see cref="Rank"/> for a full-rank factor (default K + 1).</summary>
    public int? Snapshots { get; init; }
    public int StepsPerSnapshot { get; init; } = 100;
    /// <summary>Constant SWAG learning rate (the pre-training schedule ends near 0; SWAG explores at a moderate rate).</summary>
    public double LearningRate { get; init; } = 0.01;
    public int BatchSize { get; init; } = 128;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 5e-4;
    /// <summary>
    /// Smallest SWAG variance kept. Parameters that barely move during SWAG get variances near 0, and the prior's
    /// stiffest direction has precision 1/(λ·min var·N): a floor of 1e-10 keeps λ = 10⁸ (the top of the tuning grid)
    /// at a prior variance of at least 1e-2, stable for SGD at the default learning rates.
    /// </summary>
    public double VarianceFloor { get; init; } = 1e-10;
    public bool Augment { get; init; } = true;
    public long Seed { get; init; }

    public int SnapshotCount => Snapshots ?? Rank + 1;

    public void Validate()
    {
        if (Rank < 1) throw new ArgumentOutOfRangeException(nameof(Rank), $"rank K must be at least 1; got {Rank}.");
        if (SnapshotCount < 2) throw new ArgumentOutOfRangeException(nameof(Snapshots), $"SWAG needs at least 2 snapshots; got {SnapshotCount}.");
        if (StepsPerSnapshot < 1) throw new ArgumentOutOfRangeException(nameof(StepsPerSnapshot), $"steps per snapshot must be at least 1; got {StepsPerSnapshot}.");
        if (!(VarianceFloor > 0) || double.IsInfinity(VarianceFloor))
            throw new ArgumentOutOfRangeException(nameof(VarianceFloor), $"the variance floor must be a positive finite number; got {VarianceFloor}.");
        // The SGD settings, checked now rather than after the checkpoint and the data are loaded.
        new SgdOptions { Steps = 1, BatchSize = BatchSize, LearningRate = LearningRate, Momentum = Momentum, WeightDecay = WeightDecay, Seed = Seed }.Validate();
    }
}

/// <summary>What the SWAG phase produced: the prior file, the SWA-mean checkpoint and their summaries.</summary>
public sealed record PriorLearningResult(
    string PriorPath,
    string SwaCheckpointPath,
    PriorFileSummary Summary,
    MetricSummary SwaSourceTest,
    TimeSpan Elapsed);

/// <summary>
/// Step 1 of the method: run SWAG on the source loss from a pre-trained checkpoint, fit
/// N(θ̄, ½·diag(var) + ½·D·Dᵀ/(K−1)) over the feature extractor (the head is dropped) and save it as a prior file.
/// Also saves the SWA mean as a checkpoint with recalibrated BatchNorm statistics: downstream methods with a
/// learned prior start there (the prior file holds parameters only, not BatchNorm statistics).
/// </summary>
public static class PriorLearning
{
    public static PriorLearningResult Run(TransferTask task, string checkpointPath, PriorLearningOptions options, string priorPath,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (!task.HasSource)
            throw new ArgumentException($"task '{task.Name}' has no source part to learn a prior on; use fashion-split, fashion-to-digits or fashion-interleaved.");
        AtomicFile.EnsureWritable(priorPath);   // fail now, not after SWAG
        var clock = Stopwatch.StartNew();
        using var model = Checkpoint.Load(checkpointPath);
        var train = task.SourceTrain;
        if (model.Spec.Classes != train.ClassCount || model.Spec.InChannels != train.Channels)
            throw new ArgumentException(
                $"checkpoint '{checkpointPath}' is a {model.Spec}, but the source of {task.Name} has {train.Channels}-channel images of {train.ClassCount} classes; pre-train on this task first.");

        var layout = ParameterLayout.WithPrefixes(model, Classifier.BackbonePrefix);
        using var collector = new SwagCollector(layout, options.Rank, options.VarianceFloor);
        var schedule = SwagSchedule.ConstantEvery(options.LearningRate, options.StepsPerSnapshot);
        var sgd = new SgdOptions
        {
            Steps = checked((int)schedule.StepsFor(options.SnapshotCount)),
            BatchSize = options.BatchSize, LearningRate = options.LearningRate, Momentum = options.Momentum,
            WeightDecay = options.WeightDecay, Nesterov = false, Seed = options.Seed,
        };
        SgdTrainer.Train(model, train, sgd,
            augmentation: options.Augment ? new Augmentation(task.DefaultAugmentation) : null,
            progress: progress, stage: "swag",
            afterStep: step => { if (schedule.CollectsAfter(step)) collector.Collect(model); },
            learningRate: step => schedule.LearningRate(step),
            cancellationToken: cancellationToken);

        // The SWA-mean checkpoint is written before the prior file: a run killed in between leaves no prior file
        // without its checkpoint (DownstreamSetup needs both), only a checkpoint that the rerun overwrites.
        collector.WriteMean(model);
        RecalibrateBatchNorm(model, train, options.BatchSize);
        var swaTest = Evaluator.Evaluate(model, task.SourceTest);
        string swaPath = SwaCheckpointPath(priorPath);
        Checkpoint.Save(model, swaPath, new Dictionary<string, string>
        {
            ["task"] = task.Name,
            ["stage"] = "swa-mean",
            ["loss"] = "supervised",
            ["prior"] = Path.GetFileName(priorPath),
        });
        using (var gaussian = collector.ToGaussian())
        {
            PriorFile.Write(priorPath, gaussian, new PriorSource(task.Name, PriorLoss.Supervised, model.Spec.Architecture),
                extraMetadata: new Dictionary<string, string>
                {
                    ["swag_learning_rate"] = options.LearningRate.ToString("R", CultureInfo.InvariantCulture),
                    ["swag_steps_per_snapshot"] = options.StepsPerSnapshot.ToString(CultureInfo.InvariantCulture),
                    ["swag_batch_size"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
                    ["source_checkpoint"] = Path.GetFileName(checkpointPath),
                });
        }
        return new PriorLearningResult(priorPath, swaPath, PriorFile.Inspect(priorPath), swaTest, clock.Elapsed);
    }

    /// <summary>The SWA-mean checkpoint that accompanies a prior file: <c>&lt;prior&gt;.swa.ckpt</c>.</summary>
    public static string SwaCheckpointPath(string priorPath) => priorPath + ".swa.ckpt";

    /// <summary>BatchNorm statistics for the SWA mean, from one pass over (at most 10,000 of) the source images.</summary>
    private static void RecalibrateBatchNorm(Classifier model, ImageSet train, int batchSize)
    {
        const int maxImages = 10_000;
        var batches = new BatchIterator(train, batchSize, shuffle: false);
        BatchNormRecalibration.Run(model, batches.Epoch(null).TakeWhile(b => (long)b.Index * batchSize < maxImages).Select(b => b.Images));
    }
}
