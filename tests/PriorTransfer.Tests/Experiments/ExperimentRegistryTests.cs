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
        Assert.Equal(registry.All, registry.Resolve("all"));
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
