namespace PriorTransfer.Data;

/// <summary>Options of <see cref="ImageFolderReader"/>.</summary>
public sealed record ImageFolderOptions
{
    /// <summary>Channel mapping; by default grayscale when all images are grayscale, else RGB.</summary>
    public ImageColorMode Color { get; init; } = ImageColorMode.Auto;

    /// <summary>Target height; null = the first image's (in class then file order). Set with <see cref="Width"/>.</summary>
    public int? Height { get; init; }

    /// <summary>Target width; null = the first image's. Set with <see cref="Height"/>.</summary>
    public int? Width { get; init; }
}
