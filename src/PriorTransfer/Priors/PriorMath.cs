using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Priors;

/// <summary>Shared checks and conversions for the Gaussian priors.</summary>
internal static class PriorMath
{
    public static readonly double Log2Pi = Math.Log(2 * Math.PI);

    /// <summary>
    /// Rows per chunk when a [P, K] tensor is checked or reduced piecewise: 2²⁰ elements (8 MB in float64), so that the
    /// temporaries of building a prior stay a small fraction of one P-vector even at P = 25·10⁶.
    /// </summary>
    public static long ChunkRows(long columns) => Math.Max(1, (1L << 20) / Math.Max(1, columns));

    public static void CheckFloating(ScalarType dtype)
    {
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"Priors compute in float32 or float64; got {dtype}.", nameof(dtype));
    }

    /// <summary>Throws unless θ has shape [P].</summary>
    public static void CheckShape(Tensor theta, long dimension)
    {
        ArgumentNullException.ThrowIfNull(theta);
        if (theta.dim() != 1 || theta.shape[0] != dimension)
            throw new ArgumentException($"θ must have shape [{dimension}]; got [{string.Join(", ", theta.shape)}].", nameof(theta));
    }

    /// <summary>θ [P] converted to the prior's dtype and device (no copy when it already is).</summary>
    public static Tensor Prepare(Tensor theta, long dimension, ScalarType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(theta);
        if (theta.dim() != 1 || theta.shape[0] != dimension)
            throw new ArgumentException($"θ must have shape [{dimension}]; got [{string.Join(", ", theta.shape)}].", nameof(theta));
        return theta.to(dtype, device);
    }

    /// <summary>A detached, contiguous copy in <paramref name="dtype"/> on <paramref name="device"/>, owned by the caller (not in any dispose scope).</summary>
    public static Tensor OwnedCopy(Tensor source, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        return source.detach().to(dtype, device, copy: true).contiguous().DetachFromDisposeScope();
    }

    public static void CheckLambda(double lambda)
    {
        if (!(lambda > 0) || double.IsInfinity(lambda))
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "The covariance scale λ must be a positive finite number (it multiplies the prior covariance; λ ≥ 1 weakens the prior, and tuning grids for learned priors span about 1e4 to 1e8).");
    }

    public static void CheckShift(double shift)
    {
        if (!(shift >= 0) || double.IsInfinity(shift))
            throw new ArgumentOutOfRangeException(nameof(shift), shift, "The shift must be a non-negative finite number.");
    }

    public static void CheckCount(int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "The sample count must be non-negative.");
    }

    /// <summary>
    /// Checks that every element of a variance-like tensor is finite and positive. Row chunks along dimension 0 keep the
    /// temporary masks small (a whole-tensor mask of a [P, K] factor would be P·K bytes).
    /// </summary>
    public static void CheckPositive(Tensor values, string what, string paramName)
    {
        if (!AllChunks(values, v => v.isfinite().all()))
            throw new ArgumentException($"{what} contains NaN or infinite values.", paramName);
        if (!AllChunks(values, v => v.gt(0).all()))
        {
            using var scope = NewDisposeScope();
            throw new ArgumentException($"{what} must be positive everywhere; its minimum is {values.min().to(ScalarType.Float64).item<double>():G6}.", paramName);
        }
    }

    public static void CheckFinite(Tensor values, string what, string paramName)
    {
        if (!AllChunks(values, v => v.isfinite().all()))
            throw new ArgumentException($"{what} contains NaN or infinite values.", paramName);
    }

    /// <summary>Σ log(values) accumulated in float64, over row chunks (no whole-tensor float64 copy).</summary>
    public static double SumLog(Tensor values)
    {
        if (values.dim() == 0 || values.shape[0] <= ChunkRows(RowWidth(values)))
        {
            using var whole = NewDisposeScope();
            return values.to(ScalarType.Float64).log().sum().item<double>();
        }
        double total = 0;
        long rows = values.shape[0], chunk = ChunkRows(RowWidth(values));
        for (long start = 0; start < rows; start += chunk)
        {
            using var scope = NewDisposeScope();
            total += values.narrow(0, start, Math.Min(chunk, rows - start)).to(ScalarType.Float64).log().sum().item<double>();
        }
        return total;
    }

    /// <summary>Whether <paramref name="test"/> (a boolean scalar per chunk) holds for every row chunk of <paramref name="values"/>.</summary>
    private static bool AllChunks(Tensor values, Func<Tensor, Tensor> test)
    {
        if (values.dim() == 0 || values.numel() == 0)
        {
            using var whole = NewDisposeScope();
            return test(values).item<bool>();
        }
        long rows = values.shape[0], chunk = ChunkRows(RowWidth(values));
        for (long start = 0; start < rows; start += chunk)
        {
            using var scope = NewDisposeScope();
            if (!test(values.narrow(0, start, Math.Min(chunk, rows - start))).item<bool>()) return false;
        }
        return true;
    }

    /// <summary>Elements per index of dimension 0.</summary>
    private static long RowWidth(Tensor values) => values.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
}
