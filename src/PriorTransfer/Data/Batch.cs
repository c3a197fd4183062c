using static TorchSharp.torch;

namespace PriorTransfer.Data;

/// <summary>
/// One minibatch from a <see cref="BatchIterator"/>: images [B, C, H, W] and labels [B]. The tensors belong to the
/// iterator and are disposed when the enumeration moves on or ends; clone them to keep them longer.
/// </summary>
public readonly record struct Batch(Tensor Images, Tensor Labels, int Index)
{
    public long Size => Labels.shape[0];
}
