using PriorTransfer.Priors;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Priors;

/// <summary>Each prior against a dense float64 multivariate normal (P = 30, K = 4).</summary>
public class GaussianPriorTests
{
    private const int P = 30;
    private const int K = 4;
    private const ScalarType F64 = ScalarType.Float64;

    private sealed class Fixture : IDisposable
    {
        public Fixture(int seed = 7, int rank = K)
        {
            var g = new Generator((ulong)seed);
            Mean = randn(P, dtype: F64, generator: g);
            Diagonal = rand(P, dtype: F64, generator: g).add_(0.05);
            Factor = randn(P, rank, dtype: F64, generator: g).mul_(0.7);
            Covariance = Dense.LowRankCovariance(Diagonal, Factor);
            Thetas = Enumerable.Range(0, 5).Select(_ => randn(P, dtype: F64, generator: g).mul_(1.5)).ToArray();
        }

        public Tensor Mean { get; }
        public Tensor Diagonal { get; }
        public Tensor Factor { get; }
        public Tensor Covariance { get; }
        public Tensor[] Thetas { get; }

        public void Dispose()
        {
            Mean.Dispose();
            Diagonal.Dispose();
            Factor.Dispose();
            Covariance.Dispose();
            foreach (var t in Thetas) t.Dispose();
        }
    }

    [Fact]
    public void LowRankLogProbEqualsDenseReference()
    {
        using var f = new Fixture();
        using var prior = new LowRankGaussian(f.Mean, f.Diagonal, f.Factor, F64);
        foreach (var theta in f.Thetas.Append(f.Mean))
        {
            using var lp = prior.LogProb(theta);
            Assert.Equal(F64, lp.dtype);
            Assert.Equal(0, lp.dim());
            var expected = Dense.LogProb(theta, f.Mean, f.Covariance);
            Assert.Equal(expected, lp.item<double>(), 1e-9);
        }
        using var cov = f.Covariance.clone();
        using var dense = linalg.slogdet(cov).Item2;
        Assert.Equal(dense.item<double>(), prior.LogDeterminant, 1e-9);
    }

    [Fact]
    public void LowRankGradientEqualsAutogradAndDenseReference()
    {
        using var f = new Fixture();
        using var prior = new LowRankGaussian(f.Mean, f.Diagonal, f.Factor, F64);
        foreach (var theta in f.Thetas)
        {
            using var scope = NewDisposeScope();
            var leaf = theta.clone().requires_grad_(true);
            prior.LogProb(leaf).backward();
            var closed = prior.Gradient(theta);
            Assert.False(closed.requires_grad);
            Assert.True(Dense.MaxAbs(closed, leaf.grad!) < 1e-10);
            Assert.True(Dense.MaxAbs(closed, Dense.Gradient(theta, f.Mean, f.Covariance)) < 1e-10);
        }
    }

    [Fact]
    public void CovarianceProductsMatchDenseAndInvertEachOther()
    {
        using var f = new Fixture();
        using var prior = new LowRankGaussian(f.Mean, f.Diagonal, f.Factor, F64);
        using var scope = NewDisposeScope();
        var v = f.Thetas[0];
        Assert.True(Dense.MaxAbs(prior.MultiplyCovariance(v), f.Covariance.mv(v)) < 1e-12);
        Assert.True(Dense.MaxAbs(prior.SolveCovariance(prior.MultiplyCovariance(v)), v) < 1e-10);
        Assert.True(Dense.MaxAbs(prior.MarginalVariance(), f.Covariance.diagonal()) < 1e-12);
        Assert.Equal(f.Covariance.diagonal().mean().item<double>(), prior.MeanMarginalVariance(), 1e-12);
    }

    [Fact]
    public void DiagonalShiftSolvesTheShiftedCovariance()
    {
        using var f = new Fixture();
        using var prior = new LowRankGaussian(f.Mean, f.Diagonal, f.Factor, F64);
        using var shifted = prior.WithDiagonalShift(0.37);
        using var scope = NewDisposeScope();
        var v = f.Thetas[3];
        var dense = linalg.solve(f.Covariance + eye(P, dtype: F64) * 0.37, v.unsqueeze(1)).squeeze(1);
        Assert.True(Dense.MaxAbs(shifted.SolveCovariance(v), dense) < 1e-10);
        Assert.Throws<ArgumentOutOfRangeException>(() => prior.WithDiagonalShift(-1));
    }

    [Theory]
    [InlineData(1e-3)]
    [InlineData(7.5)]
    [InlineData(1e6)]
    public void RescaleEqualsDenseScaledCovariance(double lambda)
    {
        using var f = new Fixture();
        using var prior = new LowRankGaussian(f.Mean, f.Diagonal, f.Factor, F64);
        using var scaled = prior.Rescale(lambda);
        using var scaledCovariance = f.Covariance * lambda;
        using var rebuilt = new LowRankGaussian(f.Mean, f.Diagonal * lambda, f.Factor * Math.Sqrt(lambda), F64);
        Assert.Equal(rebuilt.LogDeterminant, scaled.LogDeterminant, 1e-9);
        foreach (var theta in f.Thetas)
        {
            using var lp = scaled.LogProb(theta);
            var expected = Dense.LogProb(theta, f.Mean, scaledCovariance);
            Assert.Equal(expected, lp.item<double>(), 1e-8);
            using var g = scaled.Gradient(theta);
            using var dg = Dense.Gradient(theta, f.Mean, scaledCovariance);
            Assert.True(Dense.MaxAbs(g, dg) < 1e-9 * Math.Max(1, 1 / lambda));
        }
        // The original is untouched.
        using var lp0 = prior.LogProb(f.Thetas[0]);
        Assert.Equal(Dense.LogProb(f.Thetas[0], f.Mean, f.Covariance), lp0.item<double>(), 1e-9);
    }

    [Fact]
    public void SampleMomentsMatchMeanAndCovariance()
    {
        using var f = new Fixture(seed: 11);
        using var prior = new LowRankGaussian(f.Mean, f.Diagonal, f.Factor, F64);
        const int n = 100_000;
        using var scope = NewDisposeScope();
        var samples = prior.Sample(n, new Generator(2024));
        Assert.Equal([n, P], samples.shape);
        var empiricalMean = samples.mean([0]);
        var centred = samples - empiricalMean;
        var empiricalCov = centred.t().matmul(centred) / (n - 1);

        // Standard errors: Var(mean_i) = Σii/n; Var(cov_ij) ≈ (Σii·Σjj + Σij²)/n. Allow 5 standard errors.
        var sd = f.Covariance.diagonal().sqrt();
        var meanError = (empiricalMean - f.Mean).abs() / (sd / Math.Sqrt(n));
        Assert.True(meanError.max().item<double>() < 5, $"mean off by {meanError.max().item<double>():F2} standard errors");
        var covSe = (sd.outer(sd).square() + f.Covariance.square()).div(n).sqrt();
        var covError = (empiricalCov - f.Covariance).abs() / covSe;
        Assert.True(covError.max().item<double>() < 5.5, $"covariance off by {covError.max().item<double>():F2} standard errors");

        // Same generator seed, same draws; the global generator is never used.
        var again = prior.Sample(3, new Generator(5));
        var again2 = prior.Sample(3, new Generator(5));
        Assert.True(Dense.Same(again, again2));
    }

    [Fact]
    public void IsotropicAndDiagonalEqualDenseReferences()
    {
        using var f = new Fixture();
        using var iso0 = new IsotropicGaussian(P, 0.3, dtype: F64);
        using var iso = new IsotropicGaussian(P, 0.3, f.Mean, F64);
        using var diagPrior = new DiagonalGaussian(f.Mean, f.Diagonal, F64);
        using var zero = zeros(P, dtype: F64);
        using var isoCov = eye(P, dtype: F64) * 0.3;
        using var diagCov = diag(f.Diagonal);
        foreach (var theta in f.Thetas)
        {
            using var scope = NewDisposeScope();
            Assert.Equal(Dense.LogProb(theta, zero, isoCov), iso0.LogProb(theta).item<double>(), 1e-10);
            Assert.Equal(Dense.LogProb(theta, f.Mean, isoCov), iso.LogProb(theta).item<double>(), 1e-10);
            Assert.Equal(Dense.LogProb(theta, f.Mean, diagCov), diagPrior.LogProb(theta).item<double>(), 1e-10);
            Assert.True(Dense.MaxAbs(iso0.Gradient(theta), Dense.Gradient(theta, zero, isoCov)) < 1e-12);
            Assert.True(Dense.MaxAbs(iso.Gradient(theta), Dense.Gradient(theta, f.Mean, isoCov)) < 1e-12);
            Assert.True(Dense.MaxAbs(diagPrior.Gradient(theta), Dense.Gradient(theta, f.Mean, diagCov)) < 1e-10);

            var leaf = theta.clone().requires_grad_(true);
            diagPrior.LogProb(leaf).backward();
            Assert.True(Dense.MaxAbs(diagPrior.Gradient(theta), leaf.grad!) < 1e-12);

            var scaledIso = iso.Rescale(4);
            Assert.Equal(Dense.LogProb(theta, f.Mean, isoCov * 4), scaledIso.LogProb(theta).item<double>(), 1e-10);
            scaledIso.Dispose();
            using var scaledDiag = diagPrior.Rescale(0.25);
            Assert.Equal(Dense.LogProb(theta, f.Mean, diagCov * 0.25), scaledDiag.LogProb(theta).item<double>(), 1e-10);
        }
    }

    [Fact]
    public void IsotropicAndDiagonalSampleMoments()
    {
        using var f = new Fixture();
        using var iso = new IsotropicGaussian(P, 0.3, f.Mean, F64);
        using var diagPrior = new DiagonalGaussian(f.Mean, f.Diagonal, F64);
        using var scope = NewDisposeScope();
        const int n = 50_000;
        foreach (var (prior, variance) in new (IPrior, Tensor)[] { (iso, full(P, 0.3, dtype: F64)), (diagPrior, f.Diagonal) })
        {
            var s = prior.Sample(n, new Generator(3));
            var meanError = (s.mean([0]) - f.Mean).abs() / (variance.sqrt() / Math.Sqrt(n));
            Assert.True(meanError.max().item<double>() < 5);
            var varRatio = s.var(0) / variance;
            Assert.True((varRatio - 1).abs().max().item<double>() < 5 * Math.Sqrt(2.0 / n));
        }
    }

    [Fact]
    public void DerivedAblationPriors()
    {
        using var f = new Fixture();
        using var prior = new LowRankGaussian(f.Mean, f.Diagonal, f.Factor, F64);
        using var diagonalOnly = prior.ToDiagonal();
        using var isotropic = prior.ToIsotropic();
        using var fixedIso = prior.ToIsotropic(0.01);
        using var scope = NewDisposeScope();
        var theta = f.Thetas[1];
        Assert.Equal(Dense.LogProb(theta, f.Mean, diag(f.Diagonal)), diagonalOnly.LogProb(theta).item<double>(), 1e-10);
        var alpha = f.Covariance.diagonal().mean().item<double>();
        Assert.Equal(alpha, isotropic.Variance, 1e-12);
        Assert.True(Dense.Same(isotropic.Mean!, f.Mean));
        Assert.Equal(0.01, fixedIso.Variance);
    }

    [Fact]
    public void RankZeroIsDiagonal()
    {
        using var f = new Fixture(rank: 0);
        using var prior = new LowRankGaussian(f.Mean, f.Diagonal, f.Factor, F64);
        using var diagPrior = new DiagonalGaussian(f.Mean, f.Diagonal, F64);
        using var scope = NewDisposeScope();
        Assert.Equal(0, prior.Rank);
        Assert.Equal(diagPrior.LogProb(f.Thetas[0]).item<double>(), prior.LogProb(f.Thetas[0]).item<double>(), 1e-10);
        Assert.Equal([4, P], prior.Sample(4, new Generator(1)).shape);
        var rescaled = prior.Rescale(3);
        var diagRescaled = diagPrior.Rescale(3);
        Assert.Equal(diagRescaled.LogProb(f.Thetas[0]).item<double>(), rescaled.LogProb(f.Thetas[0]).item<double>(), 1e-9);
        rescaled.Dispose();
        diagRescaled.Dispose();
    }

    [Fact]
    public void Float32AgreesWithFloat64()
    {
        using var f = new Fixture();
        using var p64 = new LowRankGaussian(f.Mean, f.Diagonal, f.Factor, F64);
        using var p32 = new LowRankGaussian(f.Mean, f.Diagonal, f.Factor);
        using var scope = NewDisposeScope();
        Assert.Equal(ScalarType.Float32, p32.DType);
        var theta32 = f.Thetas[2].to(ScalarType.Float32);
        var lp32 = p32.LogProb(theta32);
        Assert.Equal(ScalarType.Float32, lp32.dtype);
        var lp64 = p64.LogProb(f.Thetas[2]).item<double>();
        Assert.True(Math.Abs(lp32.item<float>() - lp64) < 1e-4 * Math.Abs(lp64));
        // A float64 θ given to a float32 prior is converted; the result follows the prior's dtype.
        Assert.Equal(ScalarType.Float32, p32.LogProb(f.Thetas[2]).dtype);
        var g32 = p32.Gradient(theta32);
        var g64 = p64.Gradient(f.Thetas[2]);
        Assert.True(Dense.MaxAbs(g32, g64) < 1e-4 * g64.abs().max().item<double>());
    }

    [Fact]
    public void InvalidInputsAreRejectedWithClearMessages()
    {
        using var f = new Fixture();
        using var prior = new LowRankGaussian(f.Mean, f.Diagonal, f.Factor, F64);
        using var wrong = zeros(P + 1, dtype: F64);
        var ex = Assert.Throws<ArgumentException>(() => prior.LogProb(wrong));
        Assert.Contains($"[{P}]", ex.Message);
        using var negative = f.Diagonal - 1;
        Assert.Throws<ArgumentException>(() => new LowRankGaussian(f.Mean, negative, f.Factor, F64));
        using var tiny = full(P, 1e-60, dtype: F64);
        var underflow = Assert.Throws<ArgumentException>(() => new LowRankGaussian(f.Mean, tiny, f.Factor));
        Assert.Contains("Float32", underflow.Message);
        using var nan = f.Factor.clone();
        nan[0, 0] = tensor(double.NaN);
        Assert.Throws<ArgumentException>(() => new LowRankGaussian(f.Mean, f.Diagonal, nan, F64));
        Assert.Throws<ArgumentOutOfRangeException>(() => prior.Rescale(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => prior.Rescale(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IsotropicGaussian(P, -1));
    }

    [Fact]
    public void PriorsOwnTheirTensors()
    {
        var f = new Fixture();
        var prior = new LowRankGaussian(f.Mean, f.Diagonal, f.Factor, F64);
        using var theta = f.Thetas[0].clone();
        using var before = prior.LogProb(theta);
        f.Dispose();
        using var after = prior.LogProb(theta);
        Assert.Equal(before.item<double>(), after.item<double>());
        prior.Dispose();
    }

    [Fact]
    public void LogProbAndGradientDoNotLeakTensors()
    {
        using var f = new Fixture();
        using var lowRank = new LowRankGaussian(f.Mean, f.Diagonal, f.Factor);
        using var isotropic = new IsotropicGaussian(P, 0.5, f.Mean);
        using var theta = f.Thetas[0].to(ScalarType.Float32).requires_grad_(true);
        void Step()
        {
            using var scope = NewDisposeScope();
            var lp = lowRank.LogProb(theta).add(isotropic.LogProb(theta));
            lp.backward();
            _ = lowRank.Gradient(theta);
            _ = lowRank.Sample(2, new Generator(1));
            _ = lp.item<float>();
            theta.grad!.zero_();
        }
        Step();
        var baseline = Dense.LiveTensorsAfterCollection();
        for (var i = 0; i < 50; i++) Step();
        Assert.Equal(baseline, torch.Tensor.TotalCount);
    }
}
