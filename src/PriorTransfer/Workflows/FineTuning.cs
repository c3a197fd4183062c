using System.Diagnostics;
using PriorTransfer.Data;
using PriorTransfer.Models;
using PriorTransfer.Training;

namespace PriorTransfer.Workflows;

/// <summary>Options of standard downstream fine-tuning (the <c>finetune</c> baseline of BENCHMARK.md).</summary>
public sealed record FineTuneOptions
{
    /// <summary>Pre-trained checkpoint whose backbone initialises the model; null trains from random weights.</summary>
    public string? Checkpoint { get; init; }
    /// <summary>Architecture when training from scratch (ignored with a checkpoint, whose architecture is used).</summary>
    public string Architecture { get; init; } = "resnet8";
    public SgdOptions Sgd { get; init; } = new() { Steps = 300, BatchSize = 64, LearningRate = 0.01, WeightDecay = 5e-4 };
    public bool Augment { get; init; } = true;
}

/// <summary>Metrics of one downstream run.</summary>
public sealed record DownstreamResult(string Method, int N, int Seed, EvaluationResult Validation, EvaluationResult Test, TimeSpan Elapsed);

/// <summary>
/// Standard transfer: a new head on the pre-trained backbone (or a randomly initialised network), all layers
/// trained with SGD and weight decay on the n-per-class training subset.
/// </summary>
public static class FineTuning
{
    public static DownstreamResult Run(TransferTask task, int n, int seed, FineTuneOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        // Fail before loading data or building a model: bad options are a one-line fix.
        (options.Sgd with { Seed = seed }).Validate();
        if (options.Checkpoint is not null) Checkpoint.ReadHeader(options.Checkpoint);
        using var train = Subsets.Training(task, n, seed);
        using var validation = Subsets.Validation(task);
        using var model = CreateDownstreamModel(task, options.Checkpoint, options.Architecture, seed);
        var augmentation = options.Augment ? new Augmentation(task.DefaultAugmentation) : null;
        SgdTrainer.Train(model, train, options.Sgd with { Seed = seed }, augmentation: augmentation,
            progress: progress, stage: options.Checkpoint is null ? "scratch" : "finetune", cancellationToken: cancellationToken);
        var validationResult = Evaluator.Evaluate(model, validation);
        var test = Evaluator.Evaluate(model, task.DownstreamTest);
        return new DownstreamResult(options.Checkpoint is null ? "from-scratch" : "finetune", n, seed, validationResult, test, clock.Elapsed);
    }

    /// <summary>A downstream classifier: the checkpoint's backbone (if any) with a new, seeded head for the downstream classes.</summary>
    public static Classifier CreateDownstreamModel(TransferTask task, string? checkpoint, string architecture, int seed)
    {
        var pool = task.DownstreamPool;
        string arch = checkpoint is null ? architecture : Checkpoint.ReadHeader(checkpoint).Spec.Architecture;
        var model = ModelFactory.Create(new ModelSpec(arch, pool.Channels, pool.ClassCount), seed);
        if (checkpoint is not null)
        {
            try { Checkpoint.LoadBackbone(model, checkpoint); }
            catch { model.Dispose(); throw; }
        }
        return model;
    }
}
