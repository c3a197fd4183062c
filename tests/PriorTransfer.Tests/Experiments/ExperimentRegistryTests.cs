using PriorTransfer.Experiments;

namespace PriorTransfer.Tests.Experiments;

public sealed class ExperimentRegistryTests
{
    private readonly ExperimentRegistry registry = ExperimentRegistry.CreateDefault();

    [Fact]
    public void ResolvesOneIdAListAndAll()
    {
        Assert.Equal(["scale"], registry.Resolve("scale").Select(e => e.Id));
        Assert.Equal(["rank", "scale"], registry.Resolve(" rank, scale ,rank").Select(e => e.Id));
        Assert.Equal(registry.Benchmark, registry.Resolve("all"));
    }

    /// <summary>`all` is BENCHMARK.md's experiments; the sampler-budget diagnostic runs only when named, and the ids say so.</summary>
    [Fact]
    public void AllLeavesOutTheDiagnosticsButTheyCanBeNamed()
    {
        Assert.DoesNotContain(registry.Resolve("all"), e => e.Id == SamplerBudgetExperiment.ExperimentId);
        Assert.Equal(registry.All.Count - 1, registry.Resolve("all").Count);
        Assert.Equal([SamplerBudgetExperiment.ExperimentId], registry.Resolve("sampler-budget").Select(e => e.Id));
        Assert.Contains("sampler-budget (not in all)", registry.Ids);
    }

    [Fact]
    public void AnUnknownOrEmptyIdNamesTheKnownOnes()
    {
        var unknown = Assert.Throws<ArgumentException>(() => registry.Resolve("scale,rnak"));
        Assert.Contains("'rnak'", unknown.Message);
        Assert.Contains("data-efficiency", unknown.Message);
        Assert.Contains("data-efficiency", Assert.Throws<ArgumentException>(() => registry.Resolve(" , ")).Message);
    }
}
