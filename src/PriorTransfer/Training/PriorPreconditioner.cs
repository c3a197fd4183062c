using PriorTransfer.Parameters;
using PriorTransfer.Priors;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Training;

/// <summary>
/// The curvature-aware preconditioner of the downstream gradient (DESIGN.md, measured pitfalls): g ← M·g with
/// M = Σ(Σ + c·I)⁻¹ = I − c·(Σ + c·I)⁻¹, Σ the posterior's prior covariance (already scaled by λ) and c = lr/N, applied in
/// O(P·K) through Woodbury.
/// <para>
/// Why: SWAG variances σ² are tiny (1e-10…1e-4), so the prior term −log p/N has curvature 1/(λσ²N) and plain SGD
/// diverges unless lr &lt; 2λσ²N: small λ cannot be tried at any useful learning rate. Under M that curvature becomes
/// 1/(N(λσ² + c)), so lr times it is lr/(Nλσ² + lr) &lt; 1 at every λ; directions the prior leaves free (λσ² ≫ c)
/// keep the plain gradient, directions it pins (λσ² ≪ c) move at the rate λσ²/c. M is positive definite, so the
/// fixed points, and hence the MAP solution, are those of plain gradient descent; only the path changes.
/// </para>
/// </summary>
public sealed class PriorPreconditioner : IDisposable
{
    private readonly CompositePrior shifted;

    /// <param name="prior">The posterior's prior over all parameters (its layout must match the model's).</param>
    /// <param name="learningRate">The base learning rate lr.</param>
    /// <param name="trainingSetSize">N.</param>
    public PriorPreconditioner(CompositePrior prior, double learningRate, long trainingSetSize)
    {
        ArgumentNullException.ThrowIfNull(prior);
        if (!(learningRate > 0) || double.IsInfinity(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), $"the learning rate must be positive and finite; got {learningRate}.");
        if (trainingSetSize < 1) throw new ArgumentOutOfRangeException(nameof(trainingSetSize), $"N must be at least 1; got {trainingSetSize}.");
        Shift = learningRate / trainingSetSize;
        shifted = prior.WithDiagonalShift(Shift);
    }

    /// <summary>c = lr/N.</summary>
    public double Shift { get; }

    /// <summary>Replaces every parameter's <c>.grad</c> g by M·g (call after the prior's gradient was added).</summary>
    public void Apply(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var layout = shifted.Layout;
        var alias = layout.GradientAlias(model);
        var gradient = alias ?? FlattenGradients(layout, model);
        var correction = shifted.SolveCovariance(gradient);
        if (alias is not null) alias.add_(correction.to(alias.dtype), alpha: -Shift);
        else layout.AddToGradients(model, correction, -Shift);
    }

    /// <summary>The gradients in layout order as one vector (zeros for a parameter without a gradient).</summary>
    private static Tensor FlattenGradients(ParameterLayout layout, nn.Module model) =>
        cat(layout.Resolve(model).Select(p => p.grad is { } g ? g.reshape(-1) : zeros(p.numel(), p.dtype, p.device)).ToArray());

    public void Dispose() => shifted.Dispose();
}
