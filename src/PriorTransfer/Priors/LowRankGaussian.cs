using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Priors;

/// <summary>
/// N(μ, Σ) with Σ = A + U·Uᵀ: a positive diagonal A [P] plus a low-rank factor U [P, K] — the form of a SWAG
/// posterior used as a prior (build one from SWAG quantities with <see cref="SwagCovariance"/>, never by hand).
/// <para>
/// Everything is O(P·K), never P×P (Woodbury identity and matrix determinant lemma). With the K×K capacitance
/// C = I + Uᵀ·A⁻¹·U = L·Lᵀ, factorised once in float64 when the prior is built:
/// r = θ−μ, a = r/A, b = Uᵀa, rᵀΣ⁻¹r = rᵀa − ‖L⁻¹b‖², log det Σ = Σ log A + log det C, and
/// ∇ log p = −Σ⁻¹r = −(a − A⁻¹·U·C⁻¹b).
/// </para>
/// </summary>
public sealed class LowRankGaussian : IPrior
{
    private readonly Tensor inverseDiagonal;
    private readonly Tensor capacitanceCholesky;   // L, float64 [K, K]
    private readonly Tensor choleskyInverse;       // L⁻¹ in DType
    private readonly Tensor capacitanceInverse;    // C⁻¹ = L⁻ᵀL⁻¹ in DType
    private readonly double logNormaliser;
    private Tensor? residualBuffer;                // [P] work space of LogProb/AddGradient, allocated on first use
    private Tensor? productBuffer;                 // [P] likewise (U·c)

    /// <summary>A prior from μ [P], A [P] (positive) and U [P, K]; the tensors are copied into <paramref name="dtype"/>.</summary>
    public LowRankGaussian(Tensor mean, Tensor diagonal, Tensor factor, ScalarType dtype = ScalarType.Float32)
        : this(CopyInputs(mean, diagonal, factor, dtype), dtype, known: null)
    {
    }

    private LowRankGaussian((Tensor Mean, Tensor Diagonal, Tensor Factor) owned, ScalarType dtype, (Tensor Cholesky, double LogDetDiagonal)? known)
    {
        Mean = owned.Mean;
        Diagonal = owned.Diagonal;
        Factor = owned.Factor;
        DType = dtype;
        Dimension = Mean.shape[0];
        Rank = (int)Factor.shape[1];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        inverseDiagonal = Diagonal.reciprocal().DetachFromDisposeScope();
        var logDetDiagonal = known?.LogDetDiagonal ?? PriorMath.SumLog(Diagonal);
        var cholesky = known is { } k ? k.Cholesky.clone() : CapacitanceCholesky();
        capacitanceCholesky = cholesky.DetachFromDisposeScope();
        var identity = eye(Rank, dtype: ScalarType.Float64);
        var lInverse = Rank == 0 ? identity : linalg.solve_triangular(capacitanceCholesky, identity, upper: false);
        choleskyInverse = lInverse.to(dtype).DetachFromDisposeScope();
        capacitanceInverse = lInverse.t().matmul(lInverse).to(dtype).DetachFromDisposeScope();
        LogDetCapacitance = Rank == 0 ? 0 : 2 * capacitanceCholesky.diagonal().log().sum().item<double>();
        LogDeterminant = logDetDiagonal + LogDetCapacitance;
        logNormaliser = -0.5 * (Dimension * PriorMath.Log2Pi + LogDeterminant);
    }

    /// <summary>
    /// Takes ownership of tensors already in <paramref name="dtype"/> (no copy: for factories that have just built
    /// them). Checks them and disposes them if they are invalid.
    /// </summary>
    internal static LowRankGaussian Adopt(Tensor mean, Tensor diagonal, Tensor factor, ScalarType dtype)
    {
        try
        {
            CheckInputs(mean, diagonal, factor, dtype);
            Check(mean, diagonal, factor, dtype);
            return new LowRankGaussian((mean.DetachFromDisposeScope(), diagonal.DetachFromDisposeScope(), factor.DetachFromDisposeScope()), dtype, known: null);
        }
        catch
        {
            mean.Dispose();
            diagonal.Dispose();
            factor.Dispose();
            throw;
        }
    }

    public long Dimension { get; }
    public ScalarType DType { get; }
    public Device Device => Mean.device;

    /// <summary>K, the number of columns of U (0: a diagonal Gaussian).</summary>
    public int Rank { get; }

    /// <summary>μ [P].</summary>
    public Tensor Mean { get; }

    /// <summary>A [P], the diagonal part of Σ.</summary>
    public Tensor Diagonal { get; }

    /// <summary>U [P, K], the low-rank part of Σ is U·Uᵀ.</summary>
    public Tensor Factor { get; }

    /// <summary>log det Σ (float64).</summary>
    public double LogDeterminant { get; }

    /// <summary>log det C, C = I + Uᵀ·A⁻¹·U (float64).</summary>
    public double LogDetCapacitance { get; }

    public Tensor LogProb(Tensor theta)
    {
        if (!theta.requires_grad) return LogProbNoGrad(theta);
        using var scope = NewDisposeScope();
        var r = PriorMath.Prepare(theta, Dimension, DType, Device).sub(Mean);
        var a = r.mul(inverseDiagonal);
        var quad = r.dot(a);
        if (Rank > 0)
        {
            var y = choleskyInverse.mv(a.matmul(Factor));
            quad = quad.sub(y.dot(y));
        }
        return quad.mul(-0.5).add(logNormaliser).MoveToOuterDisposeScope();
    }

    /// <remarks>Computed in the prior's work vectors (see <see cref="AddGradient"/>); only the result is allocated.</remarks>
    public Tensor Gradient(Tensor theta)
    {
        PriorMath.CheckShape(theta, Dimension);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return SolveResidualInPlace(Residual(theta)).neg().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <paramref name="target"/> += <paramref name="scale"/> · ∇ log p(θ) = target − scale·Σ⁻¹(θ−μ), with the same
    /// arithmetic as <see cref="Gradient"/> but in two work vectors [P] that the prior keeps (allocated on the first
    /// call): a training step then allocates nothing of size P. Not thread-safe: one prior, one caller at a time.
    /// </summary>
    public void AddGradient(Tensor theta, Tensor target, double scale)
    {
        ArgumentNullException.ThrowIfNull(target);
        PriorMath.CheckShape(theta, Dimension);
        if (target.dim() != 1 || target.shape[0] != Dimension)
            throw new ArgumentException($"The target must have shape [{Dimension}]; got [{string.Join(", ", target.shape)}].", nameof(target));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var a = SolveResidualInPlace(Residual(theta));
        target.add_(a.to(target.dtype, target.device), -scale);
    }

    /// <summary>LogProb for a θ that needs no autograd graph: the same arithmetic in the work vectors.</summary>
    private Tensor LogProbNoGrad(Tensor theta)
    {
        PriorMath.CheckShape(theta, Dimension);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var r = Residual(theta);
        var a = Work(ref productBuffer).copy_(r).mul_(inverseDiagonal);
        var quad = r.dot(a);
        if (Rank > 0)
        {
            var y = choleskyInverse.mv(a.matmul(Factor));
            quad = quad.sub(y.dot(y));
        }
        return quad.mul(-0.5).add(logNormaliser).MoveToOuterDisposeScope();
    }

    /// <summary>θ − μ in the residual work vector.</summary>
    private Tensor Residual(Tensor theta) => Work(ref residualBuffer).copy_(theta).sub_(Mean);

    /// <summary>A work vector [P] of the prior's dtype, created on first use and kept (owned, outside any dispose scope).</summary>
    private Tensor Work(ref Tensor? buffer)
    {
        buffer ??= empty(Dimension, DType, Device).DetachFromDisposeScope();
        return buffer.alias();
    }

    /// <summary>Σ·v for v [P], in O(P·K).</summary>
    public Tensor MultiplyCovariance(Tensor v)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var x = PriorMath.Prepare(v, Dimension, DType, Device);
        var result = x.mul(Diagonal);
        if (Rank > 0) result.add_(Factor.mv(x.matmul(Factor)));
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Σ⁻¹·v for v [P], in O(P·K) (Woodbury).</summary>
    public Tensor SolveCovariance(Tensor v)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        // SolveResidual overwrites its argument, and Prepare may return v itself.
        var x = PriorMath.Prepare(v, Dimension, DType, Device).clone();
        return SolveResidual(x).MoveToOuterDisposeScope();
    }

    /// <summary>Exact draws μ + √A ⊙ z₁ + U·z₂ with z₁ ~ N(0, I_P), z₂ ~ N(0, I_K) (drawn in that order).</summary>
    public Tensor Sample(int count, Generator? generator = null)
    {
        PriorMath.CheckCount(count);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var x = randn([count, Dimension], DType, Device, generator: generator).mul_(Diagonal.sqrt());
        if (Rank > 0)
        {
            var z2 = randn([count, Rank], DType, Device, generator: generator);
            x.add_(z2.matmul(Factor.t()));
        }
        return x.add_(Mean).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// N(μ, λ·Σ): A → λA, U → √λ·U. The capacitance C is invariant under this scaling, so it is reused (O(P·K)).
    /// </summary>
    public LowRankGaussian Rescale(double lambda)
    {
        PriorMath.CheckLambda(lambda);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var mean = PriorMath.OwnedCopy(Mean, DType, Device);
        var diagonal = Diagonal.mul(lambda).DetachFromDisposeScope();
        var factor = Factor.mul(Math.Sqrt(lambda)).DetachFromDisposeScope();
        var logDetDiagonal = LogDeterminant - LogDetCapacitance + Dimension * Math.Log(lambda);
        return new LowRankGaussian((mean, diagonal, factor), DType, (capacitanceCholesky, logDetDiagonal));
    }

    IPrior IPrior.Rescale(double lambda) => Rescale(lambda);

    /// <summary>
    /// N(μ, Σ + c·I) for c ≥ 0 (same U, A + c): its <see cref="SolveCovariance"/> applies (Σ + c·I)⁻¹ in O(P·K), the
    /// building block of the curvature-aware preconditioner M = Σ(Σ + c·I)⁻¹ = I − c·(Σ + c·I)⁻¹ (DESIGN.md pitfalls).
    /// </summary>
    public LowRankGaussian WithDiagonalShift(double shift)
    {
        PriorMath.CheckShift(shift);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return Adopt(PriorMath.OwnedCopy(Mean, DType, Device), Diagonal.add(shift).DetachFromDisposeScope(),
            PriorMath.OwnedCopy(Factor, DType, Device), DType);
    }

    IPrior IPrior.WithDiagonalShift(double shift) => WithDiagonalShift(shift);

    /// <summary>diag Σ = A + rowsum(U²) [P]: each parameter's marginal variance.</summary>
    public Tensor MarginalVariance()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var v = Diagonal.clone();
        if (Rank > 0) v.add_(Factor.square().sum(1));
        return v.MoveToOuterDisposeScope();
    }

    /// <summary>trace(Σ)/P, the mean marginal variance (float64).</summary>
    public double MeanMarginalVariance()
    {
        using var scope = NewDisposeScope();
        var total = Diagonal.to(ScalarType.Float64).sum().item<double>();
        if (Rank > 0) total += Factor.to(ScalarType.Float64).square().sum().item<double>();
        return total / Dimension;
    }

    /// <summary>
    /// Ablation "diagonal only": N(μ, A), the low-rank part dropped (for a SWAG prior A = ½·diag(var): the SWAG diagonal
    /// term alone, not the marginal variances).
    /// </summary>
    public DiagonalGaussian ToDiagonal() => new(Mean, Diagonal, DType);

    /// <summary>
    /// Ablation "isotropic with learned mean" (L2-SP-like): N(μ, α·I). α defaults to trace(Σ)/P
    /// (<see cref="MeanMarginalVariance"/>), the isotropic Gaussian with the same total variance; it is meant to be
    /// rescaled (tuned) like the learned prior.
    /// </summary>
    public IsotropicGaussian ToIsotropic(double? variance = null) =>
        new(Dimension, variance ?? MeanMarginalVariance(), Mean, DType, Device);

    public void Dispose()
    {
        Mean.Dispose();
        Diagonal.Dispose();
        Factor.Dispose();
        inverseDiagonal.Dispose();
        capacitanceCholesky.Dispose();
        choleskyInverse.Dispose();
        capacitanceInverse.Dispose();
        residualBuffer?.Dispose();
        productBuffer?.Dispose();
    }

    public override string ToString() => $"LowRankGaussian(P = {Dimension}, K = {Rank}, {DType})";

    /// <summary><see cref="SolveResidual"/> with U·c in the second work vector instead of a new tensor.</summary>
    private Tensor SolveResidualInPlace(Tensor r)
    {
        var a = r.mul_(inverseDiagonal);
        if (Rank == 0) return a;
        var c = capacitanceInverse.mv(a.matmul(Factor));
        var product = Work(ref productBuffer).addmv_(Factor, c, 0, 1);
        return a.sub_(product.mul_(inverseDiagonal));
    }

    /// <summary>Σ⁻¹·r = a − A⁻¹·U·C⁻¹·(Uᵀa), a = r/A. Overwrites <paramref name="r"/> (a fresh residual) with a.</summary>
    private Tensor SolveResidual(Tensor r)
    {
        var a = r.mul_(inverseDiagonal);
        if (Rank == 0) return a;
        var c = capacitanceInverse.mv(a.matmul(Factor));
        return a.sub_(Factor.mv(c).mul_(inverseDiagonal));
    }

    /// <summary>Cholesky factor of C = I + Uᵀ·A⁻¹·U, accumulated in float64 over row chunks (no P×K float64 copy).</summary>
    private Tensor CapacitanceCholesky()
    {
        var c = eye(Rank, dtype: ScalarType.Float64);
        if (Rank == 0) return c;
        var chunk = PriorMath.ChunkRows(Rank);
        for (long start = 0; start < Dimension; start += chunk)
        {
            using var inner = NewDisposeScope();
            var n = Math.Min(chunk, Dimension - start);
            var u = Factor.narrow(0, start, n).to(ScalarType.Float64);
            var scaled = u.mul(inverseDiagonal.narrow(0, start, n).to(ScalarType.Float64).unsqueeze(1));
            c.add_(scaled.t().matmul(u));
        }
        // Symmetrise away rounding before the factorisation.
        var symmetric = c.add(c.t()).mul_(0.5);
        return linalg.cholesky(symmetric);
    }

    private static (Tensor, Tensor, Tensor) CopyInputs(Tensor mean, Tensor diagonal, Tensor factor, ScalarType dtype)
    {
        CheckInputs(mean, diagonal, factor, dtype);
        var device = mean.device;
        var m = PriorMath.OwnedCopy(mean, dtype, device);
        var d = PriorMath.OwnedCopy(diagonal, dtype, device);
        var u = PriorMath.OwnedCopy(factor, dtype, device);
        try
        {
            Check(m, d, u, dtype);
        }
        catch
        {
            m.Dispose();
            d.Dispose();
            u.Dispose();
            throw;
        }
        return (m, d, u);
    }

    private static void CheckInputs(Tensor mean, Tensor diagonal, Tensor factor, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(diagonal);
        ArgumentNullException.ThrowIfNull(factor);
        PriorMath.CheckFloating(dtype);
        if (mean.dim() != 1 || mean.shape[0] < 1) throw new ArgumentException($"The mean must be 1-D and non-empty; got [{string.Join(", ", mean.shape)}].", nameof(mean));
        var p = mean.shape[0];
        if (diagonal.dim() != 1 || diagonal.shape[0] != p)
            throw new ArgumentException($"The diagonal must have shape [{p}]; got [{string.Join(", ", diagonal.shape)}].", nameof(diagonal));
        if (factor.dim() != 2 || factor.shape[0] != p)
            throw new ArgumentException($"The factor must have shape [{p}, K]; got [{string.Join(", ", factor.shape)}].", nameof(factor));
    }

    // After the conversion to dtype: a float64 diagonal can underflow to zero in float32.
    private static void Check(Tensor mean, Tensor diagonal, Tensor factor, ScalarType dtype)
    {
        if (mean.dtype != dtype || diagonal.dtype != dtype || factor.dtype != dtype)
            throw new ArgumentException($"Mean, diagonal and factor must all be {dtype}.");
        PriorMath.CheckFinite(mean, "The mean", nameof(mean));
        PriorMath.CheckPositive(diagonal, $"The diagonal A (in {dtype})", nameof(diagonal));
        PriorMath.CheckFinite(factor, "The factor", nameof(factor));
    }
}
