using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Priors;

/// <summary>
/// The one place where SWAG quantities become a covariance (paper §3.1, Maddox et al. 2019):
/// <c>Σ = ½·diag(var) + ½·D·Dᵀ/(K−1)</c>, where D [P, K] holds the deviation columns θ_t − θ̄ of the last K
/// snapshots against the final SWA mean and K is the number of columns actually collected (K−1 floored at 1: see
/// <see cref="FactorDivisor"/>). A prior file stores
/// <c>variance</c> = var and <c>cov_factor</c> = F = D/√(K−1), so that Σ = ½·diag(variance) + ½·F·Fᵀ, and the
/// <see cref="LowRankGaussian"/> has A = ½·variance and U = F/√2.
/// <para>
/// Rescaling multiplies the whole covariance: λ·Σ (<see cref="LowRankGaussian.Rescale"/>). The reference code's
/// different mapping is available only as <see cref="ReferenceCodeMapping"/>, by name.
/// </para>
/// </summary>
public static class SwagCovariance
{
    /// <summary>The convention string recorded in prior files.</summary>
    public const string Convention = "swag: Sigma = 0.5*diag(variance) + 0.5*cov_factor*cov_factor^T; cov_factor = D/sqrt(K-1)";

    /// <summary>
    /// √(K−1), the divisor applied to the K ≥ 1 deviation columns; for K = 1, where K−1 = 0, the one column is kept as it
    /// is (divisor 1), so that rank 1 is the newest deviation alone rather than an undefined or empty factor.
    /// </summary>
    public static double FactorDivisor(int columns)
    {
        if (columns < 1)
            throw new ArgumentOutOfRangeException(nameof(columns), columns, "A low-rank factor needs at least one deviation column.");
        return Math.Sqrt(Math.Max(columns - 1, 1));
    }

    /// <summary>
    /// F = D/√(K−1) for deviations D [P, K] (K = the columns actually collected); K = 0 gives an empty [P, 0] factor
    /// (the prior is then diagonal). Result in D's dtype.
    /// </summary>
    public static Tensor CovFactor(Tensor deviations)
    {
        ArgumentNullException.ThrowIfNull(deviations);
        if (deviations.dim() != 2) throw new ArgumentException($"Deviations must be [P, K]; got [{string.Join(", ", deviations.shape)}].", nameof(deviations));
        var k = (int)deviations.shape[1];
        if (k == 0) return empty([deviations.shape[0], 0], deviations.dtype, deviations.device);
        return deviations.div(FactorDivisor(k));
    }

    /// <summary>The SWAG Gaussian N(mean, ½·diag(variance) + ½·F·Fᵀ) as a <see cref="LowRankGaussian"/> in <paramref name="dtype"/>.</summary>
    public static LowRankGaussian ToLowRankGaussian(Tensor mean, Tensor variance, Tensor covFactor, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(variance);
        ArgumentNullException.ThrowIfNull(covFactor);
        PriorMath.CheckFloating(dtype);
        using var noGrad = no_grad();
        var device = mean.device;
        var m = PriorMath.OwnedCopy(mean, dtype, device);
        var a = ConvertScaled(variance, dtype, device, 0.5);
        var u = ConvertScaled(covFactor, dtype, device, Math.Sqrt(0.5));
        return LowRankGaussian.Adopt(m, a, u, dtype);
    }

    /// <summary>
    /// The reference implementation's mapping (BayesianTransferLearning, <c>priorBox/sghmc/utils.py</c>), for
    /// reproducing its numbers only: Σ = diag(s·variance + ε) + (s·F)(s·F)ᵀ, i.e. no halves, the low-rank part scaled
    /// by s² and the diagonal by s plus ε (ε = 0.1 there). <b>Not</b> λ·Σ of <see cref="Convention"/>.
    /// </summary>
    public static LowRankGaussian ReferenceCodeMapping(Tensor mean, Tensor variance, Tensor covFactor, double priorScale, double priorEpsilon = 0.1, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(variance);
        ArgumentNullException.ThrowIfNull(covFactor);
        PriorMath.CheckLambda(priorScale);
        if (!(priorEpsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(priorEpsilon), priorEpsilon, "ε must be non-negative.");
        PriorMath.CheckFloating(dtype);
        using var noGrad = no_grad();
        var device = mean.device;
        var m = PriorMath.OwnedCopy(mean, dtype, device);
        var a = ConvertScaled(variance, dtype, device, priorScale);
        a.add_(priorEpsilon);
        var u = ConvertScaled(covFactor, dtype, device, priorScale);
        return LowRankGaussian.Adopt(m, a, u, dtype);
    }

    private static Tensor ConvertScaled(Tensor source, ScalarType dtype, Device device, double factor)
    {
        using var scope = NewDisposeScope();
        return source.detach().to(dtype, device).mul(factor).contiguous().DetachFromDisposeScope();
    }
}
