namespace PriorTransfer.Models;

/// <summary>What a model is: architecture name, input channels and number of classes. Enough to rebuild it.</summary>
public sealed record ModelSpec(string Architecture, int InChannels, int Classes)
{
    public override string ToString() => $"{Architecture} ({InChannels}-channel input, {Classes} classes)";
}
