using PriorTransfer.Parameters;
using PriorTransfer.Priors;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Priors;

public class SwagCovarianceTests
{
    private const ScalarType F64 = ScalarType.Float64;
    private const int P = 20;

    private static (Tensor Mean, Tensor Variance, Tensor Deviations) Swag(int k, int seed = 3)
    {
        var g = new Generator((ulong)seed);
        return (randn(P, dtype: F64, generator: g), rand(P, dtype: F64, generator: g) * 0.1 + 0.01, randn(P, k, dtype: F64, generator: g) * 0.2);
    }

    [Fact]
    public void SwagGaussianIsHalfDiagonalPlusHalfLowRankOverKMinusOne()
    {
        using var scope = NewDisposeScope();
        var (mean, variance, deviations) = Swag(5);
        var factor = SwagCovariance.CovFactor(deviations);
        Assert.True(Dense.MaxAbs(factor, deviations / 2.0) < 1e-15);   // √(5−1) = 2
        using var prior = SwagCovariance.ToLowRankGaussian(mean, variance, factor, F64);
        var sigma = diag(variance) * 0.5 + deviations.matmul(deviations.t()) * (0.5 / 4);
        var theta = mean + randn(P, dtype: F64, generator: new Generator(1)) * 0.3;
        Assert.Equal(Dense.LogProb(theta, mean, sigma), prior.LogProb(theta).item<double>(), 1e-9);
        // One column: K−1 = 0, so the column is the factor as it is; no column: a diagonal prior.
        var one = deviations.narrow(1, 4, 1);
        Assert.True(Dense.Same(SwagCovariance.CovFactor(one), one));
        Assert.Equal(0, SwagCovariance.CovFactor(deviations.narrow(1, 0, 0)).shape[1]);
    }

    [Fact]
    public void RescalingTheStoredGaussianEqualsRescalingThePrior()
    {
        using var scope = NewDisposeScope();
        var (mean, variance, deviations) = Swag(4);
        var layout = ParameterLayout.FromEntries([("w", [(long)P])]);
        using var g = new SwagGaussian(layout, mean, variance, SwagCovariance.CovFactor(deviations), snapshotCount: 9);
        using var scaledStored = g.Rescale(250);
        using var a = scaledStored.ToPrior();
        using var b0 = g.ToPrior();
        using var b = b0.Rescale(250);
        var theta = mean + 1;
        Assert.Equal(b.LogProb(theta).item<double>(), a.LogProb(theta).item<double>(), 1e-9);
        Assert.Equal(250, scaledStored.Scale);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(2)]
    [InlineData(1)]
    [InlineData(0)]
    public void TruncatingKeepsTheNewestColumnsAsIfSwagHadCollectedThatRank(int rank)
    {
        using var scope = NewDisposeScope();
        var (mean, variance, deviations) = Swag(6);
        var layout = ParameterLayout.FromEntries([("w", [(long)P])]);
        using var full = new SwagGaussian(layout, mean, variance, SwagCovariance.CovFactor(deviations), snapshotCount: 9, scale: 3);
        using var cut = full.Truncate(rank);
        using var direct = new SwagGaussian(layout, mean, variance, SwagCovariance.CovFactor(deviations.narrow(1, 6 - rank, rank)), snapshotCount: 9, scale: 3);
        Assert.Equal(rank, cut.Rank);
        Assert.Equal(9, cut.SnapshotCount);
        Assert.Equal(3, cut.Scale);
        Assert.Equal(direct.CovFactor.shape, cut.CovFactor.shape);
        if (rank > 0) Assert.True(Dense.MaxAbs(cut.CovFactor, direct.CovFactor) < 1e-14);
        Assert.True(Dense.Same(cut.Mean, mean) && Dense.Same(cut.Variance, variance));
        Assert.Equal(6, full.Rank);   // the source is untouched
        Assert.Throws<ArgumentOutOfRangeException>(() => full.Truncate(7));
        Assert.Throws<ArgumentOutOfRangeException>(() => full.Truncate(-1));
    }

    [Fact]
    public void ReferenceCodeMappingIsItsOwnNamedConvention()
    {
        using var scope = NewDisposeScope();
        var (mean, variance, deviations) = Swag(4);
        var factor = SwagCovariance.CovFactor(deviations);
        const double s = 30, eps = 0.1;
        using var reference = SwagCovariance.ReferenceCodeMapping(mean, variance, factor, s, eps, F64);
        var sigma = diag(variance * s + eps) + factor.matmul(factor.t()) * (s * s);
        var theta = mean + 0.5;
        Assert.Equal(Dense.LogProb(theta, mean, sigma), reference.LogProb(theta).item<double>(), 1e-9);
        using var unscaled = SwagCovariance.ToLowRankGaussian(mean, variance, factor, F64);
        using var ours = unscaled.Rescale(s);
        Assert.NotEqual(ours.LogProb(theta).item<double>(), reference.LogProb(theta).item<double>(), 3);
    }

    [Fact]
    public void FactorSpectrumFindsKnownSingularValuesAndRank()
    {
        using var scope = NewDisposeScope();
        var q = linalg.qr(randn(P, 4, dtype: F64, generator: new Generator(2))).Q;
        var singular = tensor(new[] { 3.0, 1.0, 0.5, 0.0 }, dtype: F64);
        var u = q.mul(singular);
        var spectrum = FactorSpectrum.Of(u);
        Assert.Equal(3, spectrum.NumericalRank);
        Assert.Equal(4, spectrum.SingularValues.Count);
        Assert.Equal(3.0, spectrum.SingularValues[0], 1e-10);
        Assert.Equal(1.0, spectrum.SingularValues[1], 1e-10);
        Assert.Equal(0.5, spectrum.SingularValues[2], 1e-10);
        Assert.True(spectrum.SingularValues[3] < 1e-7);
        Assert.Equal(3e-5, spectrum.Tolerance, 1e-12);
        Assert.Equal(0, FactorSpectrum.Of(zeros(P, 0)).NumericalRank);
        var f32 = FactorSpectrum.Of(u.to(ScalarType.Float32));
        Assert.Equal(3, f32.NumericalRank);
    }
}
