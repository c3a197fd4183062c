using System.Globalization;
using PriorTransfer.Workflows;

namespace PriorTransfer.Experiments;

/// <summary>Paper Fig. 2d: MAP with the learned prior at fixed λ on a log grid (each λ one run, no tuning of λ).</summary>
public sealed class ScaleExperiment : IExperiment
{
    public const string LambdaAxis = "lambda";
    public string Id => "scale";
    public string Description => "Fig. 2d: accuracy vs the prior scale λ (map-learned)";

    public IReadOnlyList<RunSpec> Plan(ExperimentContext context)
    {
        var method = DownstreamMethods.MapLearned;
        return (from seed in context.Profile.Seeds
                from n in context.Profile.AblationSizes
                from lambda in context.Profile.ScaleLambdas
                select new RunSpec(Id, context.Task.Name, method.Id, n, seed, context.Profile.Name,
                    new Dictionary<string, string> { [LambdaAxis] = TransferExperiment.Format(lambda) },
                    RunCost.Transfer(method, context.Profile, 1, TransferExperiment.TestCount(context), shifts: false),
                    c => TransferRun.Run(c, c.DefaultSetup(), method, n, seed,
                        [new DownstreamHyperparameters(TuningGrids.MapLearningRate, Lambda: lambda, Preconditioned: true)]))).ToList();
    }
}

/// <summary>
/// Paper Fig. 2b: MAP accuracy vs the rank K of the learned prior; K = 0 is the prior's diagonal alone
/// (<c>map-diagonal</c> on the default prior), every other K its own SWAG run.
/// </summary>
public sealed class RankExperiment : IExperiment
{
    public const string RankAxis = "rank";
    public string Id => "rank";
    public string Description => "Fig. 2b: accuracy vs rank K (map-learned; K = 0: diagonal)";

    public IReadOnlyList<RunSpec> Plan(ExperimentContext context) =>
        (from seed in context.Profile.Seeds
         from n in context.Profile.AblationSizes
         from rank in context.Profile.Ranks
         let method = rank == 0 ? DownstreamMethods.MapDiagonal : DownstreamMethods.MapLearned
         select new RunSpec(Id, context.Task.Name, DownstreamMethods.MapLearned.Id, n, seed, context.Profile.Name,
             new Dictionary<string, string> { [RankAxis] = rank.ToString(CultureInfo.InvariantCulture) },
             RunCost.Transfer(method, context.Profile, TuningGrids.For(method, context.Profile.Tuning).Count, TransferExperiment.TestCount(context), false),
             c => TransferRun.Run(c, c.Setup(c.SupervisedPrior(rank == 0 ? null : rank)), method, n, seed))).ToList();
}

/// <summary>
/// App. B.2: the prior learned from a SimCLR source model vs the supervised prior, same methods and subsets (the
/// supervised cells are the data-efficiency runs).
/// </summary>
public sealed class SslVsSupervisedExperiment : IExperiment
{
    public const string PriorAxis = "prior";
    public const string SimclrPrior = "simclr";
    public string Id => "ssl-vs-supervised";
    public string Description => "App. B.2: SimCLR-backbone prior vs supervised prior";

    public IReadOnlyList<RunSpec> Plan(ExperimentContext context)
    {
        IReadOnlyList<DownstreamMethod> methods = context.Profile.IsQuick
            ? [DownstreamMethods.MapLearned]
            : [DownstreamMethods.MapLearned, DownstreamMethods.BayesLearned];
        var sizes = context.Profile.AblationSizes;
        var supervised = TransferExperiment.Cells(context, Id, methods, sizes);
        var ssl = from seed in context.Profile.Seeds
                  from n in sizes
                  from method in methods
                  select new RunSpec(Id, context.Task.Name, method.Id, n, seed, context.Profile.Name,
                      new Dictionary<string, string> { [PriorAxis] = SimclrPrior },
                      RunCost.Transfer(method, context.Profile, TuningGrids.For(method, context.Profile.Tuning).Count, TransferExperiment.TestCount(context), false),
                      c => TransferRun.Run(c, c.Setup(c.SimclrPrior()), method, n, seed));
        return [.. supervised, .. ssl];
    }
}

/// <summary>Paper Fig. 2a: downstream test loss along the prior's top singular vectors vs random directions.</summary>
public sealed class AlignmentExperiment : IExperiment
{
    public const string ExperimentId = "alignment";
    public string Id => ExperimentId;
    public string Description => "Fig. 2a: test loss along the top-5 singular vectors of the prior vs 10 random directions (filter-normalised)";

    public IReadOnlyList<RunSpec> Plan(ExperimentContext context)
    {
        int n = context.Profile.AblationSizes[0];
        var method = DownstreamMethods.MapLearned;
        double evaluations = (AlignmentAnalysis.SingularDirections + AlignmentAnalysis.RandomDirections) * (context.Profile.AlignmentPoints - 1) + 1;
        double estimate = RunCost.Transfer(method, context.Profile, TuningGrids.For(method, context.Profile.Tuning).Count, 0, false)
            + evaluations * context.Profile.AlignmentTestLimit / RunCost.EvalImagesPerSecond;
        return context.Profile.Seeds.Select(seed => new RunSpec(Id, context.Task.Name, method.Id, n, seed, context.Profile.Name,
            new Dictionary<string, string>(), estimate, c => AlignmentAnalysis.Run(c, c.DefaultSetup(), n, seed))).ToList();
    }
}

/// <summary>
/// Not in the paper: SGHMC with the learned and the non-learned prior at <see cref="Factor"/> × the profile's sampler
/// steps (same cycles, so each BMA sample trains longer), beside the same cells at the profile's budget and MAP with the
/// same priors (the data-efficiency runs). It asks whether Bayes-vs-MAP comparisons (claims 1, 3, 9) are limited by the
/// sampler budget. The longer runs get more compute than MAP, so they do not enter the verdicts; not in <c>experiment all</c>.
/// </summary>
public sealed class SamplerBudgetExperiment : IExperiment
{
    public const string ExperimentId = "sampler-budget";
    public const string StepsAxis = "sampler_steps";
    public const int Factor = 3;

    /// <summary>Each sampler method and the MAP method with the same prior.</summary>
    public static IReadOnlyList<(DownstreamMethod Sampler, DownstreamMethod Map)> Pairs { get; } =
    [
        (DownstreamMethods.BayesLearned, DownstreamMethods.MapLearned),
        (DownstreamMethods.BayesNonlearned, DownstreamMethods.MapNonlearned),
    ];

    public string Id => ExperimentId;
    public string Description => $"not in the paper: SGHMC with {Factor}× the profile's sampler steps vs its budget and MAP";

    public IReadOnlyList<RunSpec> Plan(ExperimentContext context)
    {
        var profile = context.Profile;
        var budget = profile.Budget with { SamplerSteps = Factor * profile.Budget.SamplerSteps };
        var sizes = profile.AblationSizes;
        var reference = TransferExperiment.Cells(context, Id, Pairs.SelectMany(p => new[] { p.Sampler, p.Map }), sizes);
        var longer = from seed in profile.Seeds
                     from n in sizes
                     from method in Pairs.Select(p => p.Sampler)
                     select new RunSpec(Id, context.Task.Name, method.Id, n, seed, profile.Name,
                         new Dictionary<string, string> { [StepsAxis] = budget.SamplerSteps.ToString(CultureInfo.InvariantCulture) },
                         RunCost.Transfer(method, profile with { Budget = budget }, TuningGrids.For(method, profile.Tuning).Count, TransferExperiment.TestCount(context), false),
                         c => TransferRun.Run(c, c.DefaultSetup(), method, n, seed, budget: budget));
        return [.. reference, .. longer];
    }
}
