using PriorTransfer.Workflows;

namespace PriorTransfer.Experiments;

/// <summary>
/// Rough run-time estimates for the plan printed before a run, from resnet8's throughput on an idle 2-core machine
/// (about 1,000 training and 4,000 evaluated images per second). Contention makes them optimistic; they are for
/// planning, never asserted.
/// </summary>
public static class RunCost
{
    public const double TrainImagesPerSecond = 1000;
    public const double EvalImagesPerSecond = 4000;

    public static double Transfer(DownstreamMethod method, ExperimentProfile profile, int gridSize, long testCount, bool shifts)
    {
        var b = profile.Budget;
        int models = method.Inference switch
        {
            InferenceKind.DeepEnsemble => b.EnsembleSize,
            InferenceKind.Sghmc or InferenceKind.Sgld or InferenceKind.SnapshotEnsemble => b.Cycles,
            _ => 1,
        };
        double trainImages = (method.IsCyclical ? b.SamplerSteps : b.Steps * (method.Inference == InferenceKind.DeepEnsemble ? b.EnsembleSize : 1)) * (double)b.BatchSize;
        double evalImages = models * (500.0 * gridSize + testCount * (models > 1 ? 2 : 1)
            + (shifts ? 3.0 * Math.Min(testCount, profile.ShiftedTestLimit ?? testCount) : 0));
        return gridSize * trainImages / TrainImagesPerSecond + evalImages / EvalImagesPerSecond;
    }
}
