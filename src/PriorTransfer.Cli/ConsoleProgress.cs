using PriorTransfer.Training;

namespace PriorTransfer.Cli;

/// <summary>
/// Renders training progress: a redrawn bar with throughput and ETA on a terminal; when output is redirected,
/// a plain line every ten seconds (and at the end) so that logs stay readable.
/// </summary>
internal sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    private readonly bool interactive = !Console.IsOutputRedirected;
    private DateTime lastLine = DateTime.MinValue;
    private string? lastStage;

    public void Report(TrainingProgress p)
    {
        bool done = p.Step >= p.TotalSteps;
        string eta = p.Eta is { } e ? Format(e) : "--:--";
        string stats = $"{p.Step,6}/{p.TotalSteps} steps  epoch {p.Epoch}/{p.TotalEpochs}  loss {p.Loss,7:F4}  {p.ImagesPerSecond,7:F0} img/s  elapsed {Format(p.Elapsed)}  ETA {eta}";
        if (interactive)
        {
            const int width = 24;
            int filled = (int)Math.Round(p.Fraction * width);
            string bar = new string('█', filled) + new string('░', width - filled);
            Console.Write($"\r{p.Stage,-12} {bar} {p.Fraction,4:P0} {stats}  ");
            if (done) Console.WriteLine();
        }
        else if (done || p.Stage != lastStage || DateTime.UtcNow - lastLine > TimeSpan.FromSeconds(10))
        {
            Console.WriteLine($"{p.Stage,-12} {p.Fraction,4:P0} {stats}");
            lastLine = DateTime.UtcNow;
        }
        lastStage = p.Stage;
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss") : t.ToString(@"mm\:ss");
}
