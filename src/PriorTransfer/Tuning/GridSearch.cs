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
public sealed record GridPoint<TConfig>(TConfig Config, double? Accuracy, double? Nll, string? Failure)
{
    public bool Diverged => Failure is not null;
}

/// <summary>Every grid point and the chosen one.</summary>
public sealed record GridSearchResult<TConfig>(IReadOnlyList<GridPoint<TConfig>> Points, GridPoint<TConfig> Best, SelectionCriterion Criterion);

/// <summary>
/// Exhaustive search over a grid of configurations, each scored on the validation holdout. A configuration whose
/// run diverges is a result (recorded with its reason), not a crash; the search fails only if every point diverged.
/// Every method gets the same kind of grid through this one type, so tuning budgets are comparable.
/// </summary>
public static class GridSearch
{
    public static GridSearchResult<TConfig> Run<TConfig>(
        IReadOnlyList<TConfig> grid,
        Func<TConfig, EvaluationResult> evaluate,
        SelectionCriterion criterion = SelectionCriterion.Nll,
        Action<GridPoint<TConfig>>? onPoint = null)
    {
        if (grid.Count == 0) throw new ArgumentException("the tuning grid is empty.", nameof(grid));
        var points = new List<GridPoint<TConfig>>();
        foreach (var config in grid)
        {
            GridPoint<TConfig> point;
            try
            {
                var result = evaluate(config);
                point = double.IsFinite(result.Nll)
                    ? new GridPoint<TConfig>(config, result.Accuracy, result.Nll, null)
                    : new GridPoint<TConfig>(config, null, null, $"validation NLL is {result.Nll}");
            }
            catch (TrainingDivergedException e)
            {
                point = new GridPoint<TConfig>(config, null, null, e.Message);
            }
            points.Add(point);
            onPoint?.Invoke(point);
        }
        var healthy = points.Where(p => !p.Diverged).ToList();
        if (healthy.Count == 0)
            throw new GridSearchDivergedException(points.Count,
                $"every one of the {points.Count} tuning grid points diverged; first failure: {points[0].Failure} " +
                "Widen the grid (larger prior scale λ, smaller learning rate).");
        var best = criterion == SelectionCriterion.Nll
            ? healthy.MinBy(p => p.Nll!.Value)!
            : healthy.OrderByDescending(p => p.Accuracy!.Value).ThenBy(p => p.Nll!.Value).First();
        return new GridSearchResult<TConfig>(points, best, criterion);
    }

    /// <summary>A logarithmic grid: <paramref name="count"/> values from 10^<paramref name="fromExponent"/> to 10^<paramref name="toExponent"/>.</summary>
    public static double[] LogGrid(double fromExponent, double toExponent, int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count));
        if (count == 1) return [Math.Pow(10, fromExponent)];
        return Enumerable.Range(0, count).Select(i => Math.Pow(10, fromExponent + (toExponent - fromExponent) * i / (count - 1))).ToArray();
    }
}
