using PriorTransfer.Data;
using PriorTransfer.Metrics;
using PriorTransfer.Tuning;
using PriorTransfer.Workflows;
using static TorchSharp.torch;

namespace PriorTransfer.Experiments;

/// <summary>
/// One transfer cell as in <see cref="DownstreamRun"/> (tune on the validation holdout by NLL with the same grid
/// size for every method, then test the chosen fit), plus what the experiments also need from the same fit: its
/// metrics on the shifted test sets and the members' mean accuracy. Training the fit once and evaluating it on every
/// test set keeps the ood experiment free.
/// </summary>
public static class TransferRun
{
    /// <summary>Runs one cell; <paramref name="budget"/> replaces the profile's downstream budget (sampler-budget).</summary>
    public static RunOutcome Run(ExperimentContext context, DownstreamSetup setup, DownstreamMethod method, int n, int seed,
        IReadOnlyList<DownstreamHyperparameters>? grid = null, bool shifts = false, DownstreamBudget? budget = null)
    {
        var profile = context.Profile;
        using var search = Tune(context, setup, method, n, seed, grid, budget);
        var fit = search.BestFit;
        var all = setup.Task.DownstreamTest;
        using var limited = profile.TestLimit is { } limit && limit < all.Count ? all.Select(arange(limit, dtype: ScalarType.Int64)) : null;
        var test = limited ?? all;
        var (testMetrics, memberAccuracy) = fit.Evaluate(test, context.CancellationToken);
        var metrics = Summarise(testMetrics.Summary(), "");
        metrics[MetricNames.ValidationNll] = search.Best.Validation!.NegativeLogLikelihood;
        metrics[MetricNames.EnsembleSize] = fit.Size;
        if (memberAccuracy is { } member) metrics[MetricNames.MemberAccuracy] = member;
        if (shifts)
        {
            foreach (var kind in DistributionShift.All)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                using var shifted = DistributionShift.Apply(test, kind, seed: 0, profile.ShiftedTestLimit);
                foreach (var (name, value) in Summarise(Evaluator.Evaluate(images => fit.Predict(images, context.CancellationToken), shifted).Summary(), DistributionShift.Name(kind) + "_"))
                    metrics[name] = value;
            }
        }
        return new RunOutcome(Hyperparameters(search.Best.Config), metrics, testMetrics.ReliabilityBins());
    }

    /// <summary>Tunes <paramref name="method"/> on the validation holdout and keeps the best fit (the caller disposes the result).</summary>
    public static GridSearchResult<DownstreamHyperparameters, DownstreamFit> Tune(ExperimentContext context, DownstreamSetup setup,
        DownstreamMethod method, int n, int seed, IReadOnlyList<DownstreamHyperparameters>? grid = null, DownstreamBudget? budget = null) =>
        DownstreamRun.Tune(setup, method, n, seed, budget ?? context.Profile.Budget, grid ?? TuningGrids.For(method, context.Profile.Tuning),
            cancellationToken: context.CancellationToken);

    /// <summary>The chosen hyperparameters by name (λ, head variance and temperature only where the method has them).</summary>
    public static Dictionary<string, double> Hyperparameters(DownstreamHyperparameters hyper)
    {
        var values = new Dictionary<string, double> { ["learning_rate"] = hyper.LearningRate, ["weight_decay"] = hyper.WeightDecay };
        if (hyper.Lambda is { } l) { values["lambda"] = l; values["head_variance"] = hyper.HeadVariance; }
        if (hyper.Temperature is { } t) values["temperature"] = t;
        if (hyper.Preconditioned) values["preconditioned"] = 1;
        return values;
    }

    private static Dictionary<string, double> Summarise(MetricSummary s, string prefix) => new()
    {
        [prefix + MetricNames.Accuracy] = s.Accuracy,
        [prefix + MetricNames.Nll] = s.NegativeLogLikelihood,
        [prefix + MetricNames.Ece] = s.ExpectedCalibrationError,
        [prefix + MetricNames.Brier] = s.BrierScore,
    };
}
