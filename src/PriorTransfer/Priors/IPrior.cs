using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Priors;

/// <summary>
/// A prior density p(θ) over a flat parameter vector θ ∈ ℝ^P (see <c>ParameterLayout</c>). Owns its tensors; all
/// arithmetic is in <see cref="DType"/> (a θ of another dtype is converted first).
/// </summary>
public interface IPrior : IDisposable
{
    /// <summary>P, the length of θ.</summary>
    long Dimension { get; }

    /// <summary>The dtype of the prior's tensors and of everything it returns.</summary>
    ScalarType DType { get; }

    /// <summary>The device of the prior's tensors (θ on another device is moved there).</summary>
    Device Device { get; }

    /// <summary>log p(θ) for θ of shape [P]: a differentiable scalar (normalised density, in <see cref="DType"/>).</summary>
    Tensor LogProb(Tensor theta);

    /// <summary>∇_θ log p(θ) [P] in closed form (no autograd graph is built; the result never requires grad).</summary>
    Tensor Gradient(Tensor theta);

    /// <summary>
    /// <paramref name="target"/> += <paramref name="scale"/> · ∇_θ log p(θ), in place (under <c>no_grad</c>): how a
    /// training step adds the prior term to a flat gradient buffer. Priors with large P override it to avoid P-sized
    /// temporaries; the default adds <see cref="Gradient"/>.
    /// </summary>
    void AddGradient(Tensor theta, Tensor target, double scale)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var noGrad = torch.no_grad();
        using var gradient = Gradient(theta);
        target.add_(gradient.to(target.dtype, target.device), scale);
    }

    /// <summary><paramref name="count"/> exact draws, shape [count, P]; uses only <paramref name="generator"/> (or the default one).</summary>
    Tensor Sample(int count, Generator? generator = null);

    /// <summary>A new prior, same mean, covariance λ·Σ (λ &gt; 0). The caller owns (and disposes) it.</summary>
    IPrior Rescale(double lambda);

    /// <summary>Σ⁻¹·v for v [P], in closed form (O(P·K) for a low-rank prior). Returns a new tensor.</summary>
    Tensor SolveCovariance(Tensor v);

    /// <summary>
    /// A new prior, same mean, covariance Σ + c·I (c ≥ 0): with <see cref="SolveCovariance"/> it applies (Σ + c·I)⁻¹,
    /// the building block of the curvature-aware preconditioner (Training.PriorPreconditioner). The caller owns it.
    /// </summary>
    IPrior WithDiagonalShift(double shift);
}
