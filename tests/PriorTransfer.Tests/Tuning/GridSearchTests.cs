using PriorTransfer.Training;
using PriorTransfer.Tuning;

namespace PriorTransfer.Tests.Tuning;

public class GridSearchTests
{
    [Fact]
    public void ChoosesLowestNllAndRecordsDivergedPoints()
    {
        var result = GridSearch.Run([1.0, 10.0, 100.0], lambda => lambda switch
        {
            1.0 => throw new TrainingDivergedException("map", 3, double.NaN),
            10.0 => new EvaluationResult(0.80, 0.60, 500),
            _ => new EvaluationResult(0.82, 0.70, 500),
        });
        Assert.Equal(10.0, result.Best.Config);
        Assert.True(result.Points[0].Diverged);
        Assert.Contains("step 3", result.Points[0].Failure);
        Assert.Equal(3, result.Points.Count);
    }

    [Fact]
    public void AccuracyCriterionBreaksTiesByNll()
    {
        var result = GridSearch.Run([1, 2, 3], i => i switch
        {
            1 => new EvaluationResult(0.9, 0.5, 10),
            2 => new EvaluationResult(0.9, 0.4, 10),
            _ => new EvaluationResult(0.8, 0.1, 10),
        }, SelectionCriterion.Accuracy);
        Assert.Equal(2, result.Best.Config);
    }

    [Fact]
    public void AllDivergedIsAClearError()
    {
        var e = Assert.Throws<GridSearchDivergedException>(() =>
            GridSearch.Run([1.0, 2.0], _ => new EvaluationResult(0.2, double.NaN, 10)));
        Assert.Contains("every one of the 2", e.Message);
    }

    [Fact]
    public void LogGridReachesBothEnds()
    {
        var grid = GridSearch.LogGrid(0, 8, 5);
        Assert.Equal([1.0, 1e2, 1e4, 1e6, 1e8], grid.Select(v => Math.Round(v)).ToArray());
    }
}
