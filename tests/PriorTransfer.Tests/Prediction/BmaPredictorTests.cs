using PriorTransfer.Prediction;
using PriorTransfer.Sampling;
using PriorTransfer.Tests.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Prediction;

public class BmaPredictorTests
{
    private static Tensor Inputs(int count, ulong seed = 1) =>
        randn(new long[] { count, 1, 2, 3 }, ScalarType.Float64, generator: new Generator(seed, CPU));

    /// <summary>Stores <paramref name="seeds"/>.Length random settings and returns the hand-computed BMA over them.</summary>
    private static Tensor StoreSamplesAndHandBma(TinyClassifier net, SampleStore store, Tensor inputs, params long[] seeds)
    {
        using var sum = zeros(inputs.shape[0], 3, dtype: ScalarType.Float64);
        foreach (var seed in seeds)
        {
            net.Randomise(seed);
            store.Add(net);
            using var logits = net.HandLogits(inputs);
            using var probabilities = logits.softmax(1);
            sum.add_(probabilities);
        }

        return sum / seeds.Length;
    }

    [Theory]
    [InlineData(SampleStorage.Memory, 3)]
    [InlineData(SampleStorage.Disk, 4)]
    [InlineData(SampleStorage.Memory, 256)]
    public void AveragesPerSampleSoftmaxWithEachSamplesBatchNormStatistics(SampleStorage storage, int batchSize)
    {
        using var net = new TinyClassifier(6, 3);
        using var store = new SampleStore(storage);
        using var inputs = Inputs(7);
        using var expected = StoreSamplesAndHandBma(net, store, inputs, 1, 2, 3);
        using var actual = BmaPredictor.Predict(net, store, inputs, batchSize);
        Assert.Equal(new long[] { 7, 3 }, actual.shape);
        Assert.True(actual.allclose(expected, rtol: 0, atol: 1e-12));
        using var rowSums = actual.sum(dim: 1);
        Assert.True(rowSums.allclose(ones_like(rowSums), rtol: 0, atol: 1e-12));
    }

    [Fact]
    public void ACancelledTokenStopsThePredictionAndLeavesTheModelAsItWas()
    {
        using var net = new TinyClassifier(6, 3);
        using var store = new SampleStore(SampleStorage.Memory);
        using var inputs = Inputs(7);
        using var expected = StoreSamplesAndHandBma(net, store, inputs, 1, 2);
        net.Randomise(9);
        using var before = net.HandLogits(inputs);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => BmaPredictor.Predict(net, store, inputs, 2, cancelled.Token));
        Assert.Throws<OperationCanceledException>(() => BmaPredictor.PredictEach(net, store, inputs, 2, cancelled.Token));
        using var after = net.HandLogits(inputs);
        Assert.True(before.equal(after).all().item<bool>());
    }

    [Fact]
    public void UsesEachSamplesOwnBatchNormStatistics()
    {
        // Two samples with identical weights that differ only in running_mean: the BMA must use both.
        using var net = new TinyClassifier(6, 3);
        using var store = new SampleStore();
        using var inputs = Inputs(5);
        net.Randomise(4);
        store.Add(net);
        using var first = net.HandLogits(inputs).softmax(1);
        using (no_grad()) net.Bn.running_mean!.add_(tensor(new[] { 2.0, -1.0, 0.5 }, dtype: ScalarType.Float64));
        store.Add(net);
        using var second = net.HandLogits(inputs).softmax(1);
        using var expected = (first + second) / 2;

        using var actual = BmaPredictor.Predict(net, store, inputs);
        Assert.True(actual.allclose(expected, rtol: 0, atol: 1e-12));
        Assert.False(actual.allclose(first, rtol: 0, atol: 1e-3));
    }

    [Fact]
    public void AveragesProbabilitiesNotLogits()
    {
        using var net = new TinyClassifier(6, 3);
        using var store = new SampleStore();
        using var inputs = Inputs(6);
        using var expected = StoreSamplesAndHandBma(net, store, inputs, 5, 6);
        using var meanLogits = store.Count == 2 ? MeanLogits(net, store, inputs) : throw new InvalidOperationException();
        using var actual = BmaPredictor.Predict(net, store, inputs);
        Assert.True(actual.allclose(expected, rtol: 0, atol: 1e-12));
        Assert.False(actual.allclose(meanLogits.softmax(1), rtol: 0, atol: 1e-3));
    }

    private static Tensor MeanLogits(TinyClassifier net, SampleStore store, Tensor inputs)
    {
        store.LoadInto(net, 0);
        using var a = net.HandLogits(inputs);
        store.LoadInto(net, 1);
        using var b = net.HandLogits(inputs);
        return (a + b) / 2;
    }

    [Fact]
    public void RestoresTheModulesParametersBuffersAndMode()
    {
        using var net = new TinyClassifier(6, 3);
        using var store = new SampleStore();
        using var inputs = Inputs(4);
        net.Randomise(1);
        store.Add(net);
        net.Randomise(2);
        store.Add(net);
        net.Randomise(3);
        using var weightBefore = net.Fc.weight!.detach().clone();
        using var meanBefore = net.Bn.running_mean!.clone();
        net.train();

        using var _ = BmaPredictor.Predict(net, store, inputs);

        Assert.True(net.training);
        Assert.True(TensorAssert.Identical(weightBefore, net.Fc.weight!.detach()));
        Assert.True(TensorAssert.Identical(meanBefore, net.Bn.running_mean!));
    }

    [Fact]
    public void ListOfModulesAndPerSampleOutputsAgreeWithTheStore()
    {
        using var a = new TinyClassifier(6, 3);
        using var b = new TinyClassifier(6, 3);
        using var c = new TinyClassifier(6, 3);
        a.Randomise(1);
        b.Randomise(2);
        c.Randomise(3);
        using var inputs = Inputs(9);
        using var store = new SampleStore();
        foreach (var m in new[] { a, b, c }) store.Add(m);
        using var host = new TinyClassifier(6, 3);

        using var fromStore = BmaPredictor.Predict(host, store, inputs, batchSize: 4);
        using var fromList = BmaPredictor.Predict([a, b, c], inputs, batchSize: 5);
        using var each = BmaPredictor.PredictEach(host, store, inputs, batchSize: 2);
        using var eachFromList = BmaPredictor.PredictEach([a, b, c], inputs);
        using var single = BmaPredictor.Predict(b, inputs);
        using var bLogits = b.HandLogits(inputs);

        Assert.True(fromStore.allclose(fromList, rtol: 0, atol: 1e-12));
        Assert.Equal(new long[] { 3, 9, 3 }, each.shape);
        Assert.True(each.mean(new long[] { 0 }).allclose(fromStore, rtol: 0, atol: 1e-12));
        Assert.True(TensorAssert.Identical(each, eachFromList));
        Assert.True(single.allclose(bLogits.softmax(1), rtol: 0, atol: 1e-12));
        Assert.True(each[1].allclose(single, rtol: 0, atol: 1e-12));
    }

    [Fact]
    public void RunsWithoutGradientsAndRejectsBadArguments()
    {
        using var net = new TinyClassifier(6, 3);
        using var inputs = Inputs(3);
        using var probabilities = BmaPredictor.Predict(net, inputs);
        Assert.False(probabilities.requires_grad);
        using var empty = new SampleStore();
        Assert.Throws<ArgumentException>(() => BmaPredictor.Predict(net, empty, inputs));
        Assert.Throws<ArgumentOutOfRangeException>(() => BmaPredictor.Predict(net, inputs, batchSize: 0));
        Assert.Throws<ArgumentException>(() => BmaPredictor.Predict(Array.Empty<nn.Module<Tensor, Tensor>>(), inputs));
    }

    [Fact]
    public void LiveTensorCountStaysFlatOverPredictions()
    {
        using var net = new TinyClassifier(6, 3);
        using var store = new SampleStore();
        using var inputs = Inputs(10);
        net.Randomise(1);
        store.Add(net);
        net.Randomise(2);
        store.Add(net);
        BmaPredictor.Predict(net, store, inputs, batchSize: 3).Dispose();
        var before = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        for (var i = 0; i < 5; i++)
        {
            BmaPredictor.Predict(net, store, inputs, batchSize: 3).Dispose();
            BmaPredictor.PredictEach(net, store, inputs, batchSize: 4).Dispose();
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount);
    }
}
