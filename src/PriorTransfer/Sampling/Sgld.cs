using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PriorTransfer.Sampling;

/// <summary>
/// Stochastic gradient Langevin dynamics (Welling &amp; Teh, ICML 2011), as a TorchSharp optimizer:
/// <c>θ ← θ − lr·∇loss + sqrt(2·lr·T/N)·ξ</c>, ξ ~ N(0, I), where loss is the mean-per-example loss
/// <c>mean NLL − log p(θ)/N</c> (hence the 1/N in the noise; see <see cref="SgmcmcOptimizer"/>), N the training-set
/// size and T the temperature. Used with a cyclical learning rate as in Zhang et al. (ICLR 2020, cyclical SG-MCMC).
/// With <see cref="SgmcmcOptimizer.NoiseEnabled"/> false the step is exactly TorchSharp's plain SGD step.
/// </summary>
public sealed class Sgld : SgmcmcOptimizer
{
    /// <param name="parameters">The parameters to sample.</param>
    /// <param name="learningRate">lr (per step settable through <see cref="SgmcmcOptimizer.LearningRate"/>).</param>
    /// <param name="datasetSize">N, the downstream training-set size.</param>
    /// <param name="temperature">Posterior temperature T (default 1).</param>
    /// <param name="generator">Noise source (not owned); when null, a private generator seeded with 0.</param>
    public Sgld(IEnumerable<Parameter> parameters, double learningRate, long datasetSize, double temperature = 1.0, Generator? generator = null)
        : base(parameters, learningRate, datasetSize, temperature, generator)
    {
    }

    /// <summary><c>sqrt(2·lr·T/N)</c>.</summary>
    public override double NoiseStandardDeviation(double learningRate) =>
        Math.Sqrt(2.0 * learningRate * Temperature / DatasetSize);

    /// <inheritdoc />
    public override string Name => "SGLD";

    private protected override bool UsesVelocity => false;

    private protected override void Update(ParameterState state, Tensor grad, Scalar negativeLearningRate, double noiseStd)
    {
        var parameter = state.Parameter;
        parameter.add_(grad, negativeLearningRate);
        if (noiseStd > 0)
        {
            state.Noise.normal_(0.0, noiseStd, NoiseGenerator);
            parameter.add_(state.Noise);
        }
    }
}
