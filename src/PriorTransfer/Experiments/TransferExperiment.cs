using System.Globalization;
using PriorTransfer.Workflows;

namespace PriorTransfer.Experiments;

/// <summary>Helpers the transfer experiments share: run specs of ordinary (method, n, seed) cells.</summary>
public static class TransferExperiment
{
    public const string DataEfficiencyId = "data-efficiency";

    /// <summary>The five methods of the paper, in its claimed order.</summary>
    public static IReadOnlyList<DownstreamMethod> PaperMethods { get; } =
    [
        DownstreamMethods.BayesLearned, DownstreamMethods.MapLearned, DownstreamMethods.Finetune,
        DownstreamMethods.BayesNonlearned, DownstreamMethods.MapNonlearned,
    ];

    /// <summary>
    /// A cell with the default supervised prior, owned by <paramref name="owner"/>. Runs of the five paper methods are
    /// owned by data-efficiency whichever experiment plans them, and also measure the shifted test sets.
    /// </summary>
    public static RunSpec Cell(ExperimentContext context, string owner, DownstreamMethod method, int n, int seed)
    {
        bool paper = PaperMethods.Contains(method);
        if (paper) owner = DataEfficiencyId;
        int grid = TuningGrids.For(method, context.Profile.Tuning).Count;
        return new RunSpec(owner, context.Task.Name, method.Id, n, seed, context.Profile.Name, new Dictionary<string, string>(),
            RunCost.Transfer(method, context.Profile, grid, TestCount(context), shifts: paper),
            c => TransferRun.Run(c, c.DefaultSetup(), method, n, seed, shifts: paper));
    }

    /// <summary>
    /// Every (method, n, seed) cell of <paramref name="methods"/> over <paramref name="sizes"/> and the profile's seeds,
    /// seed by seed: a full profile stopped part-way leaves whole tables with fewer seeds, not missing cells.
    /// </summary>
    public static IReadOnlyList<RunSpec> Cells(ExperimentContext context, string owner, IEnumerable<DownstreamMethod> methods, IEnumerable<int> sizes) =>
        (from seed in context.Profile.Seeds from n in sizes from method in methods select Cell(context, owner, method, n, seed)).ToList();

    public static long TestCount(ExperimentContext context) => Math.Min(context.Task.DownstreamTest.Count, context.Profile.TestLimit ?? long.MaxValue);

    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// The five paper methods over the main-axis sizes. The runs are shared: whichever of these experiments runs first
/// executes them (each run also measures NLL, ECE, Brier and the shifted test sets), the others read them.
/// </summary>
public abstract class PaperCellsExperiment(string id, string description) : IExperiment
{
    public string Id => id;
    public string Description => description;

    public IReadOnlyList<RunSpec> Plan(ExperimentContext context) =>
        TransferExperiment.Cells(context, Id, TransferExperiment.PaperMethods, context.Profile.SizesFor(context.Task));
}

/// <summary>Paper Fig. 3: accuracy vs n for the five methods.</summary>
public sealed class DataEfficiencyExperiment() : PaperCellsExperiment(TransferExperiment.DataEfficiencyId, "Fig. 3: accuracy vs n, five methods");

/// <summary>Paper Fig. 4b, 9: NLL and ECE vs n and reliability diagrams, read from the data-efficiency runs.</summary>
public sealed class UncertaintyExperiment() : PaperCellsExperiment("uncertainty", "Fig. 4b, 9: NLL and ECE vs n; reliability diagrams (the data-efficiency runs)");

/// <summary>Paper Fig. 4a: accuracy on the rotated, noisy and low-contrast test sets vs n, read from the data-efficiency runs.</summary>
public sealed class OodExperiment() : PaperCellsExperiment("ood", "Fig. 4a: accuracy on shifted test sets (rotate ±30°, noise, contrast) vs n");

/// <summary>Paper Fig. 2c: the learned low-rank covariance vs an isotropic prior at the learned mean, MAP and Bayes.</summary>
public sealed class CovarianceExperiment : IExperiment
{
    public string Id => "covariance";
    public string Description => "Fig. 2c: learned low-rank vs isotropic learned-mean prior, MAP and Bayes, vs n";

    public IReadOnlyList<RunSpec> Plan(ExperimentContext context) =>
        TransferExperiment.Cells(context, Id,
            [DownstreamMethods.MapLearned, DownstreamMethods.MapIsotropicMean, DownstreamMethods.BayesLearned, DownstreamMethods.BayesIsotropicMean],
            context.Profile.IsQuick ? context.Profile.AblationSizes : context.Profile.SizesFor(context.Task));
}

/// <summary>App. B.3: the learned-prior BMA vs a deep ensemble and a snapshot ensemble of the same size.</summary>
public sealed class EnsembleExperiment : IExperiment
{
    public string Id => "ensemble";
    public string Description => "App. B.3: BMA vs an equal-size deep ensemble (and a snapshot ensemble)";

    public IReadOnlyList<RunSpec> Plan(ExperimentContext context) =>
        TransferExperiment.Cells(context, Id,
            [DownstreamMethods.BayesLearned, DownstreamMethods.Ensemble, DownstreamMethods.SnapshotEnsemble], context.Profile.AblationSizes);
}
