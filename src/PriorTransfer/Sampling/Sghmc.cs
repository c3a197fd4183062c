using PriorTransfer.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PriorTransfer.Sampling;

/// <summary>
/// Stochastic gradient Hamiltonian Monte Carlo (Chen, Fox &amp; Guestrin, ICML 2014) in the friction form used by
/// cyclical SG-MCMC (Zhang et al., ICLR 2020), as a TorchSharp optimizer:
/// <c>v ← (1−α)·v − lr·∇loss + sqrt(2·α·lr·T/N)·ξ;  θ ← θ + v</c>, with α = 1 − momentum, ξ ~ N(0, I),
/// loss the mean-per-example loss <c>mean NLL − log p(θ)/N</c> (see <see cref="SgmcmcOptimizer"/>), N the
/// training-set size and T the temperature. In Chen et al.'s notation (their eq. 15) this is η = lr/N, α = εM⁻¹C and
/// the gradient-noise estimate β̂ = 0. The velocity starts at zero. With
/// <see cref="SgmcmcOptimizer.NoiseEnabled"/> false it is heavy-ball momentum <c>v ← m·v − lr·∇loss; θ ← θ + v</c>.
/// </summary>
public sealed class Sghmc : SgmcmcOptimizer, optim.IMomentum
{
    private readonly CachedScalar _momentumScalar = new();
    private double _momentum;

    /// <param name="parameters">The parameters to sample.</param>
    /// <param name="learningRate">lr (per step settable through <see cref="SgmcmcOptimizer.LearningRate"/>).</param>
    /// <param name="datasetSize">N, the downstream training-set size.</param>
    /// <param name="temperature">Posterior temperature T (default 1).</param>
    /// <param name="momentum">m = 1 − α, in [0, 1) (default 0.9, i.e. friction α = 0.1).</param>
    /// <param name="generator">Noise source (not owned); when null, a private generator seeded with 0.</param>
    public Sghmc(IEnumerable<Parameter> parameters, double learningRate, long datasetSize, double temperature = 1.0, double momentum = 0.9, Generator? generator = null)
        : base(parameters, learningRate, datasetSize, temperature, generator)
    {
        Momentum = momentum;
    }

    /// <summary>m = 1 − α, in [0, 1).</summary>
    public double Momentum
    {
        get => _momentum;
        set
        {
            if (!(value >= 0 && value < 1))
                throw new ArgumentOutOfRangeException(nameof(value), value, "The momentum must be in [0, 1) (friction α = 1 − momentum must be positive).");
            _momentum = value;
        }
    }

    /// <summary>Friction α = 1 − momentum.</summary>
    public double Friction => 1.0 - _momentum;

    /// <summary><c>sqrt(2·α·lr·T/N)</c>.</summary>
    public override double NoiseStandardDeviation(double learningRate) =>
        Math.Sqrt(2.0 * Friction * learningRate * Temperature / DatasetSize);

    /// <summary>Sets every velocity to zero (e.g. to restart a chain from a new point).</summary>
    public void ResetVelocity()
    {
        using var _ = torch.no_grad();
        foreach (var group in _parameter_groups)
            foreach (var parameter in group.Parameters)
                ((ParameterState)_state[parameter.Handle]).Velocity!.zero_();
    }

    /// <inheritdoc />
    public override string Name => "SGHMC";

    private protected override bool UsesVelocity => true;

    protected override void Dispose(bool disposing)
    {
        if (disposing) _momentumScalar.Dispose();
        base.Dispose(disposing);
    }

    private protected override void Update(ParameterState state, Tensor grad, Scalar negativeLearningRate, double noiseStd)
    {
        var velocity = state.Velocity!;
        velocity.mul_(_momentumScalar.Get(_momentum)).add_(grad, negativeLearningRate);
        if (noiseStd > 0)
        {
            state.Noise.normal_(0.0, noiseStd, NoiseGenerator);
            velocity.add_(state.Noise);
        }

        state.Parameter.add_(velocity);
    }
}
