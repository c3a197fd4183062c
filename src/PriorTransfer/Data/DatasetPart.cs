namespace PriorTransfer.Data;

/// <summary>One file or split of an installed dataset and its size, as reported by <see cref="DataLocator.Describe"/>.</summary>
public sealed record DatasetPart(string Name, long Count, int Channels, int Height, int Width)
{
    public override string ToString() => $"{Name}: {Count:N0} images {Channels}×{Height}×{Width}";
}
