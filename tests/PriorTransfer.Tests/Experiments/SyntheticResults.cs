using PriorTransfer.Experiments;
using PriorTransfer.Metrics;

namespace PriorTransfer.Tests.Experiments;

/// <summary>Result lines with chosen metric values, for aggregation, verdict and report tests (no training).</summary>
internal static class SyntheticResults
{
    public static RunRecord Record(string experiment, string method, int n, int seed, double accuracy, double? nll = null, double? ece = null,
        Dictionary<string, string>? extra = null, string task = "synthetic", Dictionary<string, double>? metrics = null)
    {
        extra ??= [];
        var values = new Dictionary<string, double> { [MetricNames.Accuracy] = accuracy, [MetricNames.Nll] = nll ?? 1 - accuracy, [MetricNames.Ece] = ece ?? 0.05 };
        if (metrics is not null) foreach (var (k, v) in metrics) values[k] = v;
        return new RunRecord
        {
            Key = RunSpec.KeyOf(experiment, task, method, n, seed, "test", extra),
            Experiment = experiment, Task = task, Method = method, N = n, Seed = seed, Profile = "test",
            Extra = extra, Metrics = values, Hyperparameters = new() { ["learning_rate"] = 0.01 },
            Reliability = [new ReliabilityBin(0, 0.5, 10, 0.4, 0.3), new ReliabilityBin(0.5, 1, 30, 0.8, 0.7)],
            WallSeconds = 1, GitCommit = "test",
        };
    }

    /// <summary>Three seeds of a cell: mean <paramref name="mean"/>, values mean − spread, mean, mean + spread.</summary>
    public static IEnumerable<RunRecord> Seeds(string experiment, string method, int n, double mean, double spread,
        Dictionary<string, string>? extra = null, string? metric = null, string task = "synthetic")
    {
        for (int seed = 0; seed < 3; seed++)
        {
            double value = mean + (seed - 1) * spread;
            yield return metric is null
                ? Record(experiment, method, n, seed, value, extra: extra, task: task)
                : Record(experiment, method, n, seed, 0.5, extra: extra, task: task, metrics: new() { [metric] = value });
        }
    }
}
