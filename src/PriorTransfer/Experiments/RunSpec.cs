using System.Globalization;

namespace PriorTransfer.Experiments;

/// <summary>
/// A planned run: its identity (experiment, task, method, n, seed, extra axis values, profile) and how to execute it.
/// The key is a readable function of the identity, so a rerun recognises the runs already in <c>results.jsonl</c>.
/// Several experiments may plan the same run (e.g. <c>uncertainty</c> reads the <c>data-efficiency</c> runs): the
/// owner is <see cref="Experiment"/> and the run executes once.
/// </summary>
public sealed record RunSpec(
    string Experiment,
    string Task,
    string Method,
    int N,
    int Seed,
    string Profile,
    IReadOnlyDictionary<string, string> Extra,
    double EstimatedSeconds,
    Func<ExperimentContext, RunOutcome> Execute)
{
    public string Key => KeyOf(Experiment, Task, Method, N, Seed, Profile, Extra);

    public static string KeyOf(string experiment, string task, string method, int n, int seed, string profile, IReadOnlyDictionary<string, string> extra)
    {
        var parts = new List<string> { experiment, task, method, $"n={n.ToString(CultureInfo.InvariantCulture)}", $"seed={seed.ToString(CultureInfo.InvariantCulture)}", $"profile={profile}" };
        parts.AddRange(extra.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        return string.Join("|", parts);
    }

    public override string ToString() => Key;
}

/// <summary>What executing a run produced; the runner adds identity, wall time and environment.</summary>
public sealed record RunOutcome(
    IReadOnlyDictionary<string, double> Hyperparameters,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyList<Metrics.ReliabilityBin>? Reliability = null,
    IReadOnlyDictionary<string, double[]>? Curves = null);
