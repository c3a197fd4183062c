using PriorTransfer.Training;

namespace PriorTransfer.Sampling;

/// <summary>What a sampler health check found.</summary>
public enum SamplerFailure
{
    /// <summary>A parameter (or SGHMC velocity) holds NaN or infinite values.</summary>
    NonFiniteParameters,

    /// <summary>The gradient norm is NaN or infinite.</summary>
    NonFiniteGradient,

    /// <summary>The gradient norm exceeded <see cref="SgmcmcOptimizer.DivergenceGradientNorm"/>.</summary>
    ExplodingGradient,
}

/// <summary>
/// A stochastic-gradient MCMC chain (<see cref="Sgld"/>, <see cref="Sghmc"/>) diverged: a health check found NaN or
/// infinite parameters or an exploding gradient norm. The message names the sampler, the step (1-based, counted in
/// <c>step()</c> calls) and what to change. It is a <see cref="TrainingDivergedException"/>, so a tuning grid records
/// it as a diverged point rather than failing.
/// </summary>
public sealed class SamplerDivergedException : TrainingDivergedException
{
    /// <param name="sampler">The sampler's name ("SGLD", "SGHMC").</param>
    /// <param name="step">The 1-based step of the failing check.</param>
    /// <param name="failure">What the check found.</param>
    /// <param name="gradientNorm">The gradient norm at that step (NaN when not measured).</param>
    /// <param name="detail">What is wrong, e.g. "parameter 'w' holds NaN or infinite values".</param>
    /// <param name="context">When the checks ran, e.g. "checked every 100 steps; the check at step 200 passed".</param>
    public SamplerDivergedException(string sampler, int step, SamplerFailure failure, double gradientNorm, string detail, string? context = null)
        : base(sampler, step, double.NaN, $"{sampler}: {detail} at step {step}{(string.IsNullOrEmpty(context) ? "" : $" ({context})")}; the chain diverged. Lower the learning rate or the temperature T, " +
            "raise the prior scale λ, or clip the gradient norm (GradientClipNorm).")
    {
        Failure = failure;
        GradientNorm = gradientNorm;
    }

    public SamplerFailure Failure { get; }

    /// <summary>The gradient norm (before clipping) at the failing check; NaN when it was not measured.</summary>
    public double GradientNorm { get; }
}
