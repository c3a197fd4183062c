using PriorTransfer.Parameters;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Priors;

/// <summary>
/// A SWAG posterior in SWAG's own terms — SWA mean [P], diagonal variance [P] and cov_factor F = D/√(K−1) [P, K]
/// over a <see cref="ParameterLayout"/> — exactly what a prior file stores. <see cref="ToPrior"/> turns it into the
/// <see cref="LowRankGaussian"/> N(mean, ½·diag(variance) + ½·F·Fᵀ) (<see cref="SwagCovariance"/>). Owns its tensors.
/// </summary>
public sealed class SwagGaussian : IDisposable
{
    /// <summary>Copies the tensors (all in <paramref name="mean"/>'s float dtype).</summary>
    public SwagGaussian(ParameterLayout layout, Tensor mean, Tensor variance, Tensor covFactor, int snapshotCount, double scale = 1.0)
        : this(layout, Copy(mean, variance, covFactor), snapshotCount, scale)
    {
    }

    private SwagGaussian(ParameterLayout layout, (Tensor Mean, Tensor Variance, Tensor CovFactor) owned, int snapshotCount, double scale)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(layout);
            Validate(layout, owned.Mean, owned.Variance, owned.CovFactor, snapshotCount, scale);
        }
        catch
        {
            owned.Mean.Dispose();
            owned.Variance.Dispose();
            owned.CovFactor.Dispose();
            throw;
        }
        Layout = layout;
        Mean = owned.Mean.DetachFromDisposeScope();
        Variance = owned.Variance.DetachFromDisposeScope();
        CovFactor = owned.CovFactor.DetachFromDisposeScope();
        SnapshotCount = snapshotCount;
        Scale = scale;
    }

    /// <summary>Takes ownership of freshly made tensors (no copy); disposes them if they are invalid.</summary>
    internal static SwagGaussian Adopt(ParameterLayout layout, Tensor mean, Tensor variance, Tensor covFactor, int snapshotCount, double scale) =>
        new(layout, (mean, variance, covFactor), snapshotCount, scale);

    public ParameterLayout Layout { get; }

    /// <summary>The SWA mean θ̄ [P].</summary>
    public Tensor Mean { get; }

    /// <summary>The SWAG diagonal variance [P] (already floored, always positive).</summary>
    public Tensor Variance { get; }

    /// <summary>F = D/√(K−1) [P, K].</summary>
    public Tensor CovFactor { get; }

    /// <summary>K, the number of deviation columns (0: a diagonal Gaussian).</summary>
    public int Rank => (int)CovFactor.shape[1];

    public long Dimension => Mean.shape[0];
    public ScalarType DType => Mean.dtype;

    /// <summary>How many snapshots went into the mean and variance.</summary>
    public int SnapshotCount { get; }

    /// <summary>λ already applied to the covariance (1: none).</summary>
    public double Scale { get; }

    /// <summary>N(mean, ½·diag(variance) + ½·F·Fᵀ) in <paramref name="dtype"/> (default: this object's dtype).</summary>
    public LowRankGaussian ToPrior(ScalarType? dtype = null) =>
        SwagCovariance.ToLowRankGaussian(Mean, Variance, CovFactor, dtype ?? DType);

    /// <summary>The same Gaussian with covariance λ·Σ (variance·λ, F·√λ); <see cref="Scale"/> records the product.</summary>
    public SwagGaussian Rescale(double lambda)
    {
        PriorMath.CheckLambda(lambda);
        using var noGrad = no_grad();
        return Adopt(Layout, Mean.clone(), Variance.mul(lambda), CovFactor.mul(Math.Sqrt(lambda)), SnapshotCount, Scale * lambda);
    }

    /// <summary>
    /// The Gaussian a SWAG run over the same snapshots with rank <paramref name="rank"/> gives: the newest
    /// <paramref name="rank"/> columns of F (columns are oldest first, as SWAG and prior files keep them), rescaled
    /// from √(K−1) to √(k−1) (<see cref="SwagCovariance.FactorDivisor"/>); the mean and variance do not depend on K.
    /// 0 keeps the diagonal alone. The scale λ carries over unchanged.
    /// </summary>
    public SwagGaussian Truncate(int rank)
    {
        if (rank < 0 || rank > Rank)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"A truncated rank must be between 0 and this Gaussian's K = {Rank}.");
        using var noGrad = no_grad();
        var kept = CovFactor.narrow(1, Rank - rank, rank);
        var factor = rank == 0 ? kept.clone() : kept.mul(SwagCovariance.FactorDivisor(Rank) / SwagCovariance.FactorDivisor(rank)).contiguous();
        return Adopt(Layout, Mean.clone(), Variance.clone(), factor, SnapshotCount, Scale);
    }

    /// <summary>A copy in another float dtype.</summary>
    public SwagGaussian To(ScalarType dtype)
    {
        PriorMath.CheckFloating(dtype);
        return Adopt(Layout, Mean.to(dtype, copy: true), Variance.to(dtype, copy: true), CovFactor.to(dtype, copy: true), SnapshotCount, Scale);
    }

    /// <summary>Singular values and numerical rank of F.</summary>
    public FactorSpectrum Spectrum(double relativeTolerance = FactorSpectrum.DefaultRelativeTolerance) =>
        FactorSpectrum.Of(CovFactor, relativeTolerance);

    public void Dispose()
    {
        Mean.Dispose();
        Variance.Dispose();
        CovFactor.Dispose();
    }

    public override string ToString() => $"SwagGaussian(P = {Dimension}, K = {Rank}, snapshots = {SnapshotCount}, scale = {Scale:G4}, {DType})";

    private static (Tensor, Tensor, Tensor) Copy(Tensor mean, Tensor variance, Tensor covFactor)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(variance);
        ArgumentNullException.ThrowIfNull(covFactor);
        PriorMath.CheckFloating(mean.dtype);
        return (PriorMath.OwnedCopy(mean, mean.dtype, mean.device),
                PriorMath.OwnedCopy(variance, mean.dtype, mean.device),
                PriorMath.OwnedCopy(covFactor, mean.dtype, mean.device));
    }

    private static void Validate(ParameterLayout layout, Tensor mean, Tensor variance, Tensor covFactor, int snapshotCount, double scale)
    {
        var p = layout.Dimension;
        if (mean.dim() != 1 || mean.shape[0] != p)
            throw new ArgumentException($"The mean must have shape [{p}] (the layout's P); got [{string.Join(", ", mean.shape)}].", nameof(mean));
        if (variance.dim() != 1 || variance.shape[0] != p)
            throw new ArgumentException($"The variance must have shape [{p}]; got [{string.Join(", ", variance.shape)}].", nameof(variance));
        if (covFactor.dim() != 2 || covFactor.shape[0] != p)
            throw new ArgumentException($"The cov_factor must have shape [{p}, K]; got [{string.Join(", ", covFactor.shape)}].", nameof(covFactor));
        if (variance.dtype != mean.dtype || covFactor.dtype != mean.dtype)
            throw new ArgumentException("Mean, variance and cov_factor must have the same dtype.");
        if (snapshotCount < 1) throw new ArgumentOutOfRangeException(nameof(snapshotCount), snapshotCount, "A SWAG Gaussian needs at least one snapshot.");
        if (!(scale > 0) || double.IsInfinity(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be positive and finite.");
        PriorMath.CheckFinite(mean, "The mean", nameof(mean));
        PriorMath.CheckPositive(variance, "The variance", nameof(variance));
        PriorMath.CheckFinite(covFactor, "The cov_factor", nameof(covFactor));
    }
}
