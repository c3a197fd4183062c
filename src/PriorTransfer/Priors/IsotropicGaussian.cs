using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Priors;

/// <summary>
/// N(μ, α·I): an isotropic Gaussian with variance α, zero mean (the usual prior for new layers, and weight decay) or a
/// given mean (L2-SP: the pre-trained weights as mean). log p(θ) = −½(‖θ−μ‖²/α + P·log(2πα)).
/// </summary>
public sealed class IsotropicGaussian : IPrior
{
    private readonly double logNormaliser;

    /// <param name="dimension">P.</param>
    /// <param name="variance">α &gt; 0.</param>
    /// <param name="mean">μ [P], copied; null for zero mean.</param>
    /// <param name="dtype">float32 (default, for training) or float64.</param>
    /// <param name="device">CPU unless given.</param>
    public IsotropicGaussian(long dimension, double variance, Tensor? mean = null, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "The dimension must be positive.");
        if (!(variance > 0) || double.IsInfinity(variance))
            throw new ArgumentOutOfRangeException(nameof(variance), variance, "The variance must be a positive finite number.");
        PriorMath.CheckFloating(dtype);
        Dimension = dimension;
        Variance = variance;
        DType = dtype;
        Device = device ?? mean?.device ?? CPU;
        if (mean is not null)
        {
            if (mean.dim() != 1 || mean.shape[0] != dimension)
                throw new ArgumentException($"The mean must have shape [{dimension}]; got [{string.Join(", ", mean.shape)}].", nameof(mean));
            PriorMath.CheckFinite(mean, "The mean", nameof(mean));
            Mean = PriorMath.OwnedCopy(mean, dtype, Device);
        }
        logNormaliser = -0.5 * dimension * (PriorMath.Log2Pi + Math.Log(variance));
    }

    public long Dimension { get; }
    public ScalarType DType { get; }
    public Device Device { get; }

    /// <summary>α.</summary>
    public double Variance { get; }

    /// <summary>μ [P], or null for a zero mean.</summary>
    public Tensor? Mean { get; }

    public Tensor LogProb(Tensor theta)
    {
        using var scope = NewDisposeScope();
        var r = Residual(theta);
        return r.dot(r).mul(-0.5 / Variance).add(logNormaliser).MoveToOuterDisposeScope();
    }

    public Tensor Gradient(Tensor theta)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return Residual(theta).mul(-1.0 / Variance).MoveToOuterDisposeScope();
    }

    public Tensor Sample(int count, Generator? generator = null)
    {
        PriorMath.CheckCount(count);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var z = randn([count, Dimension], DType, Device, generator: generator).mul_(Math.Sqrt(Variance));
        if (Mean is not null) z.add_(Mean);
        return z.MoveToOuterDisposeScope();
    }

    /// <summary>N(μ, λα·I).</summary>
    public IsotropicGaussian Rescale(double lambda)
    {
        PriorMath.CheckLambda(lambda);
        return new IsotropicGaussian(Dimension, lambda * Variance, Mean, DType, Device);
    }

    IPrior IPrior.Rescale(double lambda) => Rescale(lambda);

    public Tensor SolveCovariance(Tensor v)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return PriorMath.Prepare(v, Dimension, DType, Device).div(Variance).MoveToOuterDisposeScope();
    }

    /// <summary>N(μ, (α + c)·I).</summary>
    public IsotropicGaussian WithDiagonalShift(double shift)
    {
        PriorMath.CheckShift(shift);
        return new IsotropicGaussian(Dimension, Variance + shift, Mean, DType, Device);
    }

    IPrior IPrior.WithDiagonalShift(double shift) => WithDiagonalShift(shift);

    public void Dispose() => Mean?.Dispose();

    public override string ToString() => $"IsotropicGaussian(P = {Dimension}, α = {Variance:G4}, {(Mean is null ? "zero mean" : "given mean")}, {DType})";

    private Tensor Residual(Tensor theta)
    {
        var t = PriorMath.Prepare(theta, Dimension, DType, Device);
        return Mean is null ? t : t.sub(Mean);
    }
}
