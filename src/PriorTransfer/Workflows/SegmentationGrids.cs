namespace PriorTransfer.Workflows;

/// <summary>
/// The tuning grid of every segmentation method: 4 configurations each (quick) or 8 (full), so budgets are equal.
/// SGD transfer tunes its weight decay, which is MAP under a zero-mean isotropic prior on every weight (variance
/// 1/(N·wd)); the SGLD methods tune the backbone prior's scale and the decoder/ASPP prior's variance.
/// <para>
/// The decoder variances bracket what SGD transfer's weight decay amounts to (wd = 10⁻² at N = 50 is variance 2); a
/// variance of 0.1 shrank the decoder so hard at N = 50 that validation mIoU fell by 6 points (measured, fashion-split).
/// Learning rates are fixed: SGD with Nesterov momentum 0.9 at 0.01 moves like plain SGLD steps of 0.1, the SGLD rate.
/// λ starts at 10⁷ because the supervised prior's smallest SWAG variance (4·10⁻¹⁰ on fashion-split) makes smaller λ
/// unstable at that rate (step × precision / N above 2 at N = 50); diverged points are recorded, not fatal.
/// </para>
/// </summary>
public static class SegmentationGrids
{
    public const double SgdLearningRate = 0.01;
    public const double SgldLearningRate = 0.1;
    public const double Temperature = 1e-3;

    public static IReadOnlyList<DownstreamHyperparameters> For(SegmentationMethod method, TuningBudget budget)
    {
        bool full = budget == TuningBudget.Full;
        double[] decoderVariances = full ? [1e-1, 1, 10, 100] : [1, 10];
        double[] backbone = method.Prior switch
        {
            BackbonePrior.None => [],
            BackbonePrior.IsotropicZeroMean => [1e-1, 10],
            _ => [1e7, 1e8],
        };
        if (method.Inference == InferenceKind.Sgd)
        {
            double[] decays = full ? [1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1] : [1e-4, 1e-3, 1e-2, 1e-1];
            return decays.Select(wd => new DownstreamHyperparameters(SgdLearningRate, WeightDecay: wd)).ToList();
        }
        return backbone.SelectMany(l => decoderVariances.Select(v =>
            new DownstreamHyperparameters(SgldLearningRate, Lambda: l, HeadVariance: v, Temperature: Temperature))).ToList();
    }
}
