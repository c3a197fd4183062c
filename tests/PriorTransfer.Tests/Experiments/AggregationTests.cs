using PriorTransfer.Experiments;

namespace PriorTransfer.Tests.Experiments;

public class AggregationTests
{
    [Fact]
    public void StatIsTheMeanAndTheStandardErrorOfTheMean()
    {
        var s = Stat.Of([1.0, 2.0, 3.0, 6.0]);
        Assert.Equal(4, s.Count);
        Assert.Equal(3.0, s.Mean, 12);
        // Sample variance (1 + 4 + 0 + 9... around 3: 4 + 1 + 0 + 9 = 14) / 3, SE = sqrt(14/3 / 4).
        Assert.Equal(Math.Sqrt(14.0 / 3 / 4), s.StandardError, 12);
        Assert.True(s.HasError);
    }

    [Fact]
    public void OneValueHasNoStandardError()
    {
        var s = Stat.Of([0.7]);
        Assert.Equal(1, s.Count);
        Assert.False(s.HasError);
        Assert.Contains("n=1", s.Format());
        Assert.Equal(0, Stat.Of([]).Count);
    }

    [Fact]
    public void CellsGroupSeedsAndSeparateEveryOtherAxis()
    {
        var records = new[]
        {
            SyntheticResults.Record("data-efficiency", "finetune", 10, 0, 0.5),
            SyntheticResults.Record("data-efficiency", "finetune", 10, 1, 0.7),
            SyntheticResults.Record("data-efficiency", "finetune", 100, 0, 0.9),
            SyntheticResults.Record("data-efficiency", "map-learned", 10, 0, 0.6),
            SyntheticResults.Record("scale", "map-learned", 10, 0, 0.1, extra: new() { ["lambda"] = "1" }),
            SyntheticResults.Record("scale", "map-learned", 10, 1, 0.3, extra: new() { ["lambda"] = "1" }),
            SyntheticResults.Record("scale", "map-learned", 10, 0, 0.2, extra: new() { ["lambda"] = "100" }),
            SyntheticResults.Record("data-efficiency", "finetune", 10, 0, 0.1, task: "other"),
        };
        var summary = Aggregation.Summarise(records);
        Assert.Equal(6, summary.Count);
        var finetune10 = summary.Single(c => c.Cell == new CellKey("data-efficiency", "synthetic", "finetune", 10, ""));
        Assert.Equal(2, finetune10.Metrics["accuracy"].Count);
        Assert.Equal(0.6, finetune10.Metrics["accuracy"].Mean, 12);
        Assert.Equal(0.1, finetune10.Metrics["accuracy"].StandardError, 12);   // sd 0.1414 / √2
        var lambda1 = summary.Single(c => c.Cell.Extra == "lambda=1");
        Assert.Equal(0.2, lambda1.Metrics["accuracy"].Mean, 12);
    }
}
