using System.Diagnostics;
using PriorTransfer.Data;
using PriorTransfer.Training;
using PriorTransfer.Tuning;

namespace PriorTransfer.Workflows;

/// <summary>Options of the end-to-end demo: small and fast by default (minutes on 2 cores).</summary>
public sealed record DemoOptions
{
    public string OutputFolder { get; init; } = Path.Combine("runs", "demo");
    public int PretrainEpochs { get; init; } = 2;
    public int N { get; init; } = 100;
    public int Seed { get; init; }
    public IReadOnlyList<DownstreamMethod> Methods { get; init; } =
        [DownstreamMethods.FromScratch, DownstreamMethods.Finetune, DownstreamMethods.MapLearned, DownstreamMethods.BayesLearned];
}

/// <summary>Everything the demo measured.</summary>
public sealed record DemoResult(PretrainResult Pretrain, PriorLearningResult Prior, IReadOnlyList<DownstreamResult> Downstream, TimeSpan Elapsed);

/// <summary>
/// The main job: pre-train on the source task, learn a SWAG prior, then compare downstream methods on the same
/// n-image subset, each tuned on the validation holdout with the quick budget.
/// </summary>
public sealed class Demo(DemoOptions options)
{
    public DemoResult Run(TransferTask task, IProgress<TrainingProgress>? progress, Action<string>? say,
        Action<GridPoint<DownstreamHyperparameters>>? onGridPoint, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string checkpoint = Path.Combine(options.OutputFolder, "resnet8-source.ckpt");
        say?.Invoke($"1/3 Pre-training resnet8 on the {task.Name} source classes ({options.PretrainEpochs} epoch(s))");
        var pretrain = SourcePretraining.Run(task, new PretrainOptions
        {
            Sgd = new SgdOptions { Epochs = options.PretrainEpochs, BatchSize = 128, LearningRate = 0.1, WeightDecay = 5e-4, Seed = options.Seed },
        }, checkpoint, progress, cancellationToken);

        say?.Invoke("2/3 Learning the prior: SWAG, rank 10, 11 snapshots");
        string priorPath = Path.Combine(options.OutputFolder, "resnet8-supervised.prior");
        var prior = PriorLearning.Run(task, checkpoint,
            new PriorLearningOptions { Rank = 10, StepsPerSnapshot = 20, Seed = options.Seed }, priorPath, progress, cancellationToken);

        var results = new List<DownstreamResult>();
        using var setup = new DownstreamSetup(task, checkpoint, priorPath);
        foreach (var method in options.Methods)
        {
            say?.Invoke($"3/3 {method.Id} on n = {options.N} ({method.Description}), tuned on the validation holdout");
            results.Add(DownstreamRun.Run(setup, method, options.N, options.Seed, DownstreamBudget.Quick,
                TuningGrids.For(method, TuningBudget.Quick), progress, onGridPoint, cancellationToken));
        }
        return new DemoResult(pretrain, prior, results, clock.Elapsed);
    }
}
