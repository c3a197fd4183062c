using PriorTransfer.Metrics;
using PriorTransfer.Training;
using PriorTransfer.Tuning;

namespace PriorTransfer.Tests.Tuning;

public class GridSearchTests
{
    private sealed class Fit(double value) : IDisposable
    {
        public double Value { get; } = value;
        public bool Disposed { get; private set; }
        public void Dispose() => Disposed = true;
    }

    private static MetricSummary Summary(double accuracy, double nll) => new(500, accuracy, nll, 0, 0);

    [Fact]
    public void ChoosesLowestNllKeepsOnlyItsFitAndRecordsDivergedPoints()
    {
        var fits = new List<Fit>();
        using var result = GridSearch.Run([1.0, 10.0, 100.0],
            lambda =>
            {
                if (lambda == 1.0) throw new TrainingDivergedException("map", 3, double.NaN);
                var f = new Fit(lambda);
                fits.Add(f);
                return f;
            },
            f => f.Value == 10.0 ? Summary(0.80, 0.60) : Summary(0.82, 0.70));
        Assert.Equal(10.0, result.Best.Config);
        Assert.Same(fits[0], result.BestFit);
        Assert.False(fits[0].Disposed);
        Assert.True(fits[1].Disposed);
        Assert.True(result.Points[0].Diverged);
        Assert.Contains("step 3", result.Points[0].Failure);
        Assert.Equal(3, result.Points.Count);
    }

    [Fact]
    public void AccuracyCriterionBreaksTiesByNll()
    {
        using var result = GridSearch.Run([1, 2, 3], i => new Fit(i), f => f.Value switch
        {
            1 => Summary(0.9, 0.5),
            2 => Summary(0.9, 0.4),
            _ => Summary(0.8, 0.1),
        }, SelectionCriterion.Accuracy);
        Assert.Equal(2, result.Best.Config);
    }

    [Fact]
    public void AllDivergedIsAClearError()
    {
        var e = Assert.Throws<TrainingDivergedException>(() =>
            GridSearch.Run([1.0, 2.0], v => new Fit(v), _ => Summary(0.2, double.NaN)));
        Assert.Contains("every one of the 2", e.Message);
    }

    [Fact]
    public void LogGridReachesBothEnds()
    {
        var grid = GridSearch.LogGrid(0, 8, 5);
        Assert.Equal([1.0, 1e2, 1e4, 1e6, 1e8], grid.Select(v => Math.Round(v)).ToArray());
    }
}
