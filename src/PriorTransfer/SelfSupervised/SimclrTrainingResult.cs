namespace PriorTransfer.SelfSupervised;

/// <summary>
/// What a SimCLR run did: steps and epochs made, the mean NT-Xent loss of each epoch (a partial last epoch counts),
/// and its throughput in source images per second (each gives two views, so views/s is twice that).
/// </summary>
public sealed record SimclrTrainingResult(
    int Steps,
    int Epochs,
    IReadOnlyList<double> EpochLosses,
    double ImagesPerSecond,
    TimeSpan Elapsed)
{
    public double FinalLoss => EpochLosses.Count == 0 ? double.NaN : EpochLosses[^1];

    public double ViewsPerSecond => 2 * ImagesPerSecond;
}
