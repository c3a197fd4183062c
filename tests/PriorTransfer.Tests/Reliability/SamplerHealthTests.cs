using PriorTransfer.Metrics;
using PriorTransfer.Sampling;
using PriorTransfer.Tests.TestSupport;
using PriorTransfer.Training;
using PriorTransfer.Tuning;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Reliability;

public class SamplerHealthTests
{
    /// <summary>Two independent parameters, so that a NaN in one does not spread to the other.</summary>
    private sealed class Pair : nn.Module<Tensor, Tensor>
    {
        private readonly Parameter first;
        private readonly Parameter second;

        public Pair() : base(nameof(Pair))
        {
            first = new Parameter(ones(3));
            second = new Parameter(ones(2, 2));
            RegisterComponents();
        }

        public Parameter First => first;

        public Parameter Second => second;

        /// <summary>A quadratic bowl, scaled.</summary>
        public Tensor Loss(double scale = 1.0) => (first.square().sum() + second.square().sum()) * scale;

        public override Tensor forward(Tensor input) => Loss();
    }

    private static Tensor Flat(Pair model)
    {
        using var noGrad = no_grad();
        return cat(model.parameters().Select(p => p.detach().flatten()).ToArray());
    }

    private static void Step(SgmcmcOptimizer sampler, Pair model, double scale = 1.0)
    {
        using var scope = NewDisposeScope();
        sampler.zero_grad();
        model.Loss(scale).backward();
        sampler.step();
    }

    [Fact]
    public void NaNParameterIsCaughtAtTheNextCheckWithItsNameAndStep()
    {
        using var model = new Pair();
        using var sgld = new Sgld(model.parameters(), 0.01, datasetSize: 10, generator: new Generator(1)) { HealthCheckInterval = 2 };
        sgld.NameParameters(model);
        Step(sgld, model);
        Step(sgld, model);   // step 2: checked, healthy
        using (no_grad()) model.Second[0, 1] = float.NaN;
        Step(sgld, model);   // step 3: not checked, no synchronisation
        var e = Assert.Throws<SamplerDivergedException>(() => Step(sgld, model));
        Assert.Equal(4, e.Step);
        Assert.Equal("SGLD", e.Stage);
        Assert.Equal(SamplerFailure.NonFiniteParameters, e.Failure);
        Assert.Contains("parameter 'second' (shape [2, 2], 1 of 4 values) holds NaN or infinite values", e.Message);
        Assert.Contains("at step 4", e.Message);
        Assert.Contains("the check at step 2 passed", e.Message);
        Assert.Contains("Lower the learning rate", e.Message);
        Assert.IsAssignableFrom<TrainingDivergedException>(e);
    }

    [Fact]
    public void TheHelperNamesTheFirstBadTensorItIsGiven()
    {
        using var theta = ones(3);
        using var velocity = zeros(3);
        velocity[1] = float.PositiveInfinity;
        var e = Assert.Throws<SamplerDivergedException>(() =>
            SamplerHealth.Check("SGHMC", 9, [("parameter 'first'", theta), ("the velocity of parameter 'first'", velocity)], gradientNorm: null));
        Assert.Contains("the velocity of parameter 'first' (shape [3], 1 of 3 values)", e.Message);
        Assert.Equal(9, e.Step);
    }

    [Fact]
    public void ExplodingGradientIsCaughtAndTheLimitIsConfigurable()
    {
        using var model = new Pair();
        using var sghmc = new Sghmc(model.parameters(), 1e-12, datasetSize: 10, generator: new Generator(1)) { HealthCheckInterval = 3 };
        Step(sghmc, model, scale: 1e9);
        Step(sghmc, model, scale: 1e9);
        var e = Assert.Throws<SamplerDivergedException>(() => Step(sghmc, model, scale: 1e9));
        Assert.Equal(3, e.Step);
        Assert.Equal(SamplerFailure.ExplodingGradient, e.Failure);
        Assert.InRange(e.GradientNorm, 5e9, 5.3e9);   // ‖2·10⁹·θ‖ with θ ≈ 1 (7 coordinates), moved a little by two steps
        Assert.Contains("SGHMC: the gradient norm reached 5.2", e.Message);
        Assert.Contains("above the divergence limit 1E+08", e.Message);
        Assert.Contains("first check", e.Message);

        using var tolerant = new Sghmc(model.parameters(), 1e-12, datasetSize: 10, generator: new Generator(1))
        {
            HealthCheckInterval = 1,
            DivergenceGradientNorm = double.PositiveInfinity,
        };
        for (int i = 0; i < 3; i++) Step(tolerant, model, scale: 1e9);
    }

    [Fact]
    public void NonFiniteGradientAloneIsNamedAsSuch()
    {
        using var theta = ones(4);
        using var norm = full([], double.NaN, ScalarType.Float64);
        var e = Assert.Throws<SamplerDivergedException>(() => SamplerHealth.Check("SGLD", 7, [("parameter #0", theta)], norm));
        Assert.Equal(SamplerFailure.NonFiniteGradient, e.Failure);
        Assert.Contains("the gradient norm is NaN", e.Message);
        Assert.Contains("at step 7", e.Message);
        using var fine = tensor(3.0, ScalarType.Float64);
        SamplerHealth.Check("SGLD", 8, [("parameter #0", theta)], fine);
    }

    [Fact]
    public void ChecksRunOnlyEveryIntervalAndCanBeTurnedOff()
    {
        using var model = new Pair();
        using var sgld = new Sgld(model.parameters(), 0.01, datasetSize: 10, generator: new Generator(1));
        Assert.Equal(SgmcmcOptimizer.DefaultHealthCheckInterval, sgld.HealthCheckInterval);
        Assert.Equal(SamplerHealth.DefaultDivergenceGradientNorm, sgld.DivergenceGradientNorm);
        Assert.Null(sgld.GradientClipNorm);
        using (no_grad()) model.First[0] = float.NaN;
        for (int i = 1; i < SgmcmcOptimizer.DefaultHealthCheckInterval; i++) Step(sgld, model);
        Assert.Throws<SamplerDivergedException>(() => Step(sgld, model));
        Assert.Equal(SgmcmcOptimizer.DefaultHealthCheckInterval, sgld.StepCount);

        sgld.HealthCheckInterval = 0;
        for (int i = 0; i < 2 * SgmcmcOptimizer.DefaultHealthCheckInterval; i++) Step(sgld, model);
    }

    [Fact]
    public void ClippingBoundsTheGlobalGradientNorm()
    {
        using var model = new Pair();
        using var sgld = new Sgld(model.parameters(), 1.0, datasetSize: 10) { NoiseEnabled = false, GradientClipNorm = 1.0 };
        using var before = Flat(model).detach().clone();
        model.First.grad = full(3, 10f);
        model.Second.grad = full(new long[] { 2, 2 }, 10f);
        sgld.step();
        using var after = Flat(model).detach();
        Assert.Equal(1.0, (after - before).norm().item<float>(), 5);
        // The clip rescales the gradients themselves, as torch's clip_grad_norm_ does.
        Assert.Equal(1.0, model.First.grad!.square().sum().add(model.Second.grad!.square().sum()).sqrt().item<float>(), 5);
    }

    [Fact]
    public void ClippingLeavesSmallGradientsBitwiseUntouched()
    {
        using var a = new Pair();
        using var b = new Pair();
        using var clipped = new Sgld(a.parameters(), 0.1, datasetSize: 10, generator: new Generator(4)) { GradientClipNorm = 100.0 };
        using var plain = new Sgld(b.parameters(), 0.1, datasetSize: 10, generator: new Generator(4));
        for (int i = 0; i < 5; i++)
        {
            Step(clipped, a);
            Step(plain, b);
        }
        Assert.True(TensorAssert.Identical(a.First, b.First));
        Assert.True(TensorAssert.Identical(a.Second, b.Second));
    }

    [Fact]
    public void SghmcClipsBeforeTheVelocityUpdate()
    {
        using var model = new Pair();
        using var sghmc = new Sghmc(model.parameters(), 0.5, datasetSize: 10) { NoiseEnabled = false, GradientClipNorm = 2.0 };
        using var before = Flat(model).detach().clone();
        Step(sghmc, model, scale: 1000);
        using var after = Flat(model).detach();
        Assert.Equal(0.5 * 2.0, (after - before).norm().item<float>(), 4);   // first step: θ moves by v = −lr·clip(g)
    }

    [Fact]
    public void ChecksAndClippingDoNotLeakTensors()
    {
        using var model = new Pair();
        using var sghmc = new Sghmc(model.parameters(), 0.01, datasetSize: 10, generator: new Generator(2)) { HealthCheckInterval = 2, GradientClipNorm = 0.5 };
        sghmc.NameParameters(model);
        for (int i = 0; i < 4; i++) Step(sghmc, model);
        var before = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        for (int i = 0; i < 40; i++) Step(sghmc, model);
        Assert.Equal(before, DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void ATuningGridRecordsADivergedChainAsAResult()
    {
        using var result = GridSearch.Run(new[] { 1.0, 1e6 }, lambda => lambda < 10
                ? throw new SamplerDivergedException("SGLD", 300, SamplerFailure.NonFiniteParameters, double.NaN, "parameter 'w' holds NaN or infinite values")
                : new Pair(),
            _ => new MetricSummary(100, 0.8, 0.5, 0.05, 0.3));
        Assert.True(result.Points[0].Diverged);
        Assert.Contains("SGLD: parameter 'w' holds NaN or infinite values at step 300", result.Points[0].Failure);
        Assert.Equal(1e6, result.Best.Config);
    }
}
