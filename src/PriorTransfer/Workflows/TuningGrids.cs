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
/// The tuning grid of every method, defined in one place so that budgets are equal (3 or 6 points each). What is tuned
/// is each method's most sensitive knob: the learning rate (and weight decay) without a prior, λ with a prior, λ and T
/// for samplers; the full budget adds a second learning rate (samplers: a second temperature). SWAG variances are tiny
/// (1e-10…1e-4), so λ reaches 10⁸ (DESIGN.md, measured pitfalls). The head prior variance is held at 1.
/// <para>
/// MAP fits are preconditioned by default (<see cref="DownstreamHyperparameters.Preconditioned"/>): measured on
/// fashion-split, n = 100, it made every λ stable at lr 0.1, where without it λ ≤ 10⁴ diverges even at lr 0.01.
/// Samplers are not preconditioned and diverge at small λ, so their λ grid starts at 10⁶.
/// </para>
/// </summary>
public static class TuningGrids
{
    /// <summary>The learning rate of quick MAP grids (preconditioned), and the second one of full SGD/MAP grids.</summary>
    public const double MapLearningRate = 0.1;

    /// <summary>The learning rate of quick grids without preconditioning (plain MAP, SGHMC).</summary>
    public const double PlainLearningRate = 0.03;

    /// <summary>
    /// SGLD's learning rate: SGLD has no momentum, so the step SGHMC takes at lr 0.03 with momentum 0.9 is
    /// lr/(1 − 0.9) = 0.3 (measured on fashion-split, n = 100, λ = 10⁸: lr 0.03 / 0.1 / 0.3 gave test accuracy
    /// 0.862 / 0.887 / 0.900 and validation NLL 0.590 / 0.378 / 0.314).
    /// </summary>
    public const double SgldLearningRate = 0.3;

    /// <summary>The grid of <paramref name="method"/> under <paramref name="budget"/>.</summary>
    /// <param name="method">The downstream method.</param>
    /// <param name="budget">3 or 6 configurations.</param>
    /// <param name="precondition">For MAP methods (null: on); other methods refuse <c>true</c>.</param>
    public static IReadOnlyList<DownstreamHyperparameters> For(DownstreamMethod method, TuningBudget budget, bool? precondition = null)
    {
        bool map = method.Inference == InferenceKind.Map;
        if (precondition == true && !map)
            throw new ArgumentException($"method '{method.Id}': the preconditioner applies to MAP methods only.", nameof(precondition));
        bool full = budget == TuningBudget.Full;
        switch (method.Inference)
        {
            case InferenceKind.Sgd:
            case InferenceKind.DeepEnsemble:
                double[] decays = full ? [5e-4, 5e-3] : [5e-4];
                return Cross([0.01, 0.03, 0.1], decays, (lr, wd) => new DownstreamHyperparameters(lr, WeightDecay: wd));
            case InferenceKind.Map:
                bool preconditioned = precondition ?? true;
                double[] mapRates = full ? [PlainLearningRate, MapLearningRate] : [preconditioned ? MapLearningRate : PlainLearningRate];
                return Cross(Scales(method, stableOnly: !preconditioned), mapRates,
                    (l, lr) => new DownstreamHyperparameters(lr, Lambda: l, Preconditioned: preconditioned));
            case InferenceKind.SnapshotEnsemble:
                double[] snapshotRates = full ? [0.01, PlainLearningRate] : [PlainLearningRate];
                return Cross(Scales(method, stableOnly: true), snapshotRates, (l, lr) => new DownstreamHyperparameters(lr, Lambda: l));
            default: // SGHMC, SGLD: λ × temperature
                double[] temperatures = full ? [1e-3, 1e-1] : [1e-3];
                double samplerRate = method.Inference == InferenceKind.Sgld ? SgldLearningRate : PlainLearningRate;
                return Cross(Scales(method, stableOnly: true), temperatures,
                    (l, t) => new DownstreamHyperparameters(samplerRate, Lambda: l, Temperature: t));
        }
    }

    /// <summary>
    /// λ: the zero-mean isotropic prior's variance, or the multiplier of a learned covariance (10⁴…10⁸; from 10⁶ for
    /// fits that are not preconditioned, which diverge below).
    /// </summary>
    private static double[] Scales(DownstreamMethod method, bool stableOnly) =>
        method.Prior == BackbonePrior.IsotropicZeroMean ? [1e-2, 1e-1, 1]
        : stableOnly ? GridSearch.LogGrid(6, 8, 3)
        : GridSearch.LogGrid(4, 8, 3);

    private static List<DownstreamHyperparameters> Cross<TA, TB>(TA[] first, TB[] second, Func<TA, TB, DownstreamHyperparameters> make) =>
        first.SelectMany(a => second.Select(b => make(a, b))).ToList();
}
