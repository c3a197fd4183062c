using PriorTransfer.Sampling;
using PriorTransfer.Tests.TestSupport;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Sampling;

public class SghmcTests
{
    // lr/N = 0.01 with friction 0.1: the exact stationary variance of this discretised linear system is within 0.6 %
    // of T·Σ and the chains relax in about 20 steps (computed from the 2×2 update matrix per eigen-direction).
    private const long N = 10;
    private const double Lr = 0.1;

    [Fact]
    public void RecoversGaussianMeanAndCovariance()
    {
        using var generator = new Generator(2024, CPU);
        var moments = GaussianTarget.Run(p => new Sghmc([p], Lr, N, temperature: 1.0, momentum: 0.9, generator: generator), N, chains: 2000, steps: 600, burnIn: 200);
        GaussianTarget.AssertMatches(moments, temperature: 1.0, meanTolerance: 0.05, relativeCovarianceTolerance: 0.06);
    }

    [Fact]
    public void SpreadScalesWithTemperature()
    {
        using var generator = new Generator(77, CPU);
        var moments = GaussianTarget.Run(p => new Sghmc([p], Lr, N, temperature: 4.0, momentum: 0.9, generator: generator), N, chains: 2000, steps: 600, burnIn: 200);
        GaussianTarget.AssertMatches(moments, temperature: 4.0, meanTolerance: 0.05, relativeCovarianceTolerance: 0.06);
    }

    [Fact]
    public void WithoutNoiseIsHeavyBallMomentum()
    {
        // loss = Σ θ³/3 ⇒ ∇ = θ²; v ← m·v − lr·θ², θ ← θ + v, computed by hand.
        double[] start = [0.5, -1.0, 2.0];
        const double momentum = 0.7;
        double[] rates = [0.1, 0.05, 0.2, 0.1];
        using var p = new Parameter(tensor(start, dtype: ScalarType.Float64));
        using var sghmc = new Sghmc([p], rates[0], datasetSize: 3, momentum: momentum) { NoiseEnabled = false };
        var theta = (double[])start.Clone();
        var velocity = new double[start.Length];
        foreach (var lr in rates)
        {
            using var scope = NewDisposeScope();
            sghmc.LearningRate = lr;
            sghmc.zero_grad();
            (p.pow(3).sum() / 3).backward();
            sghmc.step();
            for (var i = 0; i < theta.Length; i++)
            {
                velocity[i] = momentum * velocity[i] - lr * theta[i] * theta[i];
                theta[i] += velocity[i];
            }

            var actual = p.detach().data<double>().ToArray();
            for (var i = 0; i < theta.Length; i++)
                Assert.Equal(theta[i], actual[i], 14);
        }
    }

    [Fact]
    public void WithZeroMomentumEqualsSgldWithTheSameNoise()
    {
        using var initial = randn(new long[] { 50 }, ScalarType.Float64, generator: new Generator(1, CPU));
        using var a = new Parameter(initial.clone());
        using var b = new Parameter(initial.clone());
        using var sghmc = new Sghmc([a], 0.05, datasetSize: 20, temperature: 0.5, momentum: 0.0, generator: new Generator(11, CPU));
        using var sgld = new Sgld([b], 0.05, datasetSize: 20, temperature: 0.5, generator: new Generator(11, CPU));
        Assert.Equal(sgld.NoiseStandardDeviation(0.05), sghmc.NoiseStandardDeviation(0.05), 15);
        for (var i = 0; i < 10; i++)
        {
            using var scope = NewDisposeScope();
            foreach (var (p, opt) in new (Parameter, SgmcmcOptimizer)[] { (a, sghmc), (b, sgld) })
            {
                opt.zero_grad();
                p.pow(2).sum().backward();
                opt.step();
            }
        }

        Assert.True(a.allclose(b, rtol: 1e-12, atol: 1e-12));
    }

    [Fact]
    public void NoiseHasTheDocumentedScale()
    {
        using var p = new Parameter(zeros(200_000, dtype: ScalarType.Float64));
        using var sghmc = new Sghmc([p], learningRate: 0.5, datasetSize: 40, temperature: 2.0, momentum: 0.75, generator: new Generator(3, CPU));
        p.grad = zeros_like(p);
        sghmc.step();
        var expected = Math.Sqrt(2 * 0.25 * 0.5 * 2.0 / 40);
        Assert.Equal(expected, sghmc.NoiseStandardDeviation(0.5), 12);
        using var _ = no_grad();
        Assert.Equal(expected, p.std().item<double>(), 2);
    }

    [Fact]
    public void SameSeedGivesSameTrajectoryAndDifferentSeedsDiffer()
    {
        static Tensor Trajectory(ulong seed)
        {
            using var p = new Parameter(ones(10, dtype: ScalarType.Float64));
            using var sghmc = new Sghmc([p], 0.01, datasetSize: 5, generator: new Generator(seed, CPU));
            for (var i = 0; i < 20; i++)
            {
                using var scope = NewDisposeScope();
                sghmc.zero_grad();
                p.pow(2).sum().backward();
                sghmc.step();
            }

            using var _ = no_grad();
            return p.detach().clone();
        }

        using var first = Trajectory(7);
        using var again = Trajectory(7);
        using var other = Trajectory(8);
        Assert.True(TensorAssert.Identical(first, again));
        Assert.False(first.allclose(other));
    }

    [Fact]
    public void StateDictRoundTripRestoresVelocity()
    {
        using var p = new Parameter(ones(6, dtype: ScalarType.Float64));
        using var sghmc = new Sghmc([p], 0.1, datasetSize: 2, generator: new Generator(4, CPU));
        for (var i = 0; i < 3; i++)
        {
            using var scope = NewDisposeScope();
            sghmc.zero_grad();
            p.pow(2).sum().backward();
            sghmc.step();
        }

        using var stream = new MemoryStream();
        sghmc.save_state_dict(new BinaryWriter(stream));
        stream.Position = 0;
        using var q = new Parameter(ones(6, dtype: ScalarType.Float64));
        using var restored = new Sghmc([q], 0.1, datasetSize: 2);
        restored.load_state_dict(new BinaryReader(stream));
        var original = (SgmcmcOptimizer.ParameterState)sghmc.state_dict().State[0];
        var loaded = (SgmcmcOptimizer.ParameterState)restored.state_dict().State[0];
        Assert.True(TensorAssert.Identical(original.Velocity!, loaded.Velocity!));
    }

    [Fact]
    public void LiveTensorCountStaysFlatOverSteps()
    {
        using var p = new Parameter(randn(32, 8));
        using var q = new Parameter(randn(8));
        using var sghmc = new Sghmc([p, q], 0.01, datasetSize: 100, generator: new Generator(1, CPU));
        void Steps(int count)
        {
            for (var i = 0; i < count; i++)
            {
                using var scope = NewDisposeScope();
                sghmc.zero_grad();
                (p.pow(2).sum() + q.sum()).backward();
                sghmc.LearningRate = 0.01 / (i + 1);
                sghmc.NoiseEnabled = i % 2 == 0;
                sghmc.step();
            }
        }

        Steps(3);
        var before = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        Steps(50);
        Assert.Equal(before, DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void RejectsMomentumOutsideUnitInterval()
    {
        using var p = new Parameter(zeros(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sghmc([p], 0.1, datasetSize: 1, momentum: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sghmc([p], 0.1, datasetSize: 1, momentum: -0.1));
    }
}
