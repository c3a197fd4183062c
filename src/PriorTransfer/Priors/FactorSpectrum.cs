using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Priors;

/// <summary>
/// Singular values of a low-rank factor U [P, K] (descending) and its numerical rank: how many exceed
/// <see cref="Tolerance"/> = relative tolerance × the largest. Deviations taken from a mean of the same K snapshots sum
/// to zero, so such a factor has rank K−1: this is how <c>inspect-prior</c> shows it.
/// </summary>
public sealed record FactorSpectrum(IReadOnlyList<double> SingularValues, int NumericalRank, double Tolerance)
{
    /// <summary>
    /// Default relative tolerance. Far above float32 rounding of a factor (≈1e-7 relative) and of the Gram-matrix
    /// route used here (≈1e-8), far below any direction a SWAG factor meaningfully has.
    /// </summary>
    public const double DefaultRelativeTolerance = 1e-5;

    /// <summary>
    /// Computes the spectrum from the K×K Gram matrix UᵀU, accumulated in float64 over row chunks (O(P·K²) time,
    /// no P×K float64 copy).
    /// </summary>
    public static FactorSpectrum Of(Tensor factor, double relativeTolerance = DefaultRelativeTolerance)
    {
        ArgumentNullException.ThrowIfNull(factor);
        if (factor.dim() != 2) throw new ArgumentException($"A factor must be [P, K]; got [{string.Join(", ", factor.shape)}].", nameof(factor));
        if (!(relativeTolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(relativeTolerance), relativeTolerance, "The tolerance must be non-negative.");
        var rows = factor.shape[0];
        var k = (int)factor.shape[1];
        if (k == 0) return new FactorSpectrum([], 0, 0);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var gram = zeros([k, k], ScalarType.Float64, factor.device);
        var chunk = PriorMath.ChunkRows(k);
        for (long start = 0; start < rows; start += chunk)
        {
            using var inner = NewDisposeScope();
            var u = factor.narrow(0, start, Math.Min(chunk, rows - start)).to(ScalarType.Float64);
            gram.add_(u.t().matmul(u));
        }
        var eigenvalues = linalg.eigvalsh(gram.add(gram.t()).mul_(0.5)).clamp_min(0).sqrt().cpu();
        var values = eigenvalues.data<double>().ToArray().OrderByDescending(v => v).ToArray();
        var tolerance = relativeTolerance * values[0];
        return new FactorSpectrum(values, values.Count(v => v > tolerance), tolerance);
    }
}
