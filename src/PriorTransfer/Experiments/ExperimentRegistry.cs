namespace PriorTransfer.Experiments;

/// <summary>
/// The experiments by id. The built-in ones are registered at start; other namespaces (e.g. segmentation) add theirs
/// with <see cref="Register"/> before running, and <c>experiment all</c> runs every registered one in order.
/// </summary>
public sealed class ExperimentRegistry
{
    public const string AllId = "all";

    private readonly List<IExperiment> experiments = [];

    public IReadOnlyList<IExperiment> All => experiments;

    public string Ids => string.Join(", ", experiments.Select(e => e.Id));

    public void Register(IExperiment experiment)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        if (experiment.Id == AllId || experiments.Any(e => e.Id == experiment.Id))
            throw new ArgumentException($"an experiment with id '{experiment.Id}' is already registered (or reserved).", nameof(experiment));
        experiments.Add(experiment);
    }

    public IExperiment Get(string id) =>
        experiments.FirstOrDefault(e => e.Id == id)
        ?? throw new ArgumentException($"unknown experiment '{id}'; known experiments: {Ids}, or '{AllId}'.");

    /// <summary>
    /// The experiments named by <paramref name="ids"/>: one id, a comma-separated list (in that order, duplicates
    /// dropped), or all of them for <c>all</c>.
    /// </summary>
    public IReadOnlyList<IExperiment> Resolve(string ids)
    {
        var names = ids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0) throw new ArgumentException($"no experiment given; known experiments: {Ids}, or '{AllId}'.");
        if (names.Contains(AllId)) return All;
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
        return registry;
    }
}
