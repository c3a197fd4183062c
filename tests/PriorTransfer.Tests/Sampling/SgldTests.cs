using PriorTransfer.Sampling;
using PriorTransfer.Tests.TestSupport;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Sampling;

public class SgldTests
{
    // lr/N = 0.03: lr·λ/N = 0.06 along the largest precision (2) biases that variance up by 1/(1 − 0.03) ≈ 3 %;
    // the slowest direction relaxes in N/(lr·λ_min) = 50 steps, so 300 burn-in steps forget the start θ = 0 (e^-6).
    private const long N = 10;
    private const double Lr = 0.3;

    [Fact]
    public void RecoversGaussianMeanAndCovariance()
    {
        using var generator = new Generator(1234, CPU);
        var moments = GaussianTarget.Run(p => new Sgld([p], Lr, N, temperature: 1.0, generator: generator), N, chains: 2000, steps: 800, burnIn: 300);
        GaussianTarget.AssertMatches(moments, temperature: 1.0, meanTolerance: 0.05, relativeCovarianceTolerance: 0.06);
    }

    [Fact]
    public void SpreadScalesWithTemperature()
    {
        using var generator = new Generator(99, CPU);
        var moments = GaussianTarget.Run(p => new Sgld([p], Lr, N, temperature: 0.25, generator: generator), N, chains: 2000, steps: 800, burnIn: 300);
        GaussianTarget.AssertMatches(moments, temperature: 0.25, meanTolerance: 0.05, relativeCovarianceTolerance: 0.06);
    }

    [Fact]
    public void WithoutNoiseEqualsTorchSgdExactly()
    {
        using var initial = randn(new long[] { 4, 3 }, ScalarType.Float64, generator: new Generator(5, CPU));
        using var a = new Parameter(initial.clone());
        using var b = new Parameter(initial.clone());
        using var sgld = new Sgld([a], 0.3, datasetSize: 7) { NoiseEnabled = false };
        using var sgd = torch.optim.SGD([b], 0.3);
        double[] rates = [0.3, 0.1, 0.05, 0.2];
        foreach (var lr in rates)
        {
            using var scope = NewDisposeScope();
            sgld.LearningRate = lr;
            sgd.ParamGroups.First().LearningRate = lr;
            foreach (var (p, opt) in new (Parameter, torch.optim.Optimizer)[] { (a, sgld), (b, sgd) })
            {
                opt.zero_grad();
                (p.pow(3).sum() + p.sin().sum()).backward();
                opt.step();
            }

            Assert.True(TensorAssert.Identical(a, b), $"SGLD without noise differs from SGD at lr {lr}.");
        }
    }

    [Fact]
    public void NoiseHasTheDocumentedScale()
    {
        // With zero gradient, one step adds exactly sqrt(2·lr·T/N)·ξ.
        using var p = new Parameter(zeros(200_000, dtype: ScalarType.Float64));
        using var sgld = new Sgld([p], learningRate: 0.5, datasetSize: 40, temperature: 2.0, generator: new Generator(3, CPU));
        p.grad = zeros_like(p);
        sgld.step();
        var expected = Math.Sqrt(2 * 0.5 * 2.0 / 40);
        Assert.Equal(expected, sgld.NoiseStandardDeviation(0.5), 12);
        using var _ = no_grad();
        Assert.Equal(expected, p.std().item<double>(), 2);
        Assert.Equal(0.0, p.mean().item<double>(), 2);
    }

    [Fact]
    public void SameSeedGivesSameTrajectoryAndDifferentSeedsDiffer()
    {
        static Tensor Trajectory(ulong seed)
        {
            using var generator = new Generator(seed, CPU);
            using var p = new Parameter(ones(10, dtype: ScalarType.Float64));
            using var sgld = new Sgld([p], 0.01, datasetSize: 5, generator: generator);
            for (var i = 0; i < 20; i++)
            {
                using var scope = NewDisposeScope();
                sgld.zero_grad();
                p.pow(2).sum().backward();
                sgld.step();
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
    public void DoesNotTouchTheGlobalGenerator()
    {
        torch.random.manual_seed(42);
        using var expected = rand(5);
        torch.random.manual_seed(42);
        using (var p = new Parameter(zeros(100)))
        using (var sgld = new Sgld([p], 0.1, datasetSize: 1))
        {
            p.grad = zeros_like(p);
            sgld.step();
        }

        using var actual = rand(5);
        Assert.True(TensorAssert.Identical(expected, actual));
    }

    [Fact]
    public void LiveTensorCountStaysFlatOverSteps()
    {
        using var p = new Parameter(randn(32, 8));
        using var sgld = new Sgld([p], 0.01, datasetSize: 100, generator: new Generator(1, CPU));
        void Steps(int count)
        {
            for (var i = 0; i < count; i++)
            {
                using var scope = NewDisposeScope();
                sgld.zero_grad();
                p.pow(2).sum().backward();
                sgld.LearningRate = 0.01 / (i + 1);
                sgld.step();
            }
        }

        Steps(3);
        var before = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        Steps(50);
        Assert.Equal(before, DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void RejectsInvalidSettings()
    {
        using var p = new Parameter(zeros(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgld([p], 0.1, datasetSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgld([p], -0.1, datasetSize: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgld([p], 0.1, datasetSize: 1, temperature: -1));
        using var sgld = new Sgld([p], 0.1, datasetSize: 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => sgld.LearningRate = double.NaN);
    }
}
