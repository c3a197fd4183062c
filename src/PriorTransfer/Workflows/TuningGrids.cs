using PriorTransfer.Tuning;

namespace PriorTransfer.Workflows;

/// <summary>How many configurations each method may try on the validation holdout: the same for every method.</summary>
public enum TuningBudget
{
    /// <summary>3 configurations per method.</summary>
    Quick,
    /// <summary>6 configurations per method.</summary>
    Full,
}

/// <summary>
/// The tuning grid of every method, defined in one place so that budgets are equal (3 or 6 points each). SWAG
/// variances are tiny (1e-6…1e-4), so λ reaches 10⁸ (DESIGN.md, measured pitfalls). The head prior variance is held
/// at 1 and the MAP/sampler learning rate at 0.01 in these default grids; pass a custom grid to tune them too.
/// </summary>
public static class TuningGrids
{
    public const double DefaultLearningRate = 0.01;

    public static IReadOnlyList<DownstreamHyperparameters> For(DownstreamMethod method, TuningBudget budget, bool precondition = false)
    {
        if (precondition && method.Inference != InferenceKind.Map)
            throw new ArgumentException($"method '{method.Id}': the preconditioner applies to MAP methods only.", nameof(precondition));
        bool full = budget == TuningBudget.Full;
        double[] lambdas = full ? GridSearch.LogGrid(3, 8, 6) : GridSearch.LogGrid(4, 8, 3);
        switch (method.Inference)
        {
            case InferenceKind.Sgd:
            case InferenceKind.DeepEnsemble:
                double[] rates = [0.003, 0.01, 0.03];
                double[] decays = full ? [5e-4, 5e-3] : [5e-4];
                return rates.SelectMany(lr => decays.Select(wd => new DownstreamHyperparameters(lr, WeightDecay: wd))).ToList();
            case InferenceKind.Map:
            case InferenceKind.SnapshotEnsemble:
                return (method.Prior == BackbonePrior.IsotropicZeroMean ? ZeroMeanVariances(full) : lambdas)
                    .Select(l => new DownstreamHyperparameters(DefaultLearningRate, Lambda: l, Preconditioned: precondition)).ToList();
            default: // SGHMC, SGLD: λ × temperature
                double[] scales = method.Prior == BackbonePrior.IsotropicZeroMean
                    ? full ? [1e-2, 1e-1, 1] : [1e-2, 1e-1, 1]
                    : full ? [1e4, 1e6, 1e8] : [1e4, 1e6, 1e8];
                double[] temperatures = full ? [1e-3, 1e-1] : [1e-3];
                return scales.SelectMany(l => temperatures.Select(t => new DownstreamHyperparameters(DefaultLearningRate, Lambda: l, Temperature: t))).ToList();
        }
    }

    /// <summary>Variances of the zero-mean isotropic prior (a non-learned prior's scale is a variance, not a multiplier).</summary>
    private static double[] ZeroMeanVariances(bool full) => full ? GridSearch.LogGrid(-3, 2, 6) : [1e-2, 1e-1, 1];
}
