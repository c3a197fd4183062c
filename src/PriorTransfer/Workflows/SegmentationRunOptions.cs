using PriorTransfer.Data;

namespace PriorTransfer.Workflows;

/// <summary>
/// Everything a segmentation run needs besides the task, method, n and seed: the pre-trained classification
/// checkpoint (its backbone starts every method and fixes the architecture), the prior file (learned-prior methods),
/// the compute budget (the same for every method), the tuning grid and the scene sets.
/// </summary>
public sealed record SegmentationRunOptions
{
    /// <summary>Pre-trained classification checkpoint (from <c>pretrain</c>), resnet8 or resnet20.</summary>
    public required string Checkpoint { get; init; }

    /// <summary>Prior file over the backbone (from <c>learn-prior</c>, supervised or SimCLR); needed by learned-prior methods.</summary>
    public string? Prior { get; init; }

    /// <summary>
    /// Steps per fit: <see cref="DownstreamBudget.Steps"/> for SGD, <see cref="DownstreamBudget.SamplerSteps"/> in
    /// <see cref="DownstreamBudget.Cycles"/> cycles (one BMA sample each) for SGLD. Augmentation is not used (a crop
    /// or flip would have to move the label map too).
    /// </summary>
    public DownstreamBudget Budget { get; init; } = QuickBudget;

    /// <summary>Configurations tried on the validation scenes (the same number for every method).</summary>
    public TuningBudget Tuning { get; init; } = TuningBudget.Quick;

    /// <summary>An explicit grid instead of <see cref="SegmentationGrids.For"/>.</summary>
    public IReadOnlyList<DownstreamHyperparameters>? Grid { get; init; }

    public int ValidationScenes { get; init; } = 100;
    public int TestScenes { get; init; } = 200;
    public SceneOptions Scenes { get; init; } = new();

    /// <summary>Where to write a PNG of test scenes, their ground truth and the chosen fit's predictions (none when null).</summary>
    public string? PreviewPath { get; init; }
    public int PreviewCount { get; init; } = 6;

    /// <summary>120 steps at batch 16 per fit; SGLD in 4 cycles of 30 steps (4 BMA samples).</summary>
    public static DownstreamBudget QuickBudget { get; } = new() { Steps = 120, SamplerSteps = 120, Cycles = 4, BatchSize = 16, Augment = false };

    /// <summary>400 steps at batch 16 per fit; SGLD in 10 cycles (10 BMA samples, as in the paper).</summary>
    public static DownstreamBudget FullBudget { get; } = new() { Steps = 400, SamplerSteps = 400, Cycles = 10, BatchSize = 16, Augment = false };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Checkpoint, nameof(Checkpoint));
        Budget.Validate();
        if (Budget.Augment) throw new ArgumentException("segmentation runs do not augment (the label maps would have to move with the images); set Augment = false.", nameof(Budget));
        Scenes.Validate();
        if (ValidationScenes < 1) throw new ArgumentOutOfRangeException(nameof(ValidationScenes), $"at least one validation scene is needed; got {ValidationScenes}.");
        if (TestScenes < 1) throw new ArgumentOutOfRangeException(nameof(TestScenes), $"at least one test scene is needed; got {TestScenes}.");
        if (PreviewCount < 1) throw new ArgumentOutOfRangeException(nameof(PreviewCount), $"the preview needs at least one scene; got {PreviewCount}.");
        if (Grid is { Count: 0 }) throw new ArgumentException("the tuning grid is empty.", nameof(Grid));
        foreach (var hyper in Grid ?? []) hyper.Validate();
    }
}
