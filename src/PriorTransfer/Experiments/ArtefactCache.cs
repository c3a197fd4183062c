using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PriorTransfer.Data;
using PriorTransfer.IO;
using PriorTransfer.Priors;
using PriorTransfer.Serialization;
using PriorTransfer.Training;
using PriorTransfer.Workflows;

namespace PriorTransfer.Experiments;

/// <summary>
/// Source checkpoints and priors shared by the experiments, under <c>&lt;out&gt;/cache/</c>, each named by a hash of
/// its full configuration (task, architecture, epochs, seed, rank, loss, …) so that a different configuration never
/// reuses a stale file. The workflows write their files atomically, so an existing file is a complete one; a
/// <c>.json</c> beside each file records the configuration in words.
/// </summary>
public sealed class ArtefactCache(string folder, Action<string>? say = null)
{
    public string Folder { get; } = folder;

    /// <summary>A supervised source checkpoint for (task, options): trained once, then reused.</summary>
    public string SourceCheckpoint(TransferTask task, PretrainOptions options, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var sgd = options.Sgd;
        string config = Describe("source", ("task", task.Name), ("loss", "supervised"), ("arch", options.Architecture),
            ("epochs", sgd.Epochs), ("steps", sgd.Steps), ("batch", sgd.BatchSize), ("lr", sgd.LearningRate), ("wd", sgd.WeightDecay),
            ("momentum", sgd.Momentum), ("seed", sgd.Seed), ("augment", options.Augment));
        string path = PathFor("source", task.Name, config, ".ckpt");
        if (!File.Exists(path))
        {
            say?.Invoke($"building {Path.GetFileName(path)}: supervised pre-training, {sgd.Epochs} epoch(s) on the {task.Name} source");
            SourcePretraining.Run(task, options, path, progress, ct);
            WriteDescription(path, config);
        }
        return path;
    }

    /// <summary>A SimCLR source checkpoint (backbone + linear probe head) for (task, options).</summary>
    public string SimclrCheckpoint(TransferTask task, SimclrPretrainOptions options, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var s = options.Simclr;
        string config = Describe("source", ("task", task.Name), ("loss", SimclrPretraining.LossName), ("arch", options.Architecture),
            ("epochs", s.Epochs), ("steps", s.Steps), ("batch", s.BatchSize), ("lr", s.LearningRate), ("wd", s.WeightDecay),
            ("temperature", s.Temperature), ("optimizer", s.Optimizer), ("seed", s.Seed), ("probe", options.Probe.Iterations),
            ("bn", options.RecalibrateBatchNorm));
        string path = PathFor("simclr", task.Name, config, ".ckpt");
        if (!File.Exists(path))
        {
            say?.Invoke($"building {Path.GetFileName(path)}: SimCLR on the {task.Name} source images");
            SimclrPretraining.Run(task, options, path, progress, ct);
            WriteDescription(path, config);
        }
        return path;
    }

    /// <summary>A prior (and its SWA-mean checkpoint) learned from <paramref name="checkpoint"/> with <paramref name="options"/>.</summary>
    public string Prior(TransferTask task, string checkpoint, PriorLearningOptions options, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        string config = Describe("prior", ("task", task.Name), ("checkpoint", Path.GetFileName(checkpoint)), ("rank", options.Rank),
            ("snapshots", options.SnapshotCount), ("steps_per_snapshot", options.StepsPerSnapshot), ("lr", options.LearningRate),
            ("batch", options.BatchSize), ("momentum", options.Momentum), ("wd", options.WeightDecay), ("floor", options.VarianceFloor),
            ("augment", options.Augment), ("seed", options.Seed));
        // The loss joins the key only when it is not the supervised one, so that cached supervised priors keep their names.
        if (options.Loss != PriorLoss.Supervised)
            config += Describe("", ("loss", PriorFile.LossName(options.Loss)), ("views", options.SimclrViews.Describe()), ("temperature", options.SimclrTemperature));
        string path = PathFor("prior", task.Name, config, ".prior");
        // The SWA checkpoint is written first and the prior file last: the prior file's presence means both exist.
        if (!File.Exists(path) || !File.Exists(PriorLearning.SwaCheckpointPath(path)))
        {
            say?.Invoke($"building {Path.GetFileName(path)}: SWAG rank {options.Rank}, {options.SnapshotCount} snapshots × {options.StepsPerSnapshot} steps");
            PriorLearning.Run(task, checkpoint, options, path, progress, ct);
            WriteDescription(path, config);
        }
        return path;
    }

    /// <summary>
    /// The prior at <paramref name="priorPath"/> cut to rank <paramref name="rank"/> (<see cref="SwagGaussian.Truncate"/>):
    /// exactly the prior a SWAG run of that rank over the same snapshots learns, without running SWAG again. Its
    /// SWA-mean checkpoint, the same as the source prior's, is copied beside it.
    /// </summary>
    public string TruncatedPrior(TransferTask task, string priorPath, int rank)
    {
        string config = Describe("prior", ("from", Path.GetFileName(priorPath)), ("truncated_rank", rank));
        string path = PathFor("prior", task.Name, config, ".prior");
        string swa = PriorLearning.SwaCheckpointPath(path);
        if (!File.Exists(path) || !File.Exists(swa))
        {
            say?.Invoke($"deriving {Path.GetFileName(path)}: rank {rank} from {Path.GetFileName(priorPath)}");
            using var contents = PriorFile.Read(priorPath);
            using var truncated = contents.Gaussian.Truncate(rank);
            var extra = new Dictionary<string, string>(contents.Manifest.Extra)
            {
                ["truncated_from"] = $"{Path.GetFileName(priorPath)} (rank {contents.Gaussian.Rank})",
            };
            AtomicFile.Copy(PriorLearning.SwaCheckpointPath(priorPath), swa);
            PriorFile.Write(path, truncated, contents.Manifest.Source, extraMetadata: extra);
            WriteDescription(path, config);
        }
        return path;
    }

    /// <summary>The canonical configuration text: kind, then name=value pairs in the given order, invariant culture.</summary>
    public static string Describe(string kind, params (string Name, object? Value)[] values) =>
        kind + ";" + string.Join(";", values.Select(v => $"{v.Name}={Format(v.Value)}"));

    /// <summary>A stable short hash of a configuration text (SHA-256, first 12 hex digits).</summary>
    public static string Hash(string config) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(config)))[..12];

    private string PathFor(string kind, string task, string config, string extension)
    {
        string safeTask = string.Concat(task.Select(c => char.IsLetterOrDigit(c) || c == '-' ? c : '_'));
        return Path.Combine(Folder, $"{kind}-{safeTask}-{Hash(config)}{extension}");
    }

    private static void WriteDescription(string path, string config) =>
        AtomicFile.WriteAllText(path + ".json", "{\"config\": " + System.Text.Json.JsonSerializer.Serialize(config) + "}\n");

    private static string Format(object? value) => value switch
    {
        null => "default",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
