namespace PriorTransfer.Data;

/// <summary>Options of <see cref="Augmentation"/>.</summary>
public sealed record AugmentationOptions
{
    /// <summary>Zero padding on each side before the random crop back to the input size (2 px suits 28×28); 0 = no crop.</summary>
    public int Padding { get; init; } = 2;

    /// <summary>Mirror each image left–right with probability ½. Sensible for clothes, wrong for digits.</summary>
    public bool HorizontalFlip { get; init; }

    /// <summary>No augmentation at all.</summary>
    public static AugmentationOptions None { get; } = new() { Padding = 0, HorizontalFlip = false };
}
