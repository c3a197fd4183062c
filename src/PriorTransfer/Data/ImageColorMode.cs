namespace PriorTransfer.Data;

/// <summary>How <see cref="ImageFolderReader"/> maps decoded pixels to channels.</summary>
public enum ImageColorMode
{
    /// <summary>Grayscale (1 channel) if every pixel of every image has R = G = B, else RGB (3 channels).</summary>
    Auto,

    /// <summary>1 channel; colour images are converted with the ITU-R BT.601 luma weights (0.299, 0.587, 0.114).</summary>
    Grayscale,

    /// <summary>3 channels; grayscale images are replicated.</summary>
    Rgb,
}
