using PriorTransfer.Sampling;

namespace PriorTransfer.Tests.Sampling;

public class CyclicalScheduleTests
{
    [Fact]
    public void LearningRateFollowsZhangEtAlCosine()
    {
        // K = 100 steps, M = 4 cycles ⇒ ⌈K/M⌉ = 25; lr(k) = lr0/2 (cos(π mod(k−1, 25)/25) + 1), step s = k − 1.
        var schedule = CyclicalSchedule.FromTotalSteps(0.5, totalSteps: 100, cycles: 4);
        Assert.Equal(25, schedule.StepsPerCycle);
        foreach (var cycleStart in new[] { 0, 25, 50, 75 })
            Assert.Equal(0.5, schedule.LearningRate(cycleStart), 15);
        Assert.Equal(0.5 / 2 * (Math.Cos(Math.PI * 12 / 25) + 1), schedule.LearningRate(37), 15); // ≈ lr0/2 mid-cycle
        Assert.Equal(0.5 / 2 * (Math.Cos(Math.PI * 7 / 25) + 1), schedule.LearningRate(57), 15);
        var last = schedule.LearningRate(24);
        Assert.Equal(0.5 / 2 * (Math.Cos(Math.PI * 24 / 25) + 1), last, 15);
        Assert.True(last < 0.01 * 0.5, $"end of cycle lr {last} should be ≈ 0");
        Assert.True(schedule.LearningRate(99) < 0.01 * 0.5);
    }

    [Fact]
    public void LearningRateDecreasesWithinACycleAndRestarts()
    {
        var schedule = new CyclicalSchedule(1.0, stepsPerCycle: 20, cycles: 3);
        for (var s = 1; s < schedule.TotalSteps; s++)
        {
            if (s % 20 == 0)
                Assert.True(schedule.LearningRate(s) > schedule.LearningRate(s - 1));
            else
                Assert.True(schedule.LearningRate(s) < schedule.LearningRate(s - 1));
        }
    }

    [Fact]
    public void ExplorationPhaseHasNoNoiseAndSamplesComeAtTheEndOfEachCycle()
    {
        // β = 0.8 of a 10-step cycle: steps 0–7 explore, 8–9 sample; 2 samples per cycle at offsets 8 and 9.
        var schedule = new CyclicalSchedule(0.1, stepsPerCycle: 10, cycles: 5, samplesPerCycle: 2, explorationFraction: 0.8);
        Assert.Equal(8, schedule.ExplorationSteps);
        for (var s = 0; s < schedule.TotalSteps; s++)
        {
            var step = schedule.At(s);
            Assert.Equal(s, step.Step);
            Assert.Equal(s / 10, step.Cycle);
            Assert.Equal(s % 10 >= 8, step.NoiseEnabled);
            Assert.Equal(s % 10 >= 8, step.CollectSample);
            Assert.Equal(schedule.LearningRate(s), step.LearningRate);
        }

        Assert.Equal([8, 9, 18, 19, 28, 29, 38, 39, 48, 49], schedule.SampleSteps());
    }

    [Fact]
    public void SamplesAreSpreadOverTheSamplingPhase()
    {
        // 50-step cycle, β = 0.5: 25 sampling steps, 3 samples spaced ⌊25/3⌋ = 8 apart, ending at the last step.
        var schedule = new CyclicalSchedule(0.1, stepsPerCycle: 50, cycles: 2, samplesPerCycle: 3, explorationFraction: 0.5);
        Assert.Equal([33, 41, 49, 83, 91, 99], schedule.SampleSteps());
        Assert.All(schedule.SampleSteps(), s => Assert.True(schedule.At(s).NoiseEnabled));
    }

    [Fact]
    public void DefaultCollectsTenSamples()
    {
        var schedule = CyclicalSchedule.FromTotalSteps(0.1, totalSteps: 1000);
        Assert.Equal(10, schedule.Cycles);
        Assert.Equal(10, schedule.TotalSamples);
        var collected = Enumerable.Range(0, schedule.TotalSteps).Count(s => schedule.At(s).CollectSample);
        Assert.Equal(10, collected);
        Assert.Equal(Enumerable.Range(0, 10).Select(c => c * 100 + 99), schedule.SampleSteps());
    }

    [Fact]
    public void BudgetIsRoundedUpSoThatTheLastCycleCompletes()
    {
        var schedule = CyclicalSchedule.FromTotalSteps(0.1, totalSteps: 105, cycles: 10);
        Assert.Equal(11, schedule.StepsPerCycle);
        Assert.Equal(110, schedule.TotalSteps);
        Assert.Equal(10, Enumerable.Range(0, schedule.TotalSteps).Count(s => schedule.At(s).CollectSample));
    }

    [Fact]
    public void ApplyToSetsTheSamplersRateAndNoise()
    {
        using var p = new TorchSharp.Modules.Parameter(TorchSharp.torch.zeros(2));
        using var sampler = new Sghmc([p], 1.0, datasetSize: 10);
        var schedule = new CyclicalSchedule(0.2, stepsPerCycle: 10, cycles: 2);
        var explore = schedule.ApplyTo(sampler, 3);
        Assert.Equal(schedule.LearningRate(3), sampler.LearningRate);
        Assert.False(sampler.NoiseEnabled);
        Assert.False(explore.CollectSample);
        var last = schedule.ApplyTo(sampler, 19);
        Assert.True(sampler.NoiseEnabled);
        Assert.True(last.CollectSample);
        schedule.ApplyTo(sampler, 19, injectNoise: false);
        Assert.False(sampler.NoiseEnabled);
    }

    [Fact]
    public void RejectsImpossibleConfigurations()
    {
        Assert.Throws<ArgumentException>(() => new CyclicalSchedule(0.1, stepsPerCycle: 10, cycles: 2, samplesPerCycle: 3, explorationFraction: 0.8));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CyclicalSchedule(0.1, stepsPerCycle: 10, explorationFraction: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CyclicalSchedule(0, stepsPerCycle: 10));
        var schedule = new CyclicalSchedule(0.1, stepsPerCycle: 10, cycles: 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.At(20));
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.At(-1));
    }
}
