using PriorTransfer.Workflows;

namespace PriorTransfer.Tests.Workflows;

public class TuningGridsTests
{
    [Theory]
    [InlineData(TuningBudget.Quick, 3)]
    [InlineData(TuningBudget.Full, 6)]
    public void EveryMethodGetsTheSameNumberOfConfigurations(TuningBudget budget, int expected)
    {
        foreach (var method in DownstreamMethods.All)
        {
            var grid = TuningGrids.For(method, budget);
            Assert.Equal(expected, grid.Count);
            Assert.Equal(expected, grid.Distinct().Count());
            foreach (var point in grid) point.Validate();
            Assert.All(grid, p => Assert.Equal(method.Prior != BackbonePrior.None, p.Lambda is not null));
            Assert.All(grid, p => Assert.Equal(method.IsBayesian, p.Temperature is not null));
        }
    }

    [Fact]
    public void MapGridsArePreconditionedByDefaultAndOtherInferenceRefusesIt()
    {
        Assert.All(TuningGrids.For(DownstreamMethods.MapLearned, TuningBudget.Full), p => Assert.True(p.Preconditioned));
        Assert.All(TuningGrids.For(DownstreamMethods.MapLearned, TuningBudget.Full, precondition: false), p => Assert.False(p.Preconditioned));
        Assert.All(TuningGrids.For(DownstreamMethods.BayesLearned, TuningBudget.Full), p => Assert.False(p.Preconditioned));
        Assert.Throws<ArgumentException>(() => TuningGrids.For(DownstreamMethods.BayesLearned, TuningBudget.Quick, precondition: true));
        Assert.Throws<ArgumentException>(() => TuningGrids.For(DownstreamMethods.Finetune, TuningBudget.Quick, precondition: true));
    }
}
