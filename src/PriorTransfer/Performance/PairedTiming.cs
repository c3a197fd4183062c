using System.Diagnostics;

namespace PriorTransfer.Performance;

/// <summary>The time one block of work took: wall-clock seconds and CPU seconds of the process (all its threads).</summary>
public readonly record struct BlockTime(double Seconds, double CpuSeconds);

/// <summary>
/// The result of a <see cref="PairedTiming"/> comparison: per-round times of a baseline and a candidate measured
/// alternately, and the median of the per-round ratios candidate ÷ baseline. Wall-clock time is the figure; CPU time
/// is reported beside it because on an oversubscribed machine it is the steadier measure of the work done (it
/// excludes time spent waiting for a core, but includes any spinning of idle worker threads).
/// </summary>
public sealed record PairedResult(BlockTime[] Baseline, BlockTime[] Candidate)
{
    public double[] BaselineSeconds => Baseline.Select(b => b.Seconds).ToArray();

    public double[] CandidateSeconds => Candidate.Select(c => c.Seconds).ToArray();

    /// <summary>Per-round ratios of CPU time, candidate ÷ baseline.</summary>
    public double[] CpuRatios => Baseline.Zip(Candidate, (b, c) => c.CpuSeconds / b.CpuSeconds).ToArray();

    /// <summary>Median over rounds of the CPU-time ratio.</summary>
    public double MedianCpuRatio => PairedTiming.Median(CpuRatios);

    /// <summary>Per-round ratios candidate ÷ baseline.</summary>
    public double[] Ratios => BaselineSeconds.Zip(CandidateSeconds, (b, c) => c / b).ToArray();

    /// <summary>Median over rounds of candidate ÷ baseline: robust to rounds disturbed by other load.</summary>
    public double MedianRatio => PairedTiming.Median(Ratios);

    public double MedianBaselineSeconds => PairedTiming.Median(BaselineSeconds);

    public double MedianCandidateSeconds => PairedTiming.Median(CandidateSeconds);

    /// <summary>Half the interquartile range of the ratios: how noisy the rounds were.</summary>
    public double RatioSpread
    {
        get
        {
            var sorted = Ratios.Order().ToArray();
            return 0.5 * (PairedTiming.Quantile(sorted, 0.75) - PairedTiming.Quantile(sorted, 0.25));
        }
    }

    /// <summary>The usual details of a ratio figure.</summary>
    public Dictionary<string, object?> Details(string baselineName, string candidateName, double? perUnit = null, string unit = "block")
    {
        double scale = perUnit is { } n ? 1000.0 / n : 1000.0;
        return new Dictionary<string, object?>
        {
            ["baseline"] = baselineName,
            ["candidate"] = candidateName,
            [$"baselineMsPer{unit}"] = Math.Round(MedianBaselineSeconds * scale, 3),
            [$"candidateMsPer{unit}"] = Math.Round(MedianCandidateSeconds * scale, 3),
            ["rounds"] = BaselineSeconds.Length,
            ["ratios"] = Ratios.Select(r => Math.Round(r, 4)).ToArray(),
            ["ratioHalfIqr"] = Math.Round(RatioSpread, 4),
            ["cpuTimeRatio"] = Math.Round(MedianCpuRatio, 4),
            ["cpuTimeRatios"] = CpuRatios.Select(r => Math.Round(r, 4)).ToArray(),
        };
    }
}

/// <summary>
/// The measuring discipline of the suite. On a shared machine absolute times drift with other load, so every figure
/// is a ratio against a baseline timed in the same process, alternating: round r times baseline then candidate when
/// r is even and candidate then baseline when r is odd (neither side always runs second, i.e. with warmer caches or
/// later in a load burst), and the figure is the median of the per-round ratios.
/// </summary>
public static class PairedTiming
{
    /// <summary>Times <paramref name="baseline"/> and <paramref name="candidate"/> in alternating rounds after warm-up.</summary>
    /// <param name="baseline">One block of baseline work; returns its own time, or null to be timed here.</param>
    /// <param name="candidate">One block of candidate work, likewise.</param>
    /// <param name="rounds">Timed rounds (each times both sides once).</param>
    /// <param name="warmup">Untimed rounds first (allocations, caches, lazy initialisation).</param>
    /// <param name="cancellationToken">Checked between blocks.</param>
    public static PairedResult Compare(Func<BlockTime?> baseline, Func<BlockTime?> candidate, int rounds, int warmup = 1, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        for (int i = 0; i < warmup; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            baseline();
            candidate();
        }
        var b = new BlockTime[rounds];
        var c = new BlockTime[rounds];
        for (int r = 0; r < rounds; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (r % 2 == 0)
            {
                b[r] = Time(baseline);
                c[r] = Time(candidate);
            }
            else
            {
                c[r] = Time(candidate);
                b[r] = Time(baseline);
            }
        }
        return new PairedResult(b, c);
    }

    /// <summary><see cref="Compare(Func{BlockTime?}, Func{BlockTime?}, int, int, CancellationToken)"/> for work timed here.</summary>
    public static PairedResult Compare(Action baseline, Action candidate, int rounds, int warmup = 1, CancellationToken cancellationToken = default) =>
        Compare(() => { baseline(); return (BlockTime?)null; }, () => { candidate(); return (BlockTime?)null; }, rounds, warmup, cancellationToken);

    /// <summary>Median of <paramref name="repeats"/> timings of <paramref name="work"/> after one warm-up run.</summary>
    public static double MedianSeconds(Action work, int repeats, int warmup = 1)
    {
        for (int i = 0; i < warmup; i++) work();
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++) times[i] = Time(() => { work(); return (BlockTime?)null; }).Seconds;
        return Median(times);
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return Quantile(sorted, 0.5);
    }

    internal static double Quantile(double[] sorted, double q)
    {
        if (sorted.Length == 0) return double.NaN;
        double position = q * (sorted.Length - 1);
        int low = (int)Math.Floor(position);
        int high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (position - low) * (sorted[high] - sorted[low]);
    }

    private static BlockTime Time(Func<BlockTime?> work)
    {
        var cpu = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        var own = work();
        var wall = clock.Elapsed.TotalSeconds;
        return own ?? new BlockTime(wall, (Environment.CpuUsage.TotalTime - cpu).TotalSeconds);
    }
}
