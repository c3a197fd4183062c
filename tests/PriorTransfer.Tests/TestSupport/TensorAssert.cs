using static TorchSharp.torch;

namespace PriorTransfer.Tests.TestSupport;

internal static class TensorAssert
{
    /// <summary>True when the tensors have the same shape and dtype and bitwise-equal values.</summary>
    public static bool Identical(Tensor a, Tensor b)
    {
        if (a.dtype != b.dtype || !a.shape.SequenceEqual(b.shape)) return false;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return a.eq(b).all().item<bool>();
    }
}
