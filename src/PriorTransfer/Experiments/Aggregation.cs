using System.Globalization;

namespace PriorTransfer.Experiments;

/// <summary>Mean and standard error of one cell's values (over seeds, or over directions). SE = sample sd / √count; NaN below 2 values.</summary>
public readonly record struct Stat(int Count, double Mean, double StandardError)
{
    public bool HasError => Count >= 2 && !double.IsNaN(StandardError);

    public static Stat Of(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).ToArray();
        if (v.Length == 0) return new Stat(0, double.NaN, double.NaN);
        double mean = v.Average();
        if (v.Length < 2) return new Stat(1, mean, double.NaN);
        double variance = v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1);
        return new Stat(v.Length, mean, Math.Sqrt(variance / v.Length));
    }

    /// <summary>"0.8123 ± 0.0040" (or "0.8123 (1 seed)" without an error).</summary>
    public string Format(string format = "F4") => Count == 0 ? "–"
        : HasError ? $"{Mean.ToString(format, CultureInfo.InvariantCulture)} ± {StandardError.ToString(format, CultureInfo.InvariantCulture)}"
        : $"{Mean.ToString(format, CultureInfo.InvariantCulture)} (n={Count})";

    public override string ToString() => Format();
}

/// <summary>A cell of the results: experiment, task, method, n and the extra axis values; runs differing only by seed share a cell.</summary>
public sealed record CellKey(string Experiment, string Task, string Method, int N, string Extra)
{
    public static CellKey Of(RunRecord r) => new(r.Experiment, r.Task, r.Method, r.N,
        string.Join(", ", r.Extra.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")));
}

/// <summary>Groups result lines into cells and computes each metric's mean ± standard error over seeds.</summary>
public static class Aggregation
{
    public static IReadOnlyDictionary<CellKey, IReadOnlyList<RunRecord>> Cells(IEnumerable<RunRecord> records) =>
        records.GroupBy(CellKey.Of).ToDictionary(g => g.Key, g => (IReadOnlyList<RunRecord>)g.OrderBy(r => r.Seed).ToList());

    /// <summary><paramref name="metric"/>'s statistic over <paramref name="records"/> (records without it are skipped).</summary>
    public static Stat Of(IEnumerable<RunRecord> records, string metric) =>
        Stat.Of(records.Select(r => r.Metric(metric)).Where(v => v is not null).Select(v => v!.Value));

    /// <summary>One row per cell: the cell's identity and mean ± SE of each metric, ordered by experiment, task, method, extra, n.</summary>
    public static IReadOnlyList<(CellKey Cell, IReadOnlyDictionary<string, Stat> Metrics)> Summarise(IEnumerable<RunRecord> records) =>
        Cells(records)
            .OrderBy(c => c.Key.Experiment, StringComparer.Ordinal).ThenBy(c => c.Key.Task, StringComparer.Ordinal)
            .ThenBy(c => c.Key.Method, StringComparer.Ordinal).ThenBy(c => c.Key.Extra, StringComparer.Ordinal).ThenBy(c => c.Key.N)
            .Select(c => (c.Key, (IReadOnlyDictionary<string, Stat>)c.Value.SelectMany(r => r.Metrics.Keys).Distinct()
                .ToDictionary(m => m, m => Of(c.Value, m))))
            .ToList();
}
