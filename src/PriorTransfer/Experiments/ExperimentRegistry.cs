namespace PriorTransfer.Experiments;

/// <summary>
/// The experiments by id. The built-in ones are registered at start; other namespaces (e.g. segmentation) add theirs
/// with <see cref="Register"/> before running, and <c>experiment all</c> runs every registered one in order.
/// </summary>
public sealed class ExperimentRegistry
{
    public const string AllId = "all";

    private readonly List<IExperiment> experiments = [];
    private readonly HashSet<string> outsideAll = new(StringComparer.Ordinal);

    /// <summary>Every registered experiment, in order.</summary>
    public IReadOnlyList<IExperiment> All => experiments;

    /// <summary>What <c>all</c> runs: the experiments of BENCHMARK.md, without the diagnostics registered outside it.</summary>
    public IReadOnlyList<IExperiment> Benchmark => experiments.Where(e => !outsideAll.Contains(e.Id)).ToList();

    public string Ids => string.Join(", ", experiments.Select(e => outsideAll.Contains(e.Id) ? $"{e.Id} (not in {AllId})" : e.Id));

    /// <summary>Adds <paramref name="experiment"/>; <c>all</c> runs it unless <paramref name="inAll"/> is false (diagnostics beyond BENCHMARK.md).</summary>
    public void Register(IExperiment experiment, bool inAll = true)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        if (experiment.Id == AllId || experiments.Any(e => e.Id == experiment.Id))
            throw new ArgumentException($"an experiment with id '{experiment.Id}' is already registered (or reserved).", nameof(experiment));
        experiments.Add(experiment);
        if (!inAll) outsideAll.Add(experiment.Id);
    }

    public IExperiment Get(string id) =>
        experiments.FirstOrDefault(e => e.Id == id)
        ?? throw new ArgumentException($"unknown experiment '{id}'; known experiments: {Ids}, or '{AllId}'.");

    /// <summary>
    /// The experiments named by <paramref name="ids"/>: one id, a comma-separated list (in that order, duplicates
    /// dropped), or <see cref="Benchmark"/> for <c>all</c>.
    /// </summary>
    public IReadOnlyList<IExperiment> Resolve(string ids)
    {
        var names = ids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0) throw new ArgumentException($"no experiment given; known experiments: {Ids}, or '{AllId}'.");
        if (names.Contains(AllId)) return Benchmark;
        return names.Distinct(StringComparer.Ordinal).Select(Get).ToList();
    }

    /// <summary>A registry holding the built-in experiments of BENCHMARK.md (segmentation registers itself elsewhere).</summary>
    public static ExperimentRegistry CreateDefault()
    {
        var registry = new ExperimentRegistry();
        registry.Register(new DataEfficiencyExperiment());
        registry.Register(new UncertaintyExperiment());
        registry.Register(new OodExperiment());
        registry.Register(new CovarianceExperiment());
        registry.Register(new ScaleExperiment());
        registry.Register(new RankExperiment());
        registry.Register(new EnsembleExperiment());
        registry.Register(new SslVsSupervisedExperiment());
        registry.Register(new AlignmentExperiment());
        registry.Register(new SamplerBudgetExperiment(), inAll: false);
        return registry;
    }
}
