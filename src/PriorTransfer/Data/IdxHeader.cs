namespace PriorTransfer.Data;

/// <summary>
/// The header of an IDX file (the MNIST family's format): magic number 0x0000TTDD with element type TT
/// (0x08 = unsigned byte) and DD dimensions, each a big-endian int32.
/// </summary>
public sealed record IdxHeader(int Magic, IReadOnlyList<int> Dimensions)
{
    /// <summary>Element type code (0x08 = unsigned byte, the only type the MNIST family uses).</summary>
    public int ElementType => (Magic >> 8) & 0xFF;

    /// <summary>Number of items (the first dimension).</summary>
    public int Count => Dimensions.Count > 0 ? Dimensions[0] : 0;

    /// <summary>Size of the header in bytes: 4 for the magic number plus 4 per dimension.</summary>
    public int ByteLength => 4 + 4 * Dimensions.Count;

    /// <summary>Number of data bytes the header declares (product of the dimensions, one byte per element).</summary>
    public long DataLength => Dimensions.Aggregate(1L, (p, d) => p * d);

    public override string ToString() => $"0x{Magic:X8} [{string.Join(" × ", Dimensions)}]";
}
