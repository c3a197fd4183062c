namespace PriorTransfer.Data;

/// <summary>
/// How segmentation scenes are composed (<see cref="Scenes"/>): square canvases of <see cref="Size"/> pixels holding
/// <see cref="MinObjects"/> to <see cref="MaxObjects"/> object images; an object's pixels are those brighter than
/// <see cref="MaskThreshold"/> (mean over channels), the rest of its patch leaves the canvas untouched.
/// </summary>
public sealed record SceneOptions
{
    public int Size { get; init; } = 64;
    public int MinObjects { get; init; } = 1;
    public int MaxObjects { get; init; } = 4;
    /// <summary>Intensity (in [0, 1]) above which an object image's pixel belongs to the object.</summary>
    public float MaskThreshold { get; init; } = 0.1f;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first value out of range.</summary>
    public void Validate()
    {
        if (Size < 4 || Size % 4 != 0) throw new ArgumentOutOfRangeException(nameof(Size), $"the scene size must be a positive multiple of 4 (the segmentation model's stride); got {Size}.");
        if (MinObjects < 1) throw new ArgumentOutOfRangeException(nameof(MinObjects), $"a scene needs at least one object; got {MinObjects}.");
        if (MaxObjects < MinObjects) throw new ArgumentOutOfRangeException(nameof(MaxObjects), $"the maximum number of objects ({MaxObjects}) is below the minimum ({MinObjects}).");
        if (!(MaskThreshold >= 0 && MaskThreshold < 1)) throw new ArgumentOutOfRangeException(nameof(MaskThreshold), $"the mask threshold must be in [0, 1); got {MaskThreshold}.");
    }
}
