using PriorTransfer.Parameters;
using PriorTransfer.Priors;
using PriorTransfer.Swag;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Swag;

public class SwagCollectorTests
{
    private const ScalarType F64 = ScalarType.Float64;
    private const int P = 12;

    private static ParameterLayout FlatLayout(long p = P) => ParameterLayout.FromEntries([("w", [p])]);

    /// <summary>A scripted stream: snapshots [T, P] in float64.</summary>
    private static Tensor Stream(int count, int seed = 1)
    {
        var g = new Generator((ulong)seed);
        return (randn(P, dtype: F64, generator: g).unsqueeze(0) + randn(count, P, dtype: F64, generator: g) * 0.1).contiguous();
    }

    [Theory]
    [InlineData(3, 7)]   // more snapshots than columns: the ring wraps
    [InlineData(3, 6)]   // wraps to slot 0 exactly
    [InlineData(5, 3)]   // fewer snapshots than the rank: K = 3 columns
    [InlineData(4, 4)]
    public void StatisticsEqualADirectFloat64Computation(int rank, int count)
    {
        using var scope = NewDisposeScope();
        var stream = Stream(count);
        using var swag = new SwagCollector(FlatLayout(), rank);
        for (var t = 0; t < count; t++) swag.Collect(stream[t]);
        Assert.Equal(count, swag.SnapshotCount);
        var k = Math.Min(rank, count);
        Assert.Equal(k, swag.ColumnCount);

        var mean = stream.mean([0]);
        var variance = stream.square().mean([0]) - mean.square();
        var deviations = (stream.narrow(0, count - k, k) - mean).t(); // last K, oldest first, against the final mean
        Assert.True(Dense.MaxAbs(swag.Mean(), mean) < 1e-14);
        Assert.True(Dense.MaxAbs(swag.Variance(), variance) < 1e-14);
        Assert.True(Dense.MaxAbs(swag.Deviations(), deviations) < 1e-14);

        using var gaussian = swag.ToGaussian(F64);
        Assert.Equal(k, gaussian.Rank);
        Assert.Equal(count, gaussian.SnapshotCount);
        Assert.True(Dense.MaxAbs(gaussian.CovFactor, deviations / Math.Sqrt(k - 1)) < 1e-14);
        // Reading the statistics never changes them (the ring buffer is not modified in place).
        Assert.True(Dense.MaxAbs(swag.Deviations(), deviations) < 1e-14);
        using var again = swag.ToGaussian(F64);
        Assert.True(Dense.Same(again.CovFactor, gaussian.CovFactor));

        // The prior is N(mean, ½·diag(var) + ½·D·Dᵀ/(K−1)).
        using var prior = swag.ToPrior(F64);
        var covariance = diag(variance) * 0.5 + deviations.matmul(deviations.t()) * (0.5 / (k - 1));
        var theta = mean + randn(P, dtype: F64, generator: new Generator(4)) * 0.05;
        Assert.Equal(Dense.LogProb(theta, mean, covariance), prior.LogProb(theta).item<double>(), 1e-8);
    }

    [Fact]
    public void RankNeedsMoreSnapshotsThanColumns()
    {
        using var scope = NewDisposeScope();
        const int rank = 4;
        using var exact = new SwagCollector(FlatLayout(), rank);
        using var more = new SwagCollector(FlatLayout(), rank);
        var stream = Stream(rank + 1, seed: 3);
        for (var t = 0; t < rank; t++) exact.Collect(stream[t]);
        for (var t = 0; t <= rank; t++) more.Collect(stream[t]);
        using var g1 = exact.ToGaussian(F64);
        using var g2 = more.ToGaussian(F64);
        Assert.Equal(rank - 1, g1.Spectrum().NumericalRank);
        Assert.Equal(rank, g2.Spectrum().NumericalRank);
        Assert.Equal(rank, g2.Spectrum().SingularValues.Count);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(1)]
    [InlineData(0)]
    public void ATruncatedGaussianEqualsCollectingThatRankOverTheSameSnapshots(int rank)
    {
        using var scope = NewDisposeScope();
        var stream = Stream(8, seed: 5);
        using var high = new SwagCollector(FlatLayout(), rank: 5);
        using var low = new SwagCollector(FlatLayout(), rank);
        for (var t = 0; t < 8; t++)
        {
            high.Collect(stream[t]);
            low.Collect(stream[t]);
        }
        using var direct = low.ToGaussian(F64);
        using var full = high.ToGaussian(F64);
        using var cut = full.Truncate(rank);
        Assert.Equal(rank, direct.Rank);
        Assert.Equal(direct.CovFactor.shape, cut.CovFactor.shape);
        if (rank > 0) Assert.True(Dense.MaxAbs(cut.CovFactor, direct.CovFactor) < 1e-14);
        Assert.True(Dense.Same(cut.Mean, direct.Mean) && Dense.Same(cut.Variance, direct.Variance));
        if (rank == 1)   // K−1 = 0: the newest deviation is the factor as it is
            Assert.True(Dense.MaxAbs(direct.CovFactor.squeeze(1), stream[7] - stream.mean([0])) < 1e-14);
    }

    [Fact]
    public void ASingleSnapshotGivesADiagonalGaussianWithFlooredVariance()
    {
        using var scope = NewDisposeScope();
        using var swag = new SwagCollector(FlatLayout(), rank: 5, varianceFloor: 1e-12);
        var stream = Stream(1);
        swag.Collect(stream[0]);
        using var gaussian = swag.ToGaussian(F64);
        Assert.Equal(0, gaussian.Rank);
        Assert.True(gaussian.Variance.eq(1e-12).all().item<bool>());
        using var prior = gaussian.ToPrior();
        Assert.Equal(0, prior.Rank);
        using var rankZero = new SwagCollector(FlatLayout(), rank: 0);
        rankZero.Collect(stream[0]);
        rankZero.Collect(stream[0] + 1);
        using var diagonal = rankZero.ToGaussian();
        Assert.Equal(0, diagonal.Rank);
        Assert.Equal(0.25, diagonal.Variance.mean().item<float>(), 1e-6);
    }

    [Fact]
    public void CollectingFromAModuleNeverChangesItAndWriteMeanLoadsTheMean()
    {
        using var net = new TinyNet();
        var layout = ParameterLayout.WithPrefixes(net, "backbone");
        using var swag = new SwagCollector(layout, rank: 2);
        var g = new Generator(8);
        var snapshots = new List<Tensor>();
        for (var t = 0; t < 4; t++)
        {
            using (no_grad())
            {
                foreach (var p in net.parameters()) p.add_(randn(p.shape, generator: g) * 0.01);
            }
            var state = ParameterLayout.All(net).Flatten(net).detach();
            swag.Collect(net);
            using var after = ParameterLayout.All(net).Flatten(net).detach();
            Assert.True(Dense.Same(state, after));
            snapshots.Add(layout.Flatten(net).detach());
        }
        Assert.Equal(ScalarType.Float32, swag.ToGaussian().DType);
        using var mean = swag.Mean();
        using var direct = stack(snapshots.Select(s => s.to(F64)).ToArray()).mean([0]);
        Assert.True(Dense.MaxAbs(mean, direct) < 1e-12);
        var head = ParameterLayout.WithPrefixes(net, "head");
        using var headBefore = head.Flatten(net).detach();
        swag.WriteMean(net);
        using var written = layout.Flatten(net).detach();
        Assert.True(Dense.MaxAbs(written, direct) < 1e-6);
        using var headAfter = head.Flatten(net).detach();
        Assert.True(Dense.Same(headBefore, headAfter));
        foreach (var s in snapshots) s.Dispose();
    }

    [Fact]
    public void CollectRejectsBadSnapshotsWithoutCountingThem()
    {
        using var swag = new SwagCollector(FlatLayout(), rank: 2);
        Assert.Throws<InvalidOperationException>(() => swag.Mean());
        using var wrong = zeros(P + 1, dtype: F64);
        Assert.Throws<ArgumentException>(() => swag.Collect(wrong));
        using var nan = full(P, double.NaN, dtype: F64);
        var ex = Assert.Throws<ArgumentException>(() => swag.Collect(nan));
        Assert.Contains("NaN", ex.Message);
        Assert.Equal(0, swag.SnapshotCount);
        using var good = ones(P, dtype: F64);
        swag.Collect(good);
        using var other = ones(P, dtype: ScalarType.Float32);
        Assert.Throws<ArgumentException>(() => swag.Collect(other));
        Assert.Equal(1, swag.SnapshotCount);
        using var net = new TinyNet(channels: 2);
        Assert.Throws<LayoutMismatchException>(() => swag.Collect(net));
    }

    [Fact]
    public void LongStreamsKeepFloat64Accuracy()
    {
        // Weights near 1 moving by 1e-4: the textbook E[θ²]−E[θ]² loses about half the digits here, Welford does not.
        using var scope = NewDisposeScope();
        var g = new Generator(5);
        var stream = ones(500, P, dtype: F64) + randn(500, P, dtype: F64, generator: g) * 1e-4;
        using var swag = new SwagCollector(FlatLayout(), rank: 3);
        for (var t = 0; t < 500; t++) swag.Collect(stream[t]);
        var reference = stream.var(0, unbiased: false);
        var relative = ((swag.Variance() - reference).abs() / reference).max().item<double>();
        Assert.True(relative < 1e-9, $"relative error {relative:G3}");
    }
}

public class SwagLeakTests
{
    [Fact]
    public void CollectingAndBuildingPriorsDoesNotLeakTensors()
    {
        using var net = new TinyNet();
        var layout = ParameterLayout.WithPrefixes(net, "backbone");
        using var swag = new SwagCollector(layout, rank: 2);
        swag.Collect(net);
        swag.Collect(net);
        swag.Collect(net);
        void Round()
        {
            swag.Collect(net);
            using var gaussian = swag.ToGaussian();
            using var prior = gaussian.ToPrior();
            using var composite = CompositePrior.WithIsotropicRemainder(net, layout, prior.Rescale(100), 1.0);
            using var scope = NewDisposeScope();
            var lp = composite.LogProb(net);
            lp.backward();
            composite.AccumulateGradient(net, -0.01);
            net.zero_grad();
            _ = swag.Deviations();
            _ = gaussian.Spectrum();
        }
        Round();
        var baseline = Dense.LiveTensorsAfterCollection();
        for (var i = 0; i < 5; i++)
        {
            Round();
            Assert.Equal(baseline, torch.Tensor.TotalCount);
        }
    }
}
