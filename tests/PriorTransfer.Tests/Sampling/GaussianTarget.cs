using PriorTransfer.Sampling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Sampling;

/// <summary>
/// A known target for the samplers: loss(θ) = ½(θ−m)ᵀP(θ−m)/N, whose tempered posterior exp(−N·loss/T) is
/// N(m, T·P⁻¹). Many independent 2-D chains run side by side as the rows of one [chains, 2] parameter (their
/// gradients do not interact), so moments pooled over chains and steps are precise in few steps.
/// </summary>
internal static class GaussianTarget
{
    public static readonly double[] Mean = [1.0, -2.0];

    /// <summary>Σ = P⁻¹ (at T = 1): unit variances, correlation 0.5; eigenvalues 1.5 and 0.5.</summary>
    public static readonly double[,] Covariance = { { 1.0, 0.5 }, { 0.5, 1.0 } };

    public sealed record Moments(double[] Mean, double[,] Covariance, long Count);

    /// <summary>
    /// Runs <paramref name="steps"/> sampler steps from θ = 0 (away from m) and pools θ over every other step after
    /// <paramref name="burnIn"/>. The gradient P(θ−m)/N is written into θ.grad directly (the samplers only read
    /// .grad; autograd would add nothing but time).
    /// </summary>
    public static Moments Run(Func<Parameter, SgmcmcOptimizer> makeSampler, long datasetSize, int chains, int steps, int burnIn)
    {
        using var mean = tensor(Mean, dtype: ScalarType.Float64);
        using var precision = tensor(new double[] { 1.0, 0.5, 0.5, 1.0 }, [2, 2], ScalarType.Float64).inverse();
        using var theta = new Parameter(zeros(chains, 2, dtype: ScalarType.Float64));
        theta.grad = zeros_like(theta);
        using var grad = theta.grad!;
        using var sampler = makeSampler(theta);
        using var sum = zeros(2, dtype: ScalarType.Float64);
        using var sumOfSquares = zeros(2, 2, dtype: ScalarType.Float64);
        long count = 0;
        for (var step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            using (no_grad())
                grad.copy_((theta - mean).matmul(precision)).div_(datasetSize);
            sampler.step();
            if (step < burnIn || step % 2 != 0) continue;
            using var _ = no_grad();
            sum.add_(theta.sum(dim: 0));
            sumOfSquares.add_(theta.t().matmul(theta));
            count += chains;
        }

        var m = sum.data<double>().ToArray().Select(v => v / count).ToArray();
        var s = sumOfSquares.data<double>().ToArray();
        var cov = new double[2, 2];
        for (var i = 0; i < 2; i++)
            for (var j = 0; j < 2; j++)
                cov[i, j] = s[i * 2 + j] / count - m[i] * m[j];
        return new Moments(m, cov, count);
    }

    /// <summary>Asserts the pooled moments match N(m, T·Σ) within absolute tolerances (scaled by T for the covariance).</summary>
    public static void AssertMatches(Moments moments, double temperature, double meanTolerance, double relativeCovarianceTolerance)
    {
        for (var i = 0; i < 2; i++)
            Assert.True(Math.Abs(moments.Mean[i] - Mean[i]) < meanTolerance * Math.Sqrt(temperature),
                $"mean[{i}] = {moments.Mean[i]:F4}, expected {Mean[i]} ± {meanTolerance * Math.Sqrt(temperature):F4}");
        for (var i = 0; i < 2; i++)
            for (var j = 0; j < 2; j++)
            {
                var expected = temperature * Covariance[i, j];
                var tolerance = relativeCovarianceTolerance * temperature;
                Assert.True(Math.Abs(moments.Covariance[i, j] - expected) < tolerance,
                    $"cov[{i},{j}] = {moments.Covariance[i, j]:F4}, expected {expected:F4} ± {tolerance:F4}");
            }
    }
}
