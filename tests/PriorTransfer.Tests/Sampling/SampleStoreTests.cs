using PriorTransfer.Sampling;
using PriorTransfer.Tests.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Sampling;

public class SampleStoreTests
{
    private static Dictionary<string, Tensor> Snapshot(nn.Module module)
    {
        using var _ = no_grad();
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, p) in module.named_parameters()) result[name] = p.detach().clone().DetachFromDisposeScope();
        foreach (var (name, b) in module.named_buffers()) result[name] = b.detach().clone().DetachFromDisposeScope();
        return result;
    }

    private static void AssertHolds(nn.Module module, Dictionary<string, Tensor> expected)
    {
        var actual = module.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(module.named_buffers().Select(b => (b.name, b.buffer))).ToArray();
        Assert.Equal(expected.Keys.OrderBy(k => k), actual.Select(a => a.Item1).OrderBy(k => k));
        foreach (var (name, tensor) in actual)
            Assert.True(TensorAssert.Identical(expected[name], tensor), $"{name} differs after loading.");
    }

    [Theory]
    [InlineData(SampleStorage.Memory)]
    [InlineData(SampleStorage.Disk)]
    public void RoundTripRestoresParametersAndBatchNormBuffersInPlace(SampleStorage storage)
    {
        using var net = new TinyClassifier(6, 3);
        using var store = new SampleStore(storage);
        var snapshots = new List<Dictionary<string, Tensor>>();
        for (var i = 0; i < 3; i++)
        {
            net.Randomise(seed: 10 + i);
            snapshots.Add(Snapshot(net));
            Assert.Equal(i, store.Add(net));
        }

        Assert.Equal(3, store.Count);
        Assert.Contains("bn.running_mean", store.TensorNames);
        Assert.Contains("bn.running_var", store.TensorNames);
        Assert.Contains("bn.num_batches_tracked", store.TensorNames);

        // Hold the module's own tensors: loading must write into them, not replace them.
        var weight = net.Fc.weight!;
        var runningVar = net.Bn.running_var!;
        var requiresGrad = weight.requires_grad;
        foreach (var index in new[] { 1, 0, 2, 1 })
        {
            store.LoadInto(net, index);
            AssertHolds(net, snapshots[index]);
            Assert.True(TensorAssert.Identical(weight, snapshots[index]["fc.weight"]));
            Assert.True(TensorAssert.Identical(runningVar, snapshots[index]["bn.running_var"]));
            Assert.Same(weight, net.Fc.weight);
        }

        Assert.Equal(requiresGrad, net.Fc.weight!.requires_grad);
        foreach (var snapshot in snapshots)
            foreach (var tensor in snapshot.Values)
                tensor.Dispose();
    }

    [Fact]
    public void DiskStoreWritesOneCompleteFilePerSampleAndCleansUp()
    {
        using var net = new TinyClassifier(4, 2);
        string directory;
        using (var store = new SampleStore(SampleStorage.Disk))
        {
            directory = store.Directory!;
            store.Add(net);
            store.Add(net);
            var files = System.IO.Directory.GetFiles(directory).Select(f => Path.GetFileName(f)!).OrderBy(f => f).ToArray();
            Assert.Equal(["sample-00000.bin", "sample-00001.bin"], files);
        }

        Assert.False(System.IO.Directory.Exists(directory));
    }

    [Fact]
    public void GivenDirectoryIsKeptButTheStoresFilesAreRemoved()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("priortransfer-test-").FullName;
        try
        {
            using var net = new TinyClassifier(4, 2);
            using (var store = new SampleStore(SampleStorage.Disk, directory))
            {
                store.Add(net);
                Assert.Single(System.IO.Directory.GetFiles(directory));
            }

            Assert.True(System.IO.Directory.Exists(directory));
            Assert.Empty(System.IO.Directory.GetFiles(directory));
        }
        finally
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData(SampleStorage.Memory)]
    [InlineData(SampleStorage.Disk)]
    public void LoadingIntoADifferentArchitectureFailsWithTheDifference(SampleStorage storage)
    {
        using var net = new TinyClassifier(4, 2);
        using var other = new TinyClassifier(5, 2);
        using var store = new SampleStore(storage);
        store.Add(net);
        var error = Assert.Throws<ArgumentException>(() => store.LoadInto(other, 0));
        Assert.Contains("fc.weight", error.Message);
        Assert.Throws<ArgumentException>(() => store.Add(other));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.LoadInto(net, 1));
    }

    [Theory]
    [InlineData(SampleStorage.Memory)]
    [InlineData(SampleStorage.Disk)]
    public void LiveTensorCountStaysFlat(SampleStorage storage)
    {
        using var net = new TinyClassifier(4, 2);
        void Cycle()
        {
            using var store = new SampleStore(storage);
            store.Add(net);
            store.Add(net);
            for (var i = 0; i < 3; i++) store.LoadInto(net, i % 2);
        }

        Cycle();
        var before = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        for (var i = 0; i < 4; i++) Cycle();
        Assert.Equal(before, DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount);
    }
}
