using System.Diagnostics;
using PriorTransfer.Data;
using PriorTransfer.Training;

namespace PriorTransfer.Workflows;

/// <summary>Options of the end-to-end demo: small and fast by default (a few minutes on 2 cores).</summary>
public sealed record DemoOptions
{
    public string OutputFolder { get; init; } = Path.Combine("runs", "demo");
    public int PretrainEpochs { get; init; } = 2;
    public int N { get; init; } = 100;
    public int Seed { get; init; }
}

/// <summary>Everything the demo measured.</summary>
public sealed record DemoResult(PretrainResult Pretrain, IReadOnlyList<DownstreamResult> Downstream, TimeSpan Elapsed);

/// <summary>
/// The main job: pre-train on the source task, then compare downstream methods on the same n-image subset.
/// </summary>
public sealed class Demo(DemoOptions options)
{
    public DemoResult Run(TransferTask task, IProgress<TrainingProgress>? progress, Action<string>? say, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string checkpoint = Path.Combine(options.OutputFolder, "resnet8-source.ckpt");
        say?.Invoke($"1. Pre-training resnet8 on the {task.Name} source classes ({options.PretrainEpochs} epochs)");
        var pretrain = SourcePretraining.Run(task, new PretrainOptions
        {
            Sgd = new SgdOptions { Epochs = options.PretrainEpochs, BatchSize = 128, LearningRate = 0.1, WeightDecay = 5e-4, Seed = options.Seed },
        }, checkpoint, progress, cancellationToken);

        var results = new List<DownstreamResult>();
        say?.Invoke($"2. Fine-tuning on n = {options.N} downstream images from the pre-trained backbone");
        results.Add(FineTuning.Run(task, options.N, options.Seed, new FineTuneOptions { Checkpoint = checkpoint }, progress, cancellationToken));
        say?.Invoke($"3. The same from random weights");
        results.Add(FineTuning.Run(task, options.N, options.Seed, new FineTuneOptions(), progress, cancellationToken));
        return new DemoResult(pretrain, results, clock.Elapsed);
    }
}
