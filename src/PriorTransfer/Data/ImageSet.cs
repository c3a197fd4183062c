using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Data;

/// <summary>
/// A labelled image set held as two whole tensors: images [N, C, H, W] float32 in [0, 1] and int64 labels in
/// 0..ClassCount−1, either one per image [N] (classification) or one per pixel [N, H, W] (segmentation: the same
/// batching, training loop and cross-entropy then apply unchanged). Owns its tensors (detached from any dispose scope).
/// </summary>
public sealed class ImageSet : IDisposable
{
    public ImageSet(Tensor images, Tensor labels, IReadOnlyList<string> classNames)
    {
        if (images.dim() != 4)
            throw new ArgumentException($"images must have shape [N, C, H, W]; got [{string.Join(", ", images.shape)}].", nameof(images));
        bool perImage = labels.dim() == 1 && labels.shape[0] == images.shape[0];
        bool perPixel = labels.dim() == 3 && labels.shape[0] == images.shape[0] && labels.shape[1] == images.shape[2] && labels.shape[2] == images.shape[3];
        if (!perImage && !perPixel)
            throw new ArgumentException(
                $"labels must have shape [{images.shape[0]}] (one per image) or [{images.shape[0]}, {images.shape[2]}, {images.shape[3]}] (one per pixel); got [{string.Join(", ", labels.shape)}].", nameof(labels));
        if (images.dtype != ScalarType.Float32) throw new ArgumentException("images must be float32.", nameof(images));
        if (labels.dtype != ScalarType.Int64) throw new ArgumentException("labels must be int64.", nameof(labels));
        Images = images.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
        ClassNames = classNames.ToArray();
    }

    public Tensor Images { get; }
    public Tensor Labels { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public int ClassCount => ClassNames.Count;
    public long Count => Images.shape[0];
    public int Channels => (int)Images.shape[1];
    public int Height => (int)Images.shape[2];
    public int Width => (int)Images.shape[3];

    /// <summary>A new set holding copies of the rows at <paramref name="indices"/> (int64 [M]).</summary>
    public ImageSet Select(Tensor indices)
    {
        using var scope = NewDisposeScope();
        return new ImageSet(Images.index_select(0, indices).contiguous(), Labels.index_select(0, indices).contiguous(), ClassNames);
    }

    /// <summary>True when labels are per pixel [N, H, W] rather than per image.</summary>
    public bool IsDense => Labels.dim() == 3;

    /// <summary>Per-class counts (of images, or of pixels for per-pixel labels), in class order.</summary>
    public long[] ClassCounts()
    {
        using var scope = NewDisposeScope();
        return Labels.flatten().bincount(null, ClassCount).data<long>().ToArray();
    }

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
