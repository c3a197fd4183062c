using PriorTransfer.Data;
using PriorTransfer.Models;
using PriorTransfer.Parameters;
using PriorTransfer.Priors;
using PriorTransfer.Serialization;

namespace PriorTransfer.Workflows;

/// <summary>
/// What downstream methods start from: the task, a pre-trained checkpoint (for fine-tuning and ensembles) and a
/// learned prior file with its SWA-mean checkpoint (for methods with a learned prior). The prior file is read once
/// and validated against the downstream model's backbone; the setup owns it.
/// </summary>
public sealed class DownstreamSetup : IDisposable
{
    private LowRankGaussian? learnedPrior;

    public DownstreamSetup(TransferTask task, string? pretrainedCheckpoint, string? priorPath, string architecture = "resnet8")
    {
        Task = task;
        PretrainedCheckpoint = pretrainedCheckpoint;
        PriorPath = priorPath;
        Architecture = pretrainedCheckpoint is null ? architecture : Checkpoint.ReadHeader(pretrainedCheckpoint).Spec.Architecture;
        if (priorPath is not null && !File.Exists(SwaCheckpoint!))
            throw new FileNotFoundException(
                $"the prior '{priorPath}' has no SWA-mean checkpoint beside it ('{SwaCheckpoint}'); `learn-prior` writes both.", SwaCheckpoint);
    }

    public TransferTask Task { get; }
    public string? PretrainedCheckpoint { get; }
    public string? PriorPath { get; }
    public string Architecture { get; }

    /// <summary>The SWA mean (the prior's mean, with recalibrated BatchNorm statistics) that learned-prior methods start from.</summary>
    public string? SwaCheckpoint => PriorPath is null ? null : PriorLearning.SwaCheckpointPath(PriorPath);

    /// <summary>A new downstream classifier (seeded head) started where <paramref name="method"/> starts.</summary>
    public Classifier CreateModel(DownstreamMethod method, int seed)
    {
        string? start = method.UsesLearnedPrior ? SwaCheckpoint ?? throw MissingPrior(method)
            : method.FromPretrained ? PretrainedCheckpoint ?? throw new ArgumentException(
                $"method '{method.Id}' starts from pre-trained weights: give a --checkpoint (from `pretrain`).")
            : null;
        return CreateDownstreamModel(Task, start, Architecture, seed);
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

    /// <summary>The learned prior over the backbone of <paramref name="model"/> (loaded and validated on first use; owned by the setup).</summary>
    public LowRankGaussian LearnedPrior(Classifier model, DownstreamMethod method)
    {
        if (learnedPrior is null)
        {
            if (PriorPath is null) throw MissingPrior(method);
            using var contents = PriorFile.Load(PriorPath, model);
            learnedPrior = contents.ToPrior();
        }
        return learnedPrior;
    }

    public static ParameterLayout BackboneLayout(Classifier model) => ParameterLayout.WithPrefixes(model, Classifier.BackbonePrefix);

    private static ArgumentException MissingPrior(DownstreamMethod method) =>
        new($"method '{method.Id}' needs a learned prior: give a --prior (from `learn-prior`).");

    public void Dispose() => learnedPrior?.Dispose();
}
