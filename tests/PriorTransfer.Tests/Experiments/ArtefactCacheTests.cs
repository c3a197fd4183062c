using PriorTransfer.Data;
using PriorTransfer.Experiments;
using PriorTransfer.Serialization;
using PriorTransfer.Tests.Reliability;
using PriorTransfer.Workflows;

namespace PriorTransfer.Tests.Experiments;

public sealed class ArtefactCacheTests : IDisposable
{
    private readonly Workspace workspace = new();

    public void Dispose() => workspace.Dispose();

    [Fact]
    public void ATruncatedPriorIsTheSourcePriorCutToThatRankWithItsSwaCheckpointAndIsReused()
    {
        string folder = workspace.NewFolder("prior");
        string source = Path.Combine(folder, "source.prior");
        File.Copy(workspace.ValidPrior, source);
        File.Copy(workspace.ValidCheckpoint, PriorLearning.SwaCheckpointPath(source));
        var task = TaskCatalog.Create(TaskCatalog.FashionSplit, workspace.FakeFashion());
        var messages = new List<string>();
        var cache = new ArtefactCache(workspace.NewFolder("cache"), messages.Add);

        string path = cache.TruncatedPrior(task, source, rank: 1);

        using (var original = PriorFile.Read(source))
        using (var cut = PriorFile.Read(path))
        using (var expected = original.Gaussian.Truncate(1))
        {
            Assert.Equal(1, cut.Manifest.Rank);
            Assert.Equal(original.Manifest.SnapshotCount, cut.Manifest.SnapshotCount);
            Assert.Equal(original.Manifest.Source, cut.Manifest.Source);
            Assert.Contains("rank 2", cut.Manifest.Extra["truncated_from"]);
            Assert.True(Dense.Same(cut.Gaussian.CovFactor, expected.CovFactor));
            Assert.True(Dense.Same(cut.Gaussian.Mean, original.Gaussian.Mean));
        }
        Assert.Equal(File.ReadAllBytes(PriorLearning.SwaCheckpointPath(source)), File.ReadAllBytes(PriorLearning.SwaCheckpointPath(path)));
        Assert.Single(messages);

        var written = File.GetLastWriteTimeUtc(path);
        Assert.Equal(path, cache.TruncatedPrior(task, source, rank: 1));
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
        Assert.Single(messages);
        Assert.NotEqual(path, cache.TruncatedPrior(task, source, rank: 0));
    }
}
