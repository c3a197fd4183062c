using PriorTransfer.Metrics;
using PriorTransfer.Training;

namespace PriorTransfer.Tuning;

/// <summary>How a grid point is chosen from validation metrics.</summary>
public enum SelectionCriterion
{
    /// <summary>Lowest validation negative log-likelihood (default: it rewards calibrated confidence, not only the arg-max).</summary>
    Nll,
    /// <summary>Highest validation accuracy; ties broken by lower NLL.</summary>
    Accuracy,
}

/// <summary>The validation outcome of one grid point. A diverged point has no metrics and says why.</summary>
public sealed record GridPoint<TConfig>(TConfig Config, MetricSummary? Validation, string? Failure)
{
    public bool Diverged => Failure is not null;
}

/// <summary>Every grid point, the chosen one, and the fitted model of the chosen one (owned: disposed with the result).</summary>
public sealed class GridSearchResult<TConfig, TFit>(IReadOnlyList<GridPoint<TConfig>> points, GridPoint<TConfig> best, TFit bestFit, SelectionCriterion criterion)
    : IDisposable where TFit : IDisposable
{
    public IReadOnlyList<GridPoint<TConfig>> Points { get; } = points;
    public GridPoint<TConfig> Best { get; } = best;
    public TFit BestFit { get; } = bestFit;
    public SelectionCriterion Criterion { get; } = criterion;

    public void Dispose() => BestFit.Dispose();
}

/// <summary>
/// Exhaustive search over a grid of configurations, each fitted on the training subset and scored on the validation
/// holdout. A configuration whose run diverges is a result (recorded with its reason), not a crash; the search fails
/// only if every point diverged. Only the best fit is kept, so the chosen configuration is never trained twice.
/// Every method is tuned through this one type, so tuning budgets are comparable (the grid size is the budget).
/// </summary>
public static class GridSearch
{
    public static GridSearchResult<TConfig, TFit> Run<TConfig, TFit>(
        IReadOnlyList<TConfig> grid,
        Func<TConfig, TFit> fit,
        Func<TFit, MetricSummary> validate,
        SelectionCriterion criterion = SelectionCriterion.Nll,
        Action<GridPoint<TConfig>>? onPoint = null) where TFit : IDisposable
    {
        if (grid.Count == 0) throw new ArgumentException("the tuning grid is empty.", nameof(grid));
        var points = new List<GridPoint<TConfig>>();
        GridPoint<TConfig>? best = null;
        TFit? bestFit = default;
        try
        {
            foreach (var config in grid)
            {
                GridPoint<TConfig> point;
                TFit? fitted = default;
                try
                {
                    fitted = fit(config);
                    var validation = validate(fitted);
                    point = double.IsFinite(validation.NegativeLogLikelihood)
                        ? new GridPoint<TConfig>(config, validation, null)
                        : new GridPoint<TConfig>(config, null, $"the validation NLL is {validation.NegativeLogLikelihood}");
                }
                catch (TrainingDivergedException e)
                {
                    point = new GridPoint<TConfig>(config, null, e.Message);
                }
                points.Add(point);
                onPoint?.Invoke(point);
                if (!point.Diverged && (best is null || Better(point.Validation!, best.Validation!, criterion)))
                {
                    bestFit?.Dispose();
                    (best, bestFit) = (point, fitted);
                }
                else
                {
                    fitted?.Dispose();
                }
            }
        }
        catch
        {
            bestFit?.Dispose();
            throw;
        }
        if (best is null)
            throw new TrainingDivergedException("tuning", 0, double.NaN,
                $"every one of the {points.Count} tuning grid points diverged (first: {points[0].Failure}). Widen the grid: a larger prior scale λ, a smaller learning rate.");
        return new GridSearchResult<TConfig, TFit>(points, best, bestFit!, criterion);
    }

    private static bool Better(MetricSummary candidate, MetricSummary incumbent, SelectionCriterion criterion) => criterion switch
    {
        SelectionCriterion.Accuracy => candidate.Accuracy > incumbent.Accuracy ||
            (candidate.Accuracy == incumbent.Accuracy && candidate.NegativeLogLikelihood < incumbent.NegativeLogLikelihood),
        _ => candidate.NegativeLogLikelihood < incumbent.NegativeLogLikelihood,
    };

    /// <summary>A logarithmic grid: <paramref name="count"/> values from 10^<paramref name="fromExponent"/> to 10^<paramref name="toExponent"/>.</summary>
    public static double[] LogGrid(double fromExponent, double toExponent, int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count));
        if (count == 1) return [Math.Pow(10, fromExponent)];
        return Enumerable.Range(0, count).Select(i => Math.Pow(10, fromExponent + (toExponent - fromExponent) * i / (count - 1))).ToArray();
    }
}
