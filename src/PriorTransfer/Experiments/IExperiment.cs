namespace PriorTransfer.Experiments;

/// <summary>
/// One experiment of BENCHMARK.md: it plans its runs for a task and profile; each run executes itself
/// (<see cref="RunSpec.Execute"/>). Experiments that only re-read other experiments' runs (e.g. <c>uncertainty</c>)
/// plan those runs, which then execute once under their owner's name.
/// </summary>
public interface IExperiment
{
    /// <summary>The id used on the command line and in result lines (e.g. <c>data-efficiency</c>).</summary>
    string Id { get; }

    /// <summary>The paper figure or table it reproduces and what it measures.</summary>
    string Description { get; }

    IReadOnlyList<RunSpec> Plan(ExperimentContext context);
}
