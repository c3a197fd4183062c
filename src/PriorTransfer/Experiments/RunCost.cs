using PriorTransfer.Workflows;

namespace PriorTransfer.Experiments;

/// <summary>
/// Rough run-time estimates for the plan printed before a run, from resnet8's throughput on an idle 2-core machine
/// with 2 threads (session 3's `bench --quick`: a batch-64 step in 36 ms, 1,000 images evaluated in 139 ms; before the
/// CLI kept freed native memory, page faults halved both). Contention makes them optimistic, and one thread per
/// process about doubles them; they are for planning, never asserted.
/// </summary>
public static class RunCost
{
    public const double TrainImagesPerSecond = 1800;
    public const double EvalImagesPerSecond = 7000;

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
