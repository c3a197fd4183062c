namespace PriorTransfer.SelfSupervised;

/// <summary>
/// Options of <see cref="SimclrAugmentation"/>. The defaults suit 28×28 grayscale clothes (Fashion-MNIST): SimCLR's
/// recipe (Chen et al., 2020, appendix A) scaled down — a milder crop (30–100 % of the area rather than 8–100 %, since
/// a 28×28 image has little to spare) rendered at 5/7 of the image side, brightness and contrast jitter in place of
/// colour jitter, a small blur and a little pixel noise. Turn <see cref="HorizontalFlip"/> off for data whose mirror image means something else (digits).
/// </summary>
public sealed record SimclrAugmentationOptions
{
    /// <summary>Smallest crop area as a fraction of the image area.</summary>
    public double MinCropScale { get; init; } = 0.3;

    /// <summary>Largest crop area as a fraction of the image area.</summary>
    public double MaxCropScale { get; init; } = 1.0;

    /// <summary>Smallest crop aspect ratio (width / height); drawn log-uniformly between the two bounds.</summary>
    public double MinAspectRatio { get; init; } = 3.0 / 4.0;

    /// <summary>Largest crop aspect ratio (width / height).</summary>
    public double MaxAspectRatio { get; init; } = 4.0 / 3.0;

    /// <summary>Mirror each view left–right with probability ½.</summary>
    public bool HorizontalFlip { get; init; } = true;

    /// <summary>Probability that a view gets brightness and contrast jitter.</summary>
    public double JitterProbability { get; init; } = 0.8;

    /// <summary>Brightness factor drawn uniformly from [1 − b, 1 + b].</summary>
    public double Brightness { get; init; } = 0.4;

    /// <summary>Contrast factor drawn uniformly from [1 − c, 1 + c], applied around each view's mean.</summary>
    public double Contrast { get; init; } = 0.4;

    /// <summary>Probability that a view is blurred; 0 turns the blur off.</summary>
    public double BlurProbability { get; init; } = 0.2;

    /// <summary>Smallest blur standard deviation, in pixels.</summary>
    public double MinBlurSigma { get; init; } = 0.1;

    /// <summary>Largest blur standard deviation, in pixels.</summary>
    public double MaxBlurSigma { get; init; } = 1.0;

    /// <summary>Side of the (separable) blur kernel; odd.</summary>
    public int BlurKernelSize { get; init; } = 5;

    /// <summary>Standard deviation of the Gaussian pixel noise added to every view (images in [0, 1]); 0 = off.</summary>
    public double NoiseStd { get; init; } = 0.02;

    /// <summary>
    /// Side of the views as a fraction of the images' height and width (rounded to whole pixels; 28 → 20 at the
    /// default 5/7). A random resized crop zooms in, so views somewhat smaller than the images show objects at about
    /// their full-image scale, the scale the backbone sees at test time (Touvron et al., 2019, "FixRes"); they are also
    /// cheaper (cost ∝ pixels). On fashion-split, 20-px views gave better probe accuracy per epoch than 28-px views at
    /// twice the throughput, and 16-px views were worse per epoch.
    /// </summary>
    public double ViewScale { get; init; } = 5.0 / 7.0;

    /// <summary>No augmentation: every view equals its image. For tests and for evaluating the views' pipeline.</summary>
    public static SimclrAugmentationOptions Identity { get; } = new()
    {
        MinCropScale = 1, MaxCropScale = 1, MinAspectRatio = 1, MaxAspectRatio = 1, HorizontalFlip = false, ViewScale = 1,
        JitterProbability = 0, BlurProbability = 0, NoiseStd = 0,
    };

    /// <summary>The settings in one invariant line, as recorded in checkpoint and prior metadata.</summary>
    public string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"crop {MinCropScale}-{MaxCropScale}, flip {HorizontalFlip}, jitter p {JitterProbability} b {Brightness} c {Contrast}, blur p {BlurProbability}, noise {NoiseStd}");

    public void Validate()
    {
        if (!(MinCropScale > 0) || MinCropScale > MaxCropScale || MaxCropScale > 1)
            throw new ArgumentOutOfRangeException(nameof(MinCropScale), $"crop scales must satisfy 0 < min ≤ max ≤ 1; got {MinCropScale}–{MaxCropScale}.");
        if (!(MinAspectRatio > 0) || MinAspectRatio > MaxAspectRatio || double.IsInfinity(MaxAspectRatio))
            throw new ArgumentOutOfRangeException(nameof(MinAspectRatio), $"aspect ratios must satisfy 0 < min ≤ max < ∞; got {MinAspectRatio}–{MaxAspectRatio}.");
        CheckProbability(JitterProbability, nameof(JitterProbability));
        CheckProbability(BlurProbability, nameof(BlurProbability));
        if (Brightness is < 0 or >= 1 || double.IsNaN(Brightness)) throw new ArgumentOutOfRangeException(nameof(Brightness), $"brightness must be in [0, 1); got {Brightness}.");
        if (Contrast is < 0 or >= 1 || double.IsNaN(Contrast)) throw new ArgumentOutOfRangeException(nameof(Contrast), $"contrast must be in [0, 1); got {Contrast}.");
        if (BlurProbability > 0)
        {
            if (!(MinBlurSigma > 0) || MinBlurSigma > MaxBlurSigma || double.IsInfinity(MaxBlurSigma))
                throw new ArgumentOutOfRangeException(nameof(MinBlurSigma), $"blur sigmas must satisfy 0 < min ≤ max < ∞; got {MinBlurSigma}–{MaxBlurSigma}.");
            if (BlurKernelSize < 3 || BlurKernelSize % 2 == 0)
                throw new ArgumentOutOfRangeException(nameof(BlurKernelSize), $"the blur kernel size must be odd and at least 3; got {BlurKernelSize}.");
        }
        if (!(ViewScale > 0) || ViewScale > 1) throw new ArgumentOutOfRangeException(nameof(ViewScale), $"the view scale must be in (0, 1]; got {ViewScale}.");
        if (NoiseStd < 0 || !double.IsFinite(NoiseStd)) throw new ArgumentOutOfRangeException(nameof(NoiseStd), $"noise standard deviation must be ≥ 0; got {NoiseStd}.");
    }

    private static void CheckProbability(double p, string name)
    {
        if (p is < 0 or > 1 || double.IsNaN(p)) throw new ArgumentOutOfRangeException(name, $"{name} must be a probability in [0, 1]; got {p}.");
    }
}
