using PriorTransfer.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Data;

public class BatchIteratorTests
{
    /// <summary>Image i holds the value i, label i mod 3: every batch tells which rows it came from.</summary>
    private static ImageSet Indexed(int n)
    {
        using var scope = NewDisposeScope();
        return new ImageSet(torch.arange(n, ScalarType.Float32).reshape(n, 1, 1, 1), torch.arange(n, ScalarType.Int64) % 3, ["a", "b", "c"]);
    }

    private static List<long[]> Rows(BatchIterator iterator, Generator? generator) =>
        iterator.Epoch(generator).Select(batch =>
        {
            var rows = batch.Images.flatten().data<float>().ToArray().Select(v => (long)v).ToArray();
            Assert.Equal(rows.Select(r => r % 3), batch.Labels.data<long>().ToArray());
            return rows;
        }).ToList();

    [Fact]
    public void ShuffledEpochCoversEveryRowOnceKeepingTheLastPartialBatch()
    {
        using var set = Indexed(10);
        using var generator = new Generator(1);
        var iterator = new BatchIterator(set, batchSize: 4);
        Assert.Equal(3, iterator.BatchCount);
        var batches = Rows(iterator, generator);
        Assert.Equal([4, 4, 2], batches.Select(b => b.Length));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), batches.SelectMany(b => b).Order());
        Assert.NotEqual(Enumerable.Range(0, 10).Select(i => (long)i), batches.SelectMany(b => b));
    }

    [Fact]
    public void DropLastDropsThePartialBatch()
    {
        using var set = Indexed(10);
        using var generator = new Generator(1);
        var iterator = new BatchIterator(set, batchSize: 4, dropLast: true);
        Assert.Equal(2, iterator.BatchCount);
        Assert.Equal([4, 4], Rows(iterator, generator).Select(b => b.Length));
    }

    [Fact]
    public void SequentialWithoutShuffleNeedsNoGenerator()
    {
        using var set = Indexed(5);
        var batches = Rows(new BatchIterator(set, 2, shuffle: false), null);
        Assert.Equal([[0L, 1], [2, 3], [4]], batches);
        Assert.Throws<ArgumentNullException>(() => new BatchIterator(set, 2).Epoch(null));
    }

    [Fact]
    public void SameSeedSameOrder()
    {
        using var set = Indexed(50);
        var iterator = new BatchIterator(set, 8, augmentation: new Augmentation(AugmentationOptions.None));
        using var g1 = new Generator(5);
        using var g2 = new Generator(5);
        using var g3 = new Generator(6);
        var a = Rows(iterator, g1).SelectMany(r => r);
        Assert.Equal(a, Rows(iterator, g2).SelectMany(r => r));
        Assert.NotEqual(a, Rows(iterator, g3).SelectMany(r => r));
    }

    [Fact]
    public void AugmentedBatchesKeepTheirShape()
    {
        using var scope = NewDisposeScope();
        using var set = new ImageSet(torch.rand(20, 1, 28, 28), torch.zeros(20, ScalarType.Int64), ["x"]);
        using var generator = new Generator(2);
        var iterator = new BatchIterator(set, 8, augmentation: new Augmentation(new AugmentationOptions { HorizontalFlip = true }));
        foreach (var batch in iterator.Epoch(generator))
            Assert.Equal([batch.Size, 1, 28, 28], batch.Images.shape);
    }

    [Fact]
    public void EpochsDoNotLeakTensors()
    {
        using var set = Indexed(100);
        using var generator = new Generator(9);
        var iterator = new BatchIterator(set, 16, augmentation: new Augmentation(new AugmentationOptions { HorizontalFlip = true }));
        void Epoch()
        {
            foreach (var batch in iterator.Epoch(generator))
            {
                using var scope = NewDisposeScope();
                _ = batch.Images.sum().item<float>();
            }
        }
        Epoch();
        long before = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        Epoch();
        // Breaking out early disposes the current batch and the permutation too.
        foreach (var _ in iterator.Epoch(generator)) break;
        Assert.Equal(before, DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount);
    }
}
