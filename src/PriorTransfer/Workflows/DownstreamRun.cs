using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using PriorTransfer.Data;
using PriorTransfer.Metrics;
using PriorTransfer.Training;
using PriorTransfer.Tuning;

namespace PriorTransfer.Workflows;

/// <summary>The outcome of tuning and testing one method at one (n, seed).</summary>
public sealed record DownstreamResult(
    string Method,
    int N,
    int Seed,
    DownstreamHyperparameters Chosen,
    IReadOnlyList<GridPoint<DownstreamHyperparameters>> Grid,
    MetricSummary Validation,
    MetricSummary Test,
    IReadOnlyList<ReliabilityBin> TestReliability,
    int EnsembleSize,
    double? MeanMemberTestAccuracy,
    [property: JsonIgnore] TimeSpan Elapsed,
    double? MeanMemberValidationAccuracy = null)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, // a diverged metric is NaN, not an error
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Wall time in seconds (the JSON carries this rather than a TimeSpan string).</summary>
    public double ElapsedSeconds => Elapsed.TotalSeconds;

    /// <summary>Everything above as indented JSON (camelCase): chosen hyperparameters, the grid, all metrics.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}

/// <summary>
/// One downstream experiment cell: tune the method on the fixed validation holdout (grid search, the same budget for
/// every method), then evaluate the chosen fit on the test set: accuracy, NLL, ECE, Brier, reliability bins. For
/// averaged predictors it also reports the members' mean test accuracy, so that a BMA is only trusted when its
/// samples are good models on their own.
/// </summary>
public static class DownstreamRun
{
    public static DownstreamResult Run(DownstreamSetup setup, DownstreamMethod method, int n, int seed, DownstreamBudget budget,
        IReadOnlyList<DownstreamHyperparameters> grid, IProgress<TrainingProgress>? progress = null,
        Action<GridPoint<DownstreamHyperparameters>>? onGridPoint = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        // Bad options are a one-line fix: report them before any data is loaded or model trained.
        if (seed < 0) throw new ArgumentOutOfRangeException(nameof(seed), $"seed must be ≥ 0; got {seed}.");
        if (grid.Count == 0) throw new ArgumentException("the tuning grid is empty.", nameof(grid));
        budget.Validate();
        foreach (var hyper in grid) hyper.Validate();
        using var search = Tune(setup, method, n, seed, budget, grid, progress, onGridPoint, cancellationToken);
        var test = setup.Task.DownstreamTest;
        var (metrics, memberAccuracy) = search.BestFit.Evaluate(test, cancellationToken);
        // Sampler health: each sample on its own, next to the average, so a sampler that wandered off shows at once.
        double? memberValidationAccuracy = null;
        if (memberAccuracy is not null)
        {
            using var validation = Subsets.Validation(setup.Task);
            memberValidationAccuracy = search.BestFit.Evaluate(validation, cancellationToken).MemberAccuracy;
        }
        return new DownstreamResult(method.Id, n, seed, search.Best.Config, search.Points, search.Best.Validation!, metrics.Summary(),
            metrics.ReliabilityBins(), search.BestFit.Size, memberAccuracy, clock.Elapsed, memberValidationAccuracy);
    }

    /// <summary>
    /// Fits every grid point on the (task, n, seed) training subset and keeps the fit with the best validation NLL
    /// (the caller disposes the result); diverged points are recorded, not thrown.
    /// </summary>
    public static GridSearchResult<DownstreamHyperparameters, DownstreamFit> Tune(DownstreamSetup setup, DownstreamMethod method, int n, int seed,
        DownstreamBudget budget, IReadOnlyList<DownstreamHyperparameters> grid, IProgress<TrainingProgress>? progress = null,
        Action<GridPoint<DownstreamHyperparameters>>? onGridPoint = null, CancellationToken cancellationToken = default)
    {
        using var train = Subsets.Training(setup.Task, n, seed);
        using var validation = Subsets.Validation(setup.Task);
        return GridSearch.Run(grid,
            hyper => DownstreamTrainer.Fit(setup, method, hyper, train, seed, budget, progress, cancellationToken),
            fit => Evaluator.Evaluate(images => fit.Predict(images, cancellationToken), validation).Summary(),
            SelectionCriterion.Nll, onGridPoint);
    }
}
