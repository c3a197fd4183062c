using System.Diagnostics;
using System.Globalization;
using PriorTransfer.Data;
using PriorTransfer.IO;
using PriorTransfer.Models;
using PriorTransfer.SelfSupervised;
using PriorTransfer.Swag;
using PriorTransfer.Training;

namespace PriorTransfer.Workflows;

/// <summary>Options of SimCLR pre-training on a task's source images.</summary>
public sealed record SimclrPretrainOptions
{
    public string Architecture { get; init; } = "resnet8";

    /// <summary>The SimCLR run; its seed also initialises the network. A horizontal flip is used only where the task allows it.</summary>
    public SimclrOptions Simclr { get; init; } = new();

    public ProjectionHeadOptions Projection { get; init; } = new();

    /// <summary>The linear probe measured at the end (and folded into the saved classifier's head).</summary>
    public LinearProbeOptions Probe { get; init; } = new();

    /// <summary>Also probe raw pixels and the randomly initialised backbone, for comparison.</summary>
    public bool ProbeBaselines { get; init; } = true;

    /// <summary>
    /// After training, re-estimate the backbone's BatchNorm running statistics on the clean source images (one pass,
    /// equal-weight average). During SimCLR they track augmented views (cropped, rescaled, jittered), not the images
    /// the probe and the downstream tasks see; on fashion-split this added 0.3–0.5 points of probe accuracy.
    /// </summary>
    public bool RecalibrateBatchNorm { get; init; } = true;
}

/// <summary>
/// What SimCLR pre-training produced: the classifier checkpoint (the SimCLR backbone with the linear probe as its
/// head), the SimCLR state file (backbone + projection head), the training figures and the probe report.
/// </summary>
public sealed record SimclrPretrainResult(
    string CheckpointPath,
    string StatePath,
    ModelSpec Spec,
    SimclrTrainingResult Training,
    ProbeReport Probe,
    TimeSpan Elapsed);

/// <summary>
/// Step 0 of the method with a self-supervised source loss (paper sections 3.1 and 4.2): SimCLR on the source
/// task's training images without their labels, then a linear probe of the frozen backbone on the source classes.
/// Writes two files:
/// <list type="bullet">
/// <item>a classifier <see cref="Checkpoint"/> at <c>checkpointPath</c> whose backbone is the SimCLR backbone and whose
/// head is the fitted linear probe (standardisation folded in), metadata <c>loss = simclr</c>: everything downstream
/// (<see cref="Checkpoint.LoadBackbone(Classifier, string)"/>, evaluation, fine-tuning) uses it unchanged, and evaluating it on the source
/// test set gives the probe's accuracy;</item>
/// <item>a <see cref="SimclrCheckpoint"/> at <see cref="StatePathFor"/>(<c>checkpointPath</c>) (<c>x.ckpt</c> →
/// <c>x.simclr</c>) with the backbone and the projection head: continue SimCLR with <see cref="SimclrCheckpoint.Load"/> and
/// <see cref="SimclrTrainer.Train"/>, or run SWAG on <see cref="SimclrObjective.Loss"/> (the prior covers
/// <c>backbone.*</c> only). Optimiser momenta are not saved.</item>
/// </list>
/// </summary>
public static class SimclrPretraining
{
    /// <summary>The value of the <c>loss</c> metadata key for SimCLR checkpoints and priors.</summary>
    public const string LossName = "simclr";

    public const string StateExtension = ".simclr";

    /// <summary>Where the SimCLR state is written next to a classifier checkpoint: same path, extension <c>.simclr</c>.</summary>
    public static string StatePathFor(string checkpointPath) => Path.ChangeExtension(checkpointPath, StateExtension);

    public static SimclrPretrainResult Run(TransferTask task, SimclrPretrainOptions options, string checkpointPath,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(options);
        if (!task.HasSource)
            throw new ArgumentException($"task '{task.Name}' has no source part to pre-train on; use fashion-split, fashion-to-digits or fashion-interleaved.");
        var simclr = options.Simclr with
        {
            Augmentation = options.Simclr.Augmentation with { HorizontalFlip = options.Simclr.Augmentation.HorizontalFlip && task.HorizontalFlip },
        };
        simclr.Validate();
        options.Probe.Validate();
        string statePath = StatePathFor(checkpointPath);
        if (string.Equals(Path.GetFullPath(statePath), Path.GetFullPath(checkpointPath), StringComparison.Ordinal))
            throw new ArgumentException($"the checkpoint path '{checkpointPath}' already has the SimCLR state extension '{StateExtension}'; use e.g. '.ckpt'.");
        AtomicFile.EnsureWritable(checkpointPath);   // fail now, not after the training
        AtomicFile.EnsureWritable(statePath);

        var clock = Stopwatch.StartNew();
        var train = task.SourceTrain;
        var test = task.SourceTest;
        var spec = new ModelSpec(options.Architecture, train.Channels, train.ClassCount);
        using var model = SimclrModel.Create(spec, options.Projection, simclr.Seed);

        // The baselines first: the random-init probe needs the backbone before training.
        LinearProbeResult? pixels = null, random = null;
        if (options.ProbeBaselines)
        {
            using (var scope = TorchSharp.torch.NewDisposeScope())
                pixels = LinearProbe.Measure(ProbeReport.RawPixelsName, LinearProbe.Pixels(train.Images), train.Labels,
                    LinearProbe.Pixels(test.Images), test.Labels, train.ClassCount, options.Probe);
            ReportProbe(progress, 1, pixels, clock);
            using var initial = ModelFactory.Create(spec, simclr.Seed);
            random = LinearProbe.Measure(ProbeReport.RandomBackboneName, initial.Backbone, train, test, options.Probe);
            ReportProbe(progress, 2, random, clock);
        }

        var training = SimclrTrainer.Train(model, train, simclr, progress, cancellationToken: cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        if (options.RecalibrateBatchNorm)
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            int batch = options.Probe.BatchSize;
            BatchNormRecalibration.Run(model.Backbone, Enumerable.Range(0, (int)((train.Count + batch - 1) / batch))
                .Select(i => train.Images.narrow(0, (long)i * batch, Math.Min(batch, train.Count - (long)i * batch))));
        }

        LinearProbeResult trained;
        using (var trainFeatures = LinearProbe.ExtractFeatures(model.Backbone, train.Images, options.Probe.BatchSize))
        using (var testFeatures = LinearProbe.ExtractFeatures(model.Backbone, test.Images, options.Probe.BatchSize))
        using (var probe = LinearProbe.Fit(trainFeatures, train.Labels, train.ClassCount, options.Probe))
        {
            var trainResult = probe.Evaluate(trainFeatures, train.Labels);
            var testResult = probe.Evaluate(testFeatures, test.Labels);
            trained = new LinearProbeResult(ProbeReport.TrainedBackboneName, probe.Dimension, trainResult.Accuracy, testResult.Accuracy, testResult.NegativeLogLikelihood);
            probe.CopyTo(model.Classifier.Head);
        }
        ReportProbe(progress, 3, trained, clock);
        var report = new ProbeReport(pixels, random, trained);

        var metadata = Metadata(task, simclr, options, training, report);
        Checkpoint.Save(model.Classifier, checkpointPath, metadata);
        SimclrCheckpoint.Save(model, statePath, metadata);
        return new SimclrPretrainResult(checkpointPath, statePath, spec, training, report, clock.Elapsed);
    }

    private static void ReportProbe(IProgress<TrainingProgress>? progress, int step, LinearProbeResult result, Stopwatch clock) =>
        progress?.Report(new TrainingProgress("probe", step, 3, 1, 1, result.TestNll, 0, clock.Elapsed));

    private static Dictionary<string, string> Metadata(TransferTask task, SimclrOptions simclr, SimclrPretrainOptions options,
        SimclrTrainingResult training, ProbeReport report)
    {
        static string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);
        var metadata = new Dictionary<string, string>
        {
            ["task"] = task.Name,
            ["stage"] = "source",
            ["loss"] = LossName,
            ["epochs"] = training.Epochs.ToString(CultureInfo.InvariantCulture),
            ["steps"] = training.Steps.ToString(CultureInfo.InvariantCulture),
            ["seed"] = simclr.Seed.ToString(CultureInfo.InvariantCulture),
            ["batch_size"] = simclr.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["optimizer"] = simclr.Optimizer.ToString().ToLowerInvariant(),
            ["learning_rate"] = F(simclr.LearningRate),
            ["weight_decay"] = F(simclr.WeightDecay),
            ["temperature"] = F(simclr.Temperature),
            ["augmentation"] = simclr.Augmentation.Describe(),
            ["projection"] = string.Create(CultureInfo.InvariantCulture,
                $"{options.Projection.HiddenDimension}-{options.Projection.OutputDimension}{(options.Projection.BatchNorm ? " bn" : "")}"),
            ["final_loss"] = F(training.FinalLoss),
            ["head"] = "linear probe",
            ["batchnorm"] = options.RecalibrateBatchNorm ? "recalibrated on clean source images" : "as trained (augmented views)",
            ["probe_test_accuracy"] = F(report.TrainedBackbone.TestAccuracy),
            // The saved classifier is backbone + probe, so its source test accuracy is the probe's.
            ["source_test_accuracy"] = F(report.TrainedBackbone.TestAccuracy),
        };
        if (report.RawPixels is { } pixels) metadata["probe_raw_pixels_accuracy"] = F(pixels.TestAccuracy);
        if (report.RandomBackbone is { } random) metadata["probe_random_backbone_accuracy"] = F(random.TestAccuracy);
        return metadata;
    }
}
