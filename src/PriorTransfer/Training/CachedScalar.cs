using TorchSharp;

namespace PriorTransfer.Training;

/// <summary>
/// An owned native Scalar, re-created only when its value changes (a schedule changes lr once per step, not per
/// parameter; a constant rate costs nothing). Optimisers hold their Scalars this way rather than through TorchSharp's
/// implicit conversions, whose Scalars only the finalizer frees, possibly while a native call still uses them.
/// </summary>
internal sealed class CachedScalar : IDisposable
{
    private Scalar? scalar;
    private double value;

    public Scalar Get(double newValue)
    {
        if (scalar is null || BitConverter.DoubleToInt64Bits(newValue) != BitConverter.DoubleToInt64Bits(value))
        {
            scalar?.Dispose();
            scalar = newValue.ToScalar();
            value = newValue;
        }
        return scalar;
    }

    public void Dispose()
    {
        scalar?.Dispose();
        scalar = null;
    }
}
