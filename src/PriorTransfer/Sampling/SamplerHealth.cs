using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Sampling;

/// <summary>
/// Health checks and gradient clipping for stochastic-gradient samplers (and any other training loop). The norm and
/// the clip stay on the device (no host synchronisation); <see cref="Check"/> synchronises once, so callers run it
/// every few steps rather than every step (<see cref="SgmcmcOptimizer.HealthCheckInterval"/>).
/// </summary>
public static class SamplerHealth
{
    /// <summary>Default gradient norm above which a chain counts as diverged.</summary>
    public const double DefaultDivergenceGradientNorm = 1e8;

    /// <summary>The global L2 norm ‖(g₁, …, g_n)‖ of the gradients, as a 0-dim float64 tensor (no synchronisation).</summary>
    public static Tensor GradientNorm(IEnumerable<Tensor> gradients)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var norms = gradients.Select(g => linalg.vector_norm(g).to(ScalarType.Float64)).ToArray();
        var norm = norms.Length == 0 ? zeros([], ScalarType.Float64) : linalg.vector_norm(stack(norms));
        return norm.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Scales the gradients in place so that their global norm <paramref name="norm"/> (from <see cref="GradientNorm"/>)
    /// becomes at most <paramref name="maxNorm"/>; gradients already within the bound are untouched. No synchronisation.
    /// </summary>
    public static void ClipGradients(IEnumerable<Tensor> gradients, Tensor norm, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        ArgumentNullException.ThrowIfNull(norm);
        CheckClipNorm(maxNorm);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var coefficient = norm.add(1e-12).reciprocal_().mul_(maxNorm).clamp_max_(1.0);
        foreach (var g in gradients) g.mul_(coefficient);
    }

    /// <summary>
    /// Throws <see cref="SamplerDivergedException"/> when any of <paramref name="tensors"/> holds a NaN or infinite
    /// value, or when <paramref name="gradientNorm"/> (if given) is not finite or exceeds <paramref name="maxGradientNorm"/>.
    /// One host synchronisation when healthy.
    /// </summary>
    /// <param name="stage">What is running, for the message (e.g. "SGLD").</param>
    /// <param name="step">The 1-based step being checked.</param>
    /// <param name="tensors">Named tensors to check (parameters, velocities).</param>
    /// <param name="gradientNorm">The gradient norm of this step (before clipping), or null.</param>
    /// <param name="maxGradientNorm">Largest healthy gradient norm (+∞: only NaN/Inf count).</param>
    /// <param name="context">When the checks ran (e.g. whether the previous one passed), for the message.</param>
    public static void Check(string stage, int step, IReadOnlyList<(string Name, Tensor Values)> tensors, Tensor? gradientNorm,
        double maxGradientNorm = DefaultDivergenceGradientNorm, string? context = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        CheckLimit(maxGradientNorm);
        double norm, badCount;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var bad = zeros([], ScalarType.Float64);
            foreach (var (_, values) in tensors) bad = bad.add(values.isfinite().logical_not().sum().to(ScalarType.Float64));
            var both = stack([gradientNorm?.to(ScalarType.Float64).reshape([]) ?? full([], double.NaN, ScalarType.Float64), bad]).cpu();
            var read = both.data<double>().ToArray();   // the one synchronisation
            norm = read[0];
            badCount = read[1];
        }
        bool gradientBad = gradientNorm is not null && !double.IsFinite(norm);
        if (badCount > 0)
        {
            string gradient = gradientBad ? $", and the gradient norm is {Format(norm)}" : "";
            throw new SamplerDivergedException(stage, step, SamplerFailure.NonFiniteParameters, norm,
                $"{FirstNonFinite(tensors)} holds NaN or infinite values{gradient}", context);
        }
        if (gradientBad)
            throw new SamplerDivergedException(stage, step, SamplerFailure.NonFiniteGradient, norm,
                $"the gradient norm is {Format(norm)} (the loss or its gradient is NaN or infinite)", context);
        if (gradientNorm is not null && norm > maxGradientNorm)
            throw new SamplerDivergedException(stage, step, SamplerFailure.ExplodingGradient, norm,
                $"the gradient norm reached {Format(norm)}, above the divergence limit {Format(maxGradientNorm)}", context);
    }

    internal static void CheckClipNorm(double maxNorm)
    {
        if (!(maxNorm > 0) || double.IsInfinity(maxNorm))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The gradient clip norm must be a positive finite number (e.g. 10).");
    }

    internal static void CheckLimit(double maxGradientNorm)
    {
        if (!(maxGradientNorm > 0))
            throw new ArgumentOutOfRangeException(nameof(maxGradientNorm), maxGradientNorm,
                "The divergence limit on the gradient norm must be positive (+∞ checks only for NaN and infinite values).");
    }

    private static string FirstNonFinite(IReadOnlyList<(string Name, Tensor Values)> tensors)
    {
        using var scope = NewDisposeScope();
        foreach (var (name, values) in tensors)
        {
            var badMask = values.isfinite().logical_not();
            long count = badMask.sum().item<long>();
            if (count == 0) continue;
            return $"{name} (shape [{string.Join(", ", values.shape)}], {count.ToString(CultureInfo.InvariantCulture)} of {values.numel().ToString(CultureInfo.InvariantCulture)} values)";
        }
        return "a tensor";
    }

    private static string Format(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
