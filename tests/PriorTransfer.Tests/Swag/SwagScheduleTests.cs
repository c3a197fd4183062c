using PriorTransfer.Swag;

namespace PriorTransfer.Tests.Swag;

public class SwagScheduleTests
{
    [Fact]
    public void ConstantScheduleCollectsEveryNSteps()
    {
        var s = SwagSchedule.ConstantPerEpoch(0.05, stepsPerEpoch: 4);
        Assert.All(Enumerable.Range(0, 20), i => Assert.Equal(0.05, s.LearningRate(i)));
        var collected = Enumerable.Range(0, 12).Where(i => s.CollectsAfter(i)).ToArray();
        Assert.Equal([3, 7, 11], collected);
        Assert.Equal(40, s.StepsFor(10));
    }

    [Fact]
    public void CyclicalCosineRunsFromMaxToMinAndCollectsAtTheMinimum()
    {
        var s = SwagSchedule.CyclicalCosine(0.1, 0.001, cycleSteps: 5);
        for (var cycle = 0; cycle < 3; cycle++)
        {
            var start = cycle * 5;
            Assert.Equal(0.1, s.LearningRate(start), 12);
            Assert.Equal(0.001, s.LearningRate(start + 4), 12);
            Assert.Equal(0.0505, s.LearningRate(start + 2), 12);
            for (var i = 0; i < 4; i++) Assert.True(s.LearningRate(start + i) > s.LearningRate(start + i + 1));
            Assert.False(s.CollectsAfter(start + 3));
            Assert.True(s.CollectsAfter(start + 4));
        }
    }

    [Fact]
    public void InvalidSchedulesAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SwagSchedule.ConstantEvery(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SwagSchedule.ConstantEvery(0.1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SwagSchedule.CyclicalCosine(0.1, 0.2, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => SwagSchedule.ConstantEvery(0.1, 2).LearningRate(-1));
    }
}
