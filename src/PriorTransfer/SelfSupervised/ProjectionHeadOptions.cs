namespace PriorTransfer.SelfSupervised;

/// <summary>Shape of SimCLR's projection head g(·): Linear(features → hidden), BatchNorm (optional), ReLU, Linear(hidden → output).</summary>
public sealed record ProjectionHeadOptions
{
    public int HiddenDimension { get; init; } = 128;

    /// <summary>Dimension of the projection z on which the NT-Xent loss is computed.</summary>
    public int OutputDimension { get; init; } = 64;

    /// <summary>BatchNorm after the hidden layer, as in SimCLR v1's released code; stabilises training at small batch sizes.</summary>
    public bool BatchNorm { get; init; } = true;

    public void Validate()
    {
        if (HiddenDimension < 1) throw new ArgumentOutOfRangeException(nameof(HiddenDimension), $"the hidden dimension must be positive; got {HiddenDimension}.");
        if (OutputDimension < 1) throw new ArgumentOutOfRangeException(nameof(OutputDimension), $"the output dimension must be positive; got {OutputDimension}.");
    }
}
