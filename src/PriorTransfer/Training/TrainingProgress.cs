namespace PriorTransfer.Training;

/// <summary>A progress report of a long-running loop: where it is, how fast it goes, the running loss.</summary>
public sealed record TrainingProgress(
    string Stage,
    int Step,
    int TotalSteps,
    int Epoch,
    int TotalEpochs,
    double Loss,
    double ImagesPerSecond,
    TimeSpan Elapsed)
{
    public double Fraction => TotalSteps == 0 ? 1 : (double)Step / TotalSteps;

    public TimeSpan? Eta => Step == 0 ? null : TimeSpan.FromSeconds(Elapsed.TotalSeconds / Step * (TotalSteps - Step));
}
