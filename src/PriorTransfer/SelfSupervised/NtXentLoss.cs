using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.SelfSupervised;

/// <summary>
/// The NT-Xent (normalised temperature-scaled cross-entropy, InfoNCE) loss of SimCLR (Chen et al., 2020, eq. 1).
/// For 2B projections (z1 then z2), with sim(u, v) = uᵀv / (‖u‖‖v‖) and τ the temperature, the loss of anchor i
/// whose positive is p(i) (the other view of the same image) is
/// <c>ℓ_i = −log( exp(sim(z_i, z_p(i))/τ) / Σ_{k≠i} exp(sim(z_i, z_k)/τ) )</c>,
/// and the loss is the mean over all 2B anchors. Self-similarity is excluded from the denominator; the other 2B − 2
/// views are the negatives.
/// </summary>
public static class NtXentLoss
{
    /// <summary>The loss for the positive pairs (z1[i], z2[i]), i = 0..B−1; z1 and z2 are [B, D] (any floating dtype).</summary>
    public static Tensor Compute(Tensor z1, Tensor z2, double temperature)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), $"the temperature must be positive and finite; got {temperature}.");
        if (z1.dim() != 2 || !z1.shape.SequenceEqual(z2.shape))
            throw new ArgumentException($"z1 and z2 must both be [B, D]; got [{string.Join(", ", z1.shape)}] and [{string.Join(", ", z2.shape)}].");
        long b = z1.shape[0];
        if (b < 2) throw new ArgumentException($"NT-Xent needs at least 2 images (one gives no negatives); got {b}.", nameof(z1));

        using var scope = NewDisposeScope();
        var z = nn.functional.normalize(cat([z1, z2], 0), p: 2, dim: 1, eps: 1e-12);
        var logits = z.mm(z.t()) / temperature;
        var self = eye(2 * b, dtype: ScalarType.Bool, device: z.device);
        logits = logits.masked_fill(self, double.NegativeInfinity);
        // Anchor i < B has its positive at i + B, and anchor B + i at i.
        var targets = cat([arange(b, 2 * b, dtype: ScalarType.Int64, device: z.device), arange(0, b, dtype: ScalarType.Int64, device: z.device)], 0);
        return nn.functional.cross_entropy(logits, targets).MoveToOuterDisposeScope();
    }
}
