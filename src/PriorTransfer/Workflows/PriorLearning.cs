using PriorTransfer.Metrics;
using System.Diagnostics;
using System.Globalization;
using PriorTransfer.Data;
using PriorTransfer.IO;
using PriorTransfer.Models;
using PriorTransfer.Parameters;
using PriorTransfer.SelfSupervised;
using PriorTransfer.Serialization;
using PriorTransfer.Swag;
using PriorTransfer.Training;
using static TorchSharp.torch;

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

    /// <summary>
    /// The source loss SWAG runs on: cross-entropy on the labels from a classifier checkpoint, or SimCLR's InfoNCE on
    /// the images alone from a SimCLR state (backbone + projection head; the prior covers the backbone only).
    /// </summary>
    public PriorLoss Loss { get; init; } = PriorLoss.Supervised;

    /// <summary>Pad-and-crop (and flip) augmentation of the supervised loss. SimCLR's loss always draws its own views (<see cref="SimclrViews"/>).</summary>
    public bool Augment { get; init; } = true;

    /// <summary>The two views per image of the SimCLR loss; a horizontal flip is used only where the task allows it.</summary>
    public SimclrAugmentationOptions SimclrViews { get; init; } = new();

    /// <summary>NT-Xent temperature τ of the SimCLR loss; null: the temperature the SimCLR state was trained with.</summary>
    public double? SimclrTemperature { get; init; }

    /// <summary>The linear probe refitted on the SWA mean's features, the head of the SimCLR SWA-mean checkpoint.</summary>
    public LinearProbeOptions Probe { get; init; } = new();

    public long Seed { get; init; }

    public int SnapshotCount => Snapshots ?? Rank + 1;

    public void Validate()
    {
        if (Rank < 1) throw new ArgumentOutOfRangeException(nameof(Rank), $"rank K must be at least 1; got {Rank}.");
        if (SnapshotCount < 2) throw new ArgumentOutOfRangeException(nameof(Snapshots), $"SWAG needs at least 2 snapshots; got {SnapshotCount}.");
        if (StepsPerSnapshot < 1) throw new ArgumentOutOfRangeException(nameof(StepsPerSnapshot), $"steps per snapshot must be at least 1; got {StepsPerSnapshot}.");
        if (!(VarianceFloor > 0) || double.IsInfinity(VarianceFloor))
            throw new ArgumentOutOfRangeException(nameof(VarianceFloor), $"the variance floor must be a positive finite number; got {VarianceFloor}.");
        if (!Enum.IsDefined(Loss)) throw new ArgumentOutOfRangeException(nameof(Loss), $"unknown source loss {Loss}.");
        if (Loss == PriorLoss.SimClr)
        {
            if (BatchSize < 2) throw new ArgumentOutOfRangeException(nameof(BatchSize), $"the SimCLR loss needs at least 2 images per batch (one gives no negatives); got {BatchSize}.");
            if (SimclrTemperature is { } t && (!(t > 0) || double.IsInfinity(t)))
                throw new ArgumentOutOfRangeException(nameof(SimclrTemperature), $"the temperature must be positive and finite; got {t}.");
            SimclrViews.Validate();
            Probe.Validate();
        }
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
/// Step 1 of the method: run SWAG on the source loss from a pre-trained network, fit
/// N(θ̄, ½·diag(var) + ½·D·Dᵀ/(K−1)) over the feature extractor (<c>backbone.*</c>; every head is dropped) and save it
/// as a prior file whose manifest records the loss. Two source losses (<see cref="PriorLearningOptions.Loss"/>):
/// <list type="bullet">
/// <item>supervised: cross-entropy on the source labels, from a classifier checkpoint (<c>pretrain</c>);</item>
/// <item>SimCLR: the InfoNCE loss of <see cref="SimclrObjective"/> on the source images, from a SimCLR state (backbone +
/// projection head, <c>pretrain --loss simclr</c>); the projection head trains along but is not in the prior.</item>
/// </list>
/// Also saves the SWA mean as a classifier checkpoint with BatchNorm statistics recalibrated on the clean source images:
/// downstream methods with a learned prior start there (the prior file holds parameters only). Its head is the source
/// classifier's (supervised) or a linear probe refitted on the SWA mean's features (SimCLR), so its source test accuracy
/// means the same as the pre-trained checkpoint's.
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
        return options.Loss == PriorLoss.SimClr
            ? RunSimclr(task, checkpointPath, options, priorPath, progress, cancellationToken)
            : RunSupervised(task, checkpointPath, options, priorPath, progress, cancellationToken);
    }

    /// <summary>The SWA-mean checkpoint that accompanies a prior file: <c>&lt;prior&gt;.swa.ckpt</c>.</summary>
    public static string SwaCheckpointPath(string priorPath) => priorPath + ".swa.ckpt";

    /// <summary>
    /// The SimCLR state a SimCLR prior starts from: <paramref name="checkpointPath"/> itself when it is a <c>.simclr</c>
    /// state file, else the state written beside a SimCLR classifier checkpoint (<c>x.ckpt</c> → <c>x.simclr</c>).
    /// </summary>
    public static string SimclrStatePath(string checkpointPath)
    {
        if (string.Equals(Path.GetExtension(checkpointPath), SimclrPretraining.StateExtension, StringComparison.Ordinal)) return checkpointPath;
        var header = Checkpoint.ReadHeader(checkpointPath);
        string loss = header.Metadata.TryGetValue("loss", out var l) ? l : "supervised";
        if (loss != SimclrPretraining.LossName)
            throw new ArgumentException(
                $"checkpoint '{checkpointPath}' was pre-trained with the {loss} loss; SWAG on the SimCLR loss needs a SimCLR network with its projection head: " +
                "run `pretrain --loss simclr` first, or use --loss supervised.");
        string state = SimclrPretraining.StatePathFor(checkpointPath);
        if (!File.Exists(state))
            throw new FileNotFoundException(
                $"the SimCLR state '{state}' (backbone + projection head) that `pretrain --loss simclr` writes beside '{checkpointPath}' is missing; SWAG on the SimCLR loss needs it.", state);
        return state;
    }

    private static PriorLearningResult RunSupervised(TransferTask task, string checkpointPath, PriorLearningOptions options, string priorPath,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        if (string.Equals(Path.GetExtension(checkpointPath), SimclrPretraining.StateExtension, StringComparison.Ordinal))
            throw new ArgumentException($"'{checkpointPath}' is a SimCLR state file: learn a prior on the SimCLR loss with --loss simclr, or give a classifier checkpoint (.ckpt).");
        var clock = Stopwatch.StartNew();
        using var model = Checkpoint.Load(checkpointPath);
        var train = task.SourceTrain;
        CheckSpec(model.Spec, task, checkpointPath);
        using var collector = Collect(model, train, options, SgdTrainer.CrossEntropy,
            options.Augment ? new Augmentation(task.DefaultAugmentation) : null, progress, cancellationToken);

        // The SWA-mean checkpoint is written before the prior file: a run killed in between leaves no prior file
        // without its checkpoint (DownstreamSetup needs both), only a checkpoint that the rerun overwrites.
        collector.WriteMean(model);
        RecalibrateBatchNorm(model, train, options.BatchSize);
        var swaTest = Evaluator.Evaluate(model, task.SourceTest);
        string swaPath = SwaCheckpointPath(priorPath);
        Checkpoint.Save(model, swaPath, SwaMetadata(task, priorPath, "supervised"));
        WritePrior(collector, priorPath, task, PriorLoss.Supervised, model.Spec.Architecture, options, checkpointPath, new Dictionary<string, string>());
        return new PriorLearningResult(priorPath, swaPath, PriorFile.Inspect(priorPath), swaTest, clock.Elapsed);
    }

    private static PriorLearningResult RunSimclr(TransferTask task, string checkpointPath, PriorLearningOptions options, string priorPath,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        string statePath = SimclrStatePath(checkpointPath);
        var clock = Stopwatch.StartNew();
        var stateHeader = SimclrCheckpoint.ReadHeader(statePath);
        using var model = SimclrCheckpoint.Load(statePath);
        var train = task.SourceTrain;
        CheckSpec(model.Spec, task, statePath);
        double temperature = options.SimclrTemperature ?? RecordedTemperature(stateHeader) ?? new SimclrOptions().Temperature;
        var views = options.SimclrViews with { HorizontalFlip = options.SimclrViews.HorizontalFlip && task.HorizontalFlip };
        var objective = new SimclrObjective(new SimclrAugmentation(views), temperature);
        // The views get a generator of their own (the trainer's shuffles the batches), seeded apart from it.
        using var viewGenerator = new Generator(StableRandom.StableHash($"swag-simclr-views/{options.Seed}"));
        using var collector = Collect(model, train, options, objective.AsBatchLoss(viewGenerator), augmentation: null, progress, cancellationToken);

        collector.WriteMean(model);
        // The full SimCLR forward (backbone, then projection head) refreshes every BatchNorm layer, on the clean images
        // that a probe and the downstream tasks see, as SimCLR pre-training does (not on augmented views).
        RecalibrateBatchNorm(model, train, options.BatchSize);
        MetricSummary swaTest;
        var probeOptions = options.Probe with { Seed = options.Seed };
        using (var trainFeatures = LinearProbe.ExtractFeatures(model.Backbone, train.Images, probeOptions.BatchSize))
        using (var probe = LinearProbe.Fit(trainFeatures, train.Labels, train.ClassCount, probeOptions))
            probe.CopyTo(model.Classifier.Head);
        swaTest = Evaluator.Evaluate(model.Classifier, task.SourceTest);

        string swaPath = SwaCheckpointPath(priorPath);
        var metadata = SwaMetadata(task, priorPath, SimclrPretraining.LossName);
        metadata["head"] = "linear probe refitted on the SWA mean";
        metadata["temperature"] = temperature.ToString("R", CultureInfo.InvariantCulture);
        metadata["source_test_accuracy"] = swaTest.Accuracy.ToString("R", CultureInfo.InvariantCulture);
        // The state beside the checkpoint (projection head at its last SWAG iterate) lets SimCLR or SWAG continue from here.
        SimclrCheckpoint.Save(model, SimclrPretraining.StatePathFor(swaPath), metadata);
        Checkpoint.Save(model.Classifier, swaPath, metadata);
        WritePrior(collector, priorPath, task, PriorLoss.SimClr, model.Spec.Architecture, options, statePath, new Dictionary<string, string>
        {
            ["simclr_temperature"] = temperature.ToString("R", CultureInfo.InvariantCulture),
            ["simclr_views"] = views.Describe(),
        });
        return new PriorLearningResult(priorPath, swaPath, PriorFile.Inspect(priorPath), swaTest, clock.Elapsed);
    }

    /// <summary>SGD on <paramref name="loss"/> from the model's current weights, with a SWAG snapshot of <c>backbone.*</c> every few steps.</summary>
    private static SwagCollector Collect(nn.Module<Tensor, Tensor> model, ImageSet train,
        PriorLearningOptions options, BatchLoss loss, Augmentation? augmentation, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        // Both networks name their feature extractor backbone.*, so the prior's layout is the downstream classifier's.
        var layout = ParameterLayout.WithPrefixes(model, Classifier.BackbonePrefix);
        var collector = new SwagCollector(layout, options.Rank, options.VarianceFloor);
        try
        {
            var schedule = SwagSchedule.ConstantEvery(options.LearningRate, options.StepsPerSnapshot);
            var sgd = new SgdOptions
            {
                Steps = checked((int)schedule.StepsFor(options.SnapshotCount)),
                BatchSize = options.BatchSize, LearningRate = options.LearningRate, Momentum = options.Momentum,
                WeightDecay = options.WeightDecay, Nesterov = false, Seed = options.Seed,
            };
            SgdTrainer.Train(model, train, sgd, loss, augmentation, progress, stage: "swag",
                afterStep: step => { if (schedule.CollectsAfter(step)) collector.Collect(model); },
                learningRate: step => schedule.LearningRate(step),
                cancellationToken: cancellationToken);
            return collector;
        }
        catch
        {
            collector.Dispose();
            throw;
        }
    }

    private static void WritePrior(SwagCollector collector, string priorPath, TransferTask task, PriorLoss loss, string architecture,
        PriorLearningOptions options, string startPath, IReadOnlyDictionary<string, string> extra)
    {
        var metadata = new Dictionary<string, string>(extra)
        {
            ["swag_learning_rate"] = options.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            ["swag_steps_per_snapshot"] = options.StepsPerSnapshot.ToString(CultureInfo.InvariantCulture),
            ["swag_batch_size"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["source_checkpoint"] = Path.GetFileName(startPath),
        };
        using var gaussian = collector.ToGaussian();
        PriorFile.Write(priorPath, gaussian, new PriorSource(task.Name, loss, architecture), extraMetadata: metadata);
    }

    private static Dictionary<string, string> SwaMetadata(TransferTask task, string priorPath, string loss) => new()
    {
        ["task"] = task.Name,
        ["stage"] = "swa-mean",
        ["loss"] = loss,
        ["prior"] = Path.GetFileName(priorPath),
    };

    private static void CheckSpec(ModelSpec spec, TransferTask task, string path)
    {
        var train = task.SourceTrain;
        if (spec.Classes != train.ClassCount || spec.InChannels != train.Channels)
            throw new ArgumentException(
                $"checkpoint '{path}' is a {spec}, but the source of {task.Name} has {train.Channels}-channel images of {train.ClassCount} classes; pre-train on this task first.");
    }

    private static double? RecordedTemperature(SimclrCheckpoint.Header header) =>
        header.Metadata.TryGetValue("temperature", out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) ? t : null;

    /// <summary>BatchNorm statistics for the SWA mean, from one pass of <paramref name="model"/>'s forward over (at most 10,000 of) the clean source images.</summary>
    private static void RecalibrateBatchNorm(nn.Module<Tensor, Tensor> model, ImageSet train, int batchSize)
    {
        const int maxImages = 10_000;
        var batches = new BatchIterator(train, batchSize, shuffle: false);
        BatchNormRecalibration.Run(model, batches.Epoch(null).TakeWhile(b => (long)b.Index * batchSize < maxImages).Select(b => b.Images));
    }
}
