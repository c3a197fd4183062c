using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Priors;

/// <summary>
/// N(μ, diag(v)): independent coordinates with per-parameter variance v &gt; 0 (e.g. the diagonal-only ablation of a
/// SWAG prior). log p(θ) = −½(Σ (θ−μ)²/v + Σ log v + P·log 2π).
/// </summary>
public sealed class DiagonalGaussian : IPrior
{
    private readonly Tensor precision;
    private readonly Tensor standardDeviation;
    private readonly double logNormaliser;

    /// <param name="mean">μ [P], copied.</param>
    /// <param name="variance">v [P], copied; must be finite and positive.</param>
    /// <param name="dtype">float32 (default) or float64.</param>
    public DiagonalGaussian(Tensor mean, Tensor variance, ScalarType dtype = ScalarType.Float32)
        : this(PrepareInputs(mean, variance, dtype), dtype)
    {
    }

    private DiagonalGaussian((Tensor Mean, Tensor Variance) owned, ScalarType dtype)
    {
        Mean = owned.Mean;
        Variance = owned.Variance;
        DType = dtype;
        Dimension = Mean.shape[0];
        using var scope = NewDisposeScope();
        precision = Variance.reciprocal().DetachFromDisposeScope();
        standardDeviation = Variance.sqrt().DetachFromDisposeScope();
        logNormaliser = -0.5 * (Dimension * PriorMath.Log2Pi + PriorMath.SumLog(Variance));
    }

    public long Dimension { get; }
    public ScalarType DType { get; }
    public Device Device => Mean.device;

    /// <summary>μ [P].</summary>
    public Tensor Mean { get; }

    /// <summary>v [P].</summary>
    public Tensor Variance { get; }

    public Tensor LogProb(Tensor theta)
    {
        using var scope = NewDisposeScope();
        var r = PriorMath.Prepare(theta, Dimension, DType, Device).sub(Mean);
        return r.mul(precision).dot(r).mul(-0.5).add(logNormaliser).MoveToOuterDisposeScope();
    }

    public Tensor Gradient(Tensor theta)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var r = PriorMath.Prepare(theta, Dimension, DType, Device).sub(Mean);
        return r.mul_(precision).neg_().MoveToOuterDisposeScope();
    }

    public Tensor Sample(int count, Generator? generator = null)
    {
        PriorMath.CheckCount(count);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return randn([count, Dimension], DType, Device, generator: generator).mul_(standardDeviation).add_(Mean).MoveToOuterDisposeScope();
    }

    /// <summary>N(μ, λ·diag(v)).</summary>
    public DiagonalGaussian Rescale(double lambda)
    {
        PriorMath.CheckLambda(lambda);
        using var scope = NewDisposeScope();
        return new DiagonalGaussian((PriorMath.OwnedCopy(Mean, DType, Device), Variance.mul(lambda).DetachFromDisposeScope()), DType);
    }

    IPrior IPrior.Rescale(double lambda) => Rescale(lambda);

    public Tensor SolveCovariance(Tensor v)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return PriorMath.Prepare(v, Dimension, DType, Device).mul(precision).MoveToOuterDisposeScope();
    }

    /// <summary>N(μ, diag(v) + c·I).</summary>
    public DiagonalGaussian WithDiagonalShift(double shift)
    {
        PriorMath.CheckShift(shift);
        using var scope = NewDisposeScope();
        return new DiagonalGaussian((PriorMath.OwnedCopy(Mean, DType, Device), Variance.add(shift).DetachFromDisposeScope()), DType);
    }

    IPrior IPrior.WithDiagonalShift(double shift) => WithDiagonalShift(shift);

    public void Dispose()
    {
        Mean.Dispose();
        Variance.Dispose();
        precision.Dispose();
        standardDeviation.Dispose();
    }

    public override string ToString() => $"DiagonalGaussian(P = {Dimension}, {DType})";

    private static (Tensor, Tensor) PrepareInputs(Tensor mean, Tensor variance, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(variance);
        PriorMath.CheckFloating(dtype);
        if (mean.dim() != 1) throw new ArgumentException($"The mean must be 1-D; got [{string.Join(", ", mean.shape)}].", nameof(mean));
        if (variance.dim() != 1 || variance.shape[0] != mean.shape[0])
            throw new ArgumentException($"The variance must have shape [{mean.shape[0]}]; got [{string.Join(", ", variance.shape)}].", nameof(variance));
        var m = PriorMath.OwnedCopy(mean, dtype, mean.device);
        var v = PriorMath.OwnedCopy(variance, dtype, mean.device);
        try
        {
            // Checked after the conversion: a float64 variance can underflow to zero in float32.
            PriorMath.CheckFinite(m, "The mean", nameof(mean));
            PriorMath.CheckPositive(v, $"The variance (in {dtype})", nameof(variance));
        }
        catch
        {
            m.Dispose();
            v.Dispose();
            throw;
        }
        return (m, v);
    }
}
