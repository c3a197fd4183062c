using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.SelfSupervised;

/// <summary>
/// SimCLR's stochastic data augmentation (Chen et al., 2020, section 2.1 and appendix A) for small grayscale images,
/// batched on tensors: every transformation draws one set of parameters per view as a tensor and is applied to the
/// whole batch at once (one <c>affine_grid</c> + <c>grid_sample</c> for all crops, one grouped convolution for all
/// blurs), never in a per-image C# loop. For a batch of images [B, C, H, W] in [0, 1] each view is, in order:
/// <list type="number">
/// <item>random resized crop: a box of area s·H·W (s uniform in [MinCropScale, MaxCropScale]) with aspect ratio
/// log-uniform in [MinAspectRatio, MaxAspectRatio] (each side clamped to the image), placed uniformly inside the image
/// and resampled bilinearly to ViewScale·H × ViewScale·W pixels; optionally mirrored left–right with probability ½;</item>
/// <item>with probability JitterProbability, brightness (x·b) then contrast ((x − mean)·c + mean, mean over the view);</item>
/// <item>with probability BlurProbability, a separable Gaussian blur with σ uniform in [MinBlurSigma, MaxBlurSigma];</item>
/// <item>additive Gaussian noise of standard deviation NoiseStd; finally clamped to [0, 1].</item>
/// </list>
/// All randomness comes from the <see cref="Generator"/> passed in, drawn in the order above and only for the enabled
/// transformations, so a generator in the same state gives the same views.
/// </summary>
public sealed class SimclrAugmentation
{
    public SimclrAugmentation(SimclrAugmentationOptions? options = null)
    {
        Options = options ?? new SimclrAugmentationOptions();
        Options.Validate();
    }

    public SimclrAugmentationOptions Options { get; }

    /// <summary>Two independent views of every image: the positive pairs of the NT-Xent loss.</summary>
    public (Tensor First, Tensor Second) Views(Tensor images, Generator generator)
    {
        var first = View(images, generator);
        return (first, View(images, generator));
    }

    /// <summary>One augmented view of every image: a new tensor of the same dtype and device, [B, C, ViewSide(H), ViewSide(W)].</summary>
    public Tensor View(Tensor images, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (images.dim() != 4) throw new ArgumentException($"images must be [B, C, H, W]; got [{string.Join(", ", images.shape)}].", nameof(images));
        if (!images.is_floating_point()) throw new ArgumentException($"images must be floating point; got {images.dtype}.", nameof(images));
        long b = images.shape[0];
        if (b == 0) return images.clone();

        using var scope = NewDisposeScope();
        var x = Crop(images, generator);
        if (Options.JitterProbability > 0) x = Jitter(x, generator);
        if (Options.BlurProbability > 0) x = Blur(x, generator);
        if (Options.NoiseStd > 0) x = x + Options.NoiseStd * randn(x.shape, x.dtype, x.device, generator: generator);
        return x.clamp(0.0, 1.0).MoveToOuterDisposeScope();
    }

    /// <summary>Side of the views for an image side of <paramref name="side"/> pixels: ViewScale × side, rounded, at least 1.</summary>
    public long ViewSide(long side) => Math.Max(1, (long)Math.Round(Options.ViewScale * side, MidpointRounding.AwayFromZero));

    private Tensor Uniform(long count, double low, double high, Tensor like, Generator generator) =>
        rand([count], like.dtype, like.device, generator: generator) * (high - low) + low;

    private Tensor Crop(Tensor images, Generator generator)
    {
        var o = Options;
        long b = images.shape[0];
        long[] outputShape = [b, images.shape[1], ViewSide(images.shape[2]), ViewSide(images.shape[3])];
        bool identity = o.MinCropScale == 1 && o.MinAspectRatio == 1 && o.MaxAspectRatio == 1 && !o.HorizontalFlip && outputShape.SequenceEqual(images.shape);
        if (identity) return images.clone();

        // Box sides as fractions of the image: w·h = s, w/h = r.
        var scale = Uniform(b, o.MinCropScale, o.MaxCropScale, images, generator);
        var ratio = Uniform(b, Math.Log(o.MinAspectRatio), Math.Log(o.MaxAspectRatio), images, generator).exp();
        var width = (scale * ratio).sqrt().clamp_max(1.0);
        var height = (scale / ratio).sqrt().clamp_max(1.0);
        // In normalised coordinates (−1 … 1, align_corners = false) a box of relative width w centred at t spans
        // t ± w; it stays inside the image for t uniform in [−(1 − w), 1 − w].
        var centerX = (rand([b], images.dtype, images.device, generator: generator) * 2 - 1) * (1 - width);
        var centerY = (rand([b], images.dtype, images.device, generator: generator) * 2 - 1) * (1 - height);
        var scaleX = width;
        if (o.HorizontalFlip)
        {
            var mirror = rand([b], images.dtype, images.device, generator: generator).lt(0.5);
            scaleX = where(mirror, -width, width);
        }
        var zero = zeros_like(width);
        // theta maps output coordinates to input coordinates: x_in = sx·x_out + tx, y_in = sy·y_out + ty.
        var theta = stack([stack([scaleX, zero, centerX], 1), stack([zero, height, centerY], 1)], 1);
        var grid = nn.functional.affine_grid(theta, outputShape, align_corners: false);
        return nn.functional.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);
    }

    private Tensor Jitter(Tensor x, Generator generator)
    {
        var o = Options;
        long b = x.shape[0];
        var apply = rand([b], x.dtype, x.device, generator: generator).lt(o.JitterProbability);
        var brightness = Uniform(b, 1 - o.Brightness, 1 + o.Brightness, x, generator);
        var contrast = Uniform(b, 1 - o.Contrast, 1 + o.Contrast, x, generator);
        var one = ones_like(brightness);
        brightness = where(apply, brightness, one).view(b, 1, 1, 1);
        contrast = where(apply, contrast, one).view(b, 1, 1, 1);
        var bright = (x * brightness).clamp(0.0, 1.0);
        var mean = bright.mean([1, 2, 3], keepdim: true);
        return ((bright - mean) * contrast + mean).clamp(0.0, 1.0);
    }

    private Tensor Blur(Tensor x, Generator generator)
    {
        var o = Options;
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        int k = o.BlurKernelSize, r = k / 2;
        var apply = rand([b], x.dtype, x.device, generator: generator).lt(o.BlurProbability);
        var sigma = Uniform(b, o.MinBlurSigma, o.MaxBlurSigma, x, generator).unsqueeze(1);
        var offsets = arange(-r, r + 1, dtype: x.dtype, device: x.device).unsqueeze(0);
        var kernel = (-(offsets * offsets) / (2 * sigma * sigma)).exp();
        kernel = kernel / kernel.sum(1, keepdim: true);
        var delta = offsets.eq(0).to_type(x.dtype).expand(b, k);
        kernel = where(apply.unsqueeze(1), kernel, delta);
        // One depthwise convolution over all views and channels: the batch becomes the channel axis.
        var perChannel = kernel.repeat_interleave(c, 0);
        var flat = x.reshape(1, b * c, h, w);
        flat = nn.functional.conv2d(flat, perChannel.view(b * c, 1, k, 1), padding: [r, 0], groups: b * c);
        flat = nn.functional.conv2d(flat, perChannel.view(b * c, 1, 1, k), padding: [0, r], groups: b * c);
        return flat.view(b, c, h, w);
    }
}
