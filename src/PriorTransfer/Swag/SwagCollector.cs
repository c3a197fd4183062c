using PriorTransfer.Parameters;
using PriorTransfer.Priors;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Swag;

/// <summary>
/// Collects SWAG statistics (Maddox et al. 2019; paper §3.1) from snapshots θ₁..θ_T of a live model's parameters,
/// taken through a <see cref="ParameterLayout"/> (by name) during SGD on the source loss. Never changes the model.
/// <list type="bullet">
/// <item>Mean and variance in float64: the running mean and the running sum of squared deviations (Welford), which
/// gives var = E[θ²] − E[θ]² (divisor T) without the cancellation of the textbook formula; then
/// var = max(var, <see cref="VarianceFloor"/>).</item>
/// <item>The last <see cref="Rank"/> snapshots are kept in a ring buffer (in the snapshots' own dtype, i.e. exactly)
/// and turned into deviation columns θ_t − θ̄ against the <b>final</b> SWA mean θ̄ only when asked, so every column
/// uses the same mean. K = min(<see cref="Rank"/>, T) columns, the factor F = D/√(K−1) (<see cref="SwagCovariance"/>).</item>
/// <item>Deviations from a mean of exactly the same K snapshots sum to zero, so their rank is at most K−1: for a
/// factor of rank K, collect more than K snapshots (K + 1 at least; the mean then includes older snapshots).</item>
/// </list>
/// </summary>
public sealed class SwagCollector : IDisposable
{
    /// <summary>
    /// Default variance floor. Only parameters that never moved hit it (e.g. frozen ones); it keeps the prior's
    /// diagonal positive while leaving every real variance (1e-12 and up in practice) untouched.
    /// </summary>
    public const double DefaultVarianceFloor = 1e-30;

    private readonly Tensor mean;            // float64 [P]
    private readonly Tensor squaredDeviations; // float64 [P], Σ (θ_t − mean_{t−1})(θ_t − mean_t)
    private Tensor? ring;                    // [Rank, P] in the snapshots' dtype
    private int nextSlot;

    /// <param name="layout">Which parameters, by name (usually the feature extractor's).</param>
    /// <param name="rank">K, the number of most recent snapshots kept as deviation columns (0: diagonal SWAG).</param>
    /// <param name="varianceFloor">Lower bound of the diagonal variance (must be positive).</param>
    /// <param name="device">Where the statistics live; CPU unless given.</param>
    public SwagCollector(ParameterLayout layout, int rank, double varianceFloor = DefaultVarianceFloor, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (rank < 0)
            throw new ArgumentOutOfRangeException(nameof(rank), rank,
                "The rank K (number of deviation columns kept) must be ≥ 0: 0 gives a diagonal-only SWAG prior, K ≥ 2 a low-rank factor (the paper uses K = 20).");
        if (!(varianceFloor > 0) || double.IsInfinity(varianceFloor))
            throw new ArgumentOutOfRangeException(nameof(varianceFloor), varianceFloor, "The variance floor must be a positive finite number.");
        Layout = layout;
        Rank = rank;
        VarianceFloor = varianceFloor;
        Device = device ?? CPU;
        mean = zeros(layout.Dimension, ScalarType.Float64, Device).DetachFromDisposeScope();
        squaredDeviations = zeros(layout.Dimension, ScalarType.Float64, Device).DetachFromDisposeScope();
    }

    public ParameterLayout Layout { get; }

    /// <summary>The maximum number of deviation columns K.</summary>
    public int Rank { get; }

    public double VarianceFloor { get; }
    public Device Device { get; }

    /// <summary>T, the number of snapshots collected.</summary>
    public int SnapshotCount { get; private set; }

    /// <summary>The number of deviation columns available now: min(<see cref="Rank"/>, T).</summary>
    public int ColumnCount => Math.Min(Rank, SnapshotCount);

    /// <summary>
    /// Takes a snapshot of the module's parameters (by name; the module is only read). The module is validated against
    /// the layout first, so a parameter the layout lacks is an error rather than silently left out of the prior.
    /// </summary>
    public void Collect(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        Layout.Validate(module);
        using var noGrad = no_grad();
        using var flat = Layout.Flatten(module);
        Collect(flat);
    }

    /// <summary>Takes a snapshot given as a flat vector [P] over <see cref="Layout"/> (float32 or float64).</summary>
    public void Collect(Tensor snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.dim() != 1 || snapshot.shape[0] != Layout.Dimension)
            throw new ArgumentException($"A snapshot must have shape [{Layout.Dimension}]; got [{string.Join(", ", snapshot.shape)}].", nameof(snapshot));
        if (snapshot.dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"Snapshots must be float32 or float64; got {snapshot.dtype}.", nameof(snapshot));
        if (ring is not null && snapshot.dtype != ring.dtype)
            throw new ArgumentException($"Snapshots so far were {ring.dtype}; this one is {snapshot.dtype}.", nameof(snapshot));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var x = snapshot.detach().to(ScalarType.Float64, Device);
        using (var checkScope = NewDisposeScope())
        {
            if (!x.isfinite().all().item<bool>())
                throw new ArgumentException("The snapshot contains NaN or infinite values (did training diverge?); it was not collected.", nameof(snapshot));
        }
        SnapshotCount++;
        var delta = x.sub(mean);
        mean.add_(delta, 1.0 / SnapshotCount);
        squaredDeviations.add_(delta.mul_(x.sub(mean)));
        if (Rank > 0)
        {
            ring ??= zeros([Rank, Layout.Dimension], snapshot.dtype, Device).DetachFromDisposeScope();
            ring[nextSlot].copy_(snapshot.detach());
            nextSlot = (nextSlot + 1) % Rank;
        }
    }

    /// <summary>The SWA mean θ̄ [P], float64 (a copy, owned by the caller).</summary>
    public Tensor Mean()
    {
        RequireSnapshots();
        return mean.clone();
    }

    /// <summary>max(E[θ²] − E[θ]², floor) [P], float64 (owned by the caller).</summary>
    public Tensor Variance()
    {
        RequireSnapshots();
        using var scope = NewDisposeScope();
        return squaredDeviations.div(SnapshotCount).clamp_min_(VarianceFloor).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// D [P, K]: the last K = <see cref="ColumnCount"/> snapshots minus the final mean, oldest column first, float64
    /// (owned by the caller).
    /// </summary>
    public Tensor Deviations()
    {
        RequireSnapshots();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var columns = ColumnCount;
        if (columns == 0) return empty([Layout.Dimension, 0], ScalarType.Float64, Device).MoveToOuterDisposeScope();
        // Not in place: for float64 snapshots .to() aliases the ring buffer.
        return OrderedSnapshots().to(ScalarType.Float64).sub(mean).t().contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The SWAG Gaussian (mean, variance, F = D/√(K−1)) in <paramref name="dtype"/>; K = <see cref="ColumnCount"/>,
    /// or 0 after a single snapshot. Computed over row chunks, so no [P, K] float64 copy is made.
    /// </summary>
    public SwagGaussian ToGaussian(ScalarType dtype = ScalarType.Float32)
    {
        RequireSnapshots();
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"A SWAG Gaussian is float32 or float64; got {dtype}.", nameof(dtype));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        // One snapshot's deviation from itself is zero: no low-rank part until there are two.
        var columns = SnapshotCount >= 2 ? ColumnCount : 0;
        var factor = empty([Layout.Dimension, columns], dtype, Device);
        if (columns > 0)
        {
            var snapshots = OrderedSnapshots();
            var divisor = SwagCovariance.FactorDivisor(columns);
            var chunk = Math.Max(1, (1L << 22) / columns);
            for (long start = 0; start < Layout.Dimension; start += chunk)
            {
                using var inner = NewDisposeScope();
                var n = Math.Min(chunk, Layout.Dimension - start);
                var deviations = snapshots.narrow(1, start, n).to(ScalarType.Float64).sub(mean.narrow(0, start, n)); // not in place: may alias the ring
                factor.narrow(0, start, n).copy_(deviations.t().div_(divisor));
            }
        }
        var meanOut = mean.to(dtype, copy: true);
        var varianceOut = Variance().to(dtype);
        // A floor below float32's range would underflow to 0 after the conversion: keep the stored variance positive.
        if (dtype == ScalarType.Float32) varianceOut.clamp_min_(float.Epsilon);
        return SwagGaussian.Adopt(Layout, meanOut.DetachFromDisposeScope(), varianceOut.DetachFromDisposeScope(),
            factor.DetachFromDisposeScope(), SnapshotCount, scale: 1.0);
    }

    /// <summary>The SWAG prior N(θ̄, ½·diag(var) + ½·D·Dᵀ/(K−1)) in <paramref name="dtype"/> (float32 for use, float64 for tests).</summary>
    public LowRankGaussian ToPrior(ScalarType dtype = ScalarType.Float32)
    {
        using var gaussian = ToGaussian(dtype);
        return gaussian.ToPrior();
    }

    /// <summary>Loads the SWA mean θ̄ into the module's parameters (the only method that writes to a model).</summary>
    public void WriteMean(nn.Module module)
    {
        RequireSnapshots();
        Layout.Write(module, mean);
    }

    /// <summary>Forgets every snapshot (e.g. to restart collection).</summary>
    public void Reset()
    {
        using var noGrad = no_grad();
        mean.zero_();
        squaredDeviations.zero_();
        ring?.Dispose();
        ring = null;
        nextSlot = 0;
        SnapshotCount = 0;
    }

    public void Dispose()
    {
        mean.Dispose();
        squaredDeviations.Dispose();
        ring?.Dispose();
    }

    public override string ToString() => $"SwagCollector(P = {Layout.Dimension}, rank {Rank}, {SnapshotCount} snapshots)";

    /// <summary>The kept snapshots [K, P], oldest first (in the current dispose scope).</summary>
    private Tensor OrderedSnapshots()
    {
        var kept = ring!.narrow(0, 0, ColumnCount);
        if (SnapshotCount <= Rank || nextSlot == 0) return kept;
        // Full ring: the oldest snapshot is the one about to be overwritten.
        return cat([ring.narrow(0, nextSlot, Rank - nextSlot), ring.narrow(0, 0, nextSlot)], 0);
    }

    private void RequireSnapshots()
    {
        if (SnapshotCount == 0) throw new InvalidOperationException("No snapshot has been collected yet: call Collect first.");
    }
}
