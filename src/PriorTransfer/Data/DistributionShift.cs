using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Data;

/// <summary>The shifts of the out-of-distribution experiment (BENCHMARK.md, paper Fig. 4a).</summary>
public enum ShiftKind
{
    /// <summary>Each image rotated by 30° clockwise or anticlockwise (the sign drawn per image), zero padding.</summary>
    Rotate,
    /// <summary>Additive Gaussian pixel noise (σ = 0.2), clamped to [0, 1].</summary>
    Noise,
    /// <summary>Contrast reduced to 30 % around each image's mean brightness.</summary>
    Contrast,
}

/// <summary>
/// Builds shifted copies of a test set with batched tensor operations. Deterministic: every random draw comes from a
/// generator seeded by <c>seed</c> and the shift, never from the global RNG.
/// </summary>
public static class DistributionShift
{
    public const double RotationDegrees = 30;
    public const double NoiseStd = 0.2;
    public const double ContrastFactor = 0.3;

    public static IReadOnlyList<ShiftKind> All { get; } = [ShiftKind.Rotate, ShiftKind.Noise, ShiftKind.Contrast];

    /// <summary>The name used in results and reports: <c>rotate</c>, <c>noise</c>, <c>contrast</c>.</summary>
    public static string Name(ShiftKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>A new set (owned by the caller) with the first <paramref name="limit"/> images of <paramref name="set"/> shifted.</summary>
    public static ImageSet Apply(ImageSet set, ShiftKind kind, long seed, long? limit = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (limit is < 1) throw new ArgumentOutOfRangeException(nameof(limit), $"the limit must be at least 1; got {limit}.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long count = Math.Min(limit ?? set.Count, set.Count);
        var images = set.Images.narrow(0, 0, count);
        var labels = set.Labels.narrow(0, 0, count).clone();
        using var generator = new Generator((ulong)(seed * 31 + (long)kind + 1));
        var shifted = kind switch
        {
            ShiftKind.Rotate => Rotate(images, generator),
            ShiftKind.Noise => (images + randn(images.shape, generator: generator) * NoiseStd).clamp(0, 1),
            ShiftKind.Contrast => ReduceContrast(images),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown shift."),
        };
        return new ImageSet(shifted.contiguous().DetachFromDisposeScope(), labels.DetachFromDisposeScope(), set.ClassNames);
    }

    private static Tensor Rotate(Tensor images, Generator generator)
    {
        long n = images.shape[0];
        double radians = RotationDegrees * Math.PI / 180;
        // A random sign per image: half the set turns each way.
        var sign = randint(0, 2, [n], generator: generator).to(ScalarType.Float32).mul(2).sub(1);
        var angle = sign * (float)radians;
        var cos = angle.cos();
        var sin = angle.sin();
        var zero = zeros_like(cos);
        var theta = stack([stack([cos, -sin, zero], 1), stack([sin, cos, zero], 1)], 1); // [N, 2, 3]
        var grid = nn.functional.affine_grid(theta, images.shape, align_corners: false);
        return nn.functional.grid_sample(images, grid, padding_mode: GridSamplePaddingMode.Zeros, align_corners: false);
    }

    private static Tensor ReduceContrast(Tensor images)
    {
        var mean = images.mean([1, 2, 3], keepdim: true);
        return (mean + (images - mean) * ContrastFactor).clamp(0, 1);
    }
}
