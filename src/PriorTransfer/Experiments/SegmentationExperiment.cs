using System.Globalization;
using PriorTransfer.Workflows;

namespace PriorTransfer.Experiments;

/// <summary>
/// Paper Table 1: mean IoU of SGD transfer, a non-learned prior, and learned supervised and self-supervised backbone
/// priors (SGLD, BMA) on scenes of downstream objects (<see cref="SegmentationRun"/>). Records <c>miou</c> (the
/// claim-12 metric), pixel accuracy and NLL, and the BMA samples' own mIoU; writes a PNG of test predictions next to
/// ground truth per run under <c>segmentation/</c>.
/// </summary>
public sealed class SegmentationExperiment : IExperiment
{
    public const string ExperimentId = "segmentation";
    public const string PixelAccuracy = "pixel_accuracy";
    public const string PixelNll = "pixel_nll";
    public const string ValidationMiou = "validation_miou";
    public const string SampleMiou = "sample_miou";

    public string Id => ExperimentId;
    public string Description => "Table 1: mIoU of SGD transfer, non-learned prior, learned supervised and SSL priors (SGLD)";

    /// <summary>Training scenes: n = 50 in the quick profile, BENCHMARK's 10/50/200/1000 in the full one.</summary>
    public static IReadOnlyList<int> Sizes(ExperimentProfile profile) => profile.IsQuick ? [50] : [10, 50, 200, 1000];

    /// <summary>Scenes, steps and cycles per profile: quick fits the 10-minute budget on 2 cores (about 80 s per method).</summary>
    public static SegmentationRunOptions Options(ExperimentProfile profile) => new()
    {
        Checkpoint = "",   // set per run from the context's artefacts
        Budget = profile.IsQuick ? SegmentationRunOptions.QuickBudget : SegmentationRunOptions.FullBudget,
        Tuning = profile.Tuning,
        ValidationScenes = profile.IsQuick ? 64 : 200,
        TestScenes = profile.IsQuick ? 128 : 500,
    };

    public IReadOnlyList<RunSpec> Plan(ExperimentContext context)
    {
        var options = Options(context.Profile);
        return (from seed in context.Profile.Seeds
                from n in Sizes(context.Profile)
                from method in SegmentationMethods.All
                select new RunSpec(Id, context.Task.Name, method.Id, n, seed, context.Profile.Name, new Dictionary<string, string>(),
                    EstimatedSeconds(method, options, n),
                    c => Execute(c, method, n, seed, options))).ToList();
    }

    private static RunOutcome Execute(ExperimentContext context, SegmentationMethod method, int n, int seed, SegmentationRunOptions options)
    {
        string? prior = method == SegmentationMethods.LearnedSupervised ? context.SupervisedPrior()
            : method == SegmentationMethods.LearnedSsl ? context.SimclrPrior()
            : null;
        string preview = Path.Combine(context.OutputFolder, ExperimentId,
            string.Create(CultureInfo.InvariantCulture, $"{context.Task.Name}-{method.Id}-n{n}-seed{seed}.png"));
        var result = SegmentationRun.Run(context.Task, method, n, seed,
            options with { Checkpoint = context.SourceCheckpoint(), Prior = prior, PreviewPath = preview },
            context.Progress, cancellationToken: context.CancellationToken);
        var metrics = new Dictionary<string, double>
        {
            [MetricNames.Miou] = result.MeanIou,
            [PixelAccuracy] = result.PixelAccuracy,
            [PixelNll] = result.PixelNll,
            [ValidationMiou] = result.ValidationMeanIou,
            [MetricNames.EnsembleSize] = result.Samples,
        };
        if (result.MeanSampleIou is { } single) metrics[SampleMiou] = single;
        return new RunOutcome(TransferRun.Hyperparameters(result.Chosen), metrics);
    }

    /// <summary>Measured here: about 9 ms of CPU per image step (64×64 scene, resnet8) over the grid, plus BMA evaluation.</summary>
    private static double EstimatedSeconds(SegmentationMethod method, SegmentationRunOptions options, int n)
    {
        var grid = SegmentationGrids.For(method, options.Tuning).Count;
        int steps = method.Inference == InferenceKind.Sgd ? options.Budget.Steps : options.Budget.SamplerSteps;
        int samples = method.Inference == InferenceKind.Sgd ? 1 : options.Budget.Cycles;
        double train = grid * steps * Math.Min(options.Budget.BatchSize, n) * 0.009;
        double evaluate = (grid * options.ValidationScenes + 2 * options.TestScenes) * samples * 0.004;
        return train + evaluate;
    }
}
