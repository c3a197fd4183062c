using PriorTransfer.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Metrics;

public class ClassificationMetricsTests
{
    // conf 0.7 ✓, 0.6 ✗ (exactly on the edge 9/15: bin 8), 0.5 ✓, 0.9 ✓, 0.68 ✗ (shares bin 10 with 0.7).
    private static readonly double[,] Probabilities =
    {
        { 0.70, 0.20, 0.10 },
        { 0.10, 0.60, 0.30 },
        { 0.25, 0.25, 0.50 },
        { 0.05, 0.90, 0.05 },
        { 0.68, 0.30, 0.02 },
    };

    private static readonly long[] Labels = [0, 2, 2, 1, 1];

    private static Tensor P() => tensor(Probabilities.Cast<double>().ToArray(), [5, 3], ScalarType.Float64);

    private static Tensor Y() => tensor(Labels);

    [Fact]
    public void MatchesHandComputedValues()
    {
        using var p = P();
        using var y = Y();
        var summary = ClassificationMetrics.Compute(p, y);
        Assert.Equal(5, summary.Count);
        Assert.Equal(0.6, summary.Accuracy, 12);
        Assert.Equal(-(Math.Log(0.7) + Math.Log(0.3) + Math.Log(0.5) + Math.Log(0.9) + Math.Log(0.3)) / 5, summary.NegativeLogLikelihood, 12);
        // Σ_c (p_c − y_c)² per row: 0.14, 0.86, 0.375, 0.015, 0.9528.
        Assert.Equal((0.14 + 0.86 + 0.375 + 0.015 + 0.9528) / 5, summary.BrierScore, 12);
        // Bins: 8 {0.6 ✗}, 7 {0.5 ✓}, 13 {0.9 ✓}, 10 {0.7 ✓, 0.68 ✗}: Σ|correct − conf| / n.
        Assert.Equal((0.6 + 0.5 + 0.1 + Math.Abs(1 - 1.38)) / 5, summary.ExpectedCalibrationError, 12);
    }

    [Fact]
    public void ReliabilityBinsHoldCountsConfidenceAndAccuracy()
    {
        using var p = P();
        using var y = Y();
        var metrics = new ClassificationMetrics();
        metrics.Update(p, y);
        var bins = metrics.ReliabilityBins();
        Assert.Equal(15, bins.Count);
        Assert.Equal(5, bins.Sum(b => b.Count));
        Assert.Equal(8.0 / 15, bins[8].Lower, 15);
        Assert.Equal(9.0 / 15, bins[8].Upper, 15);
        Assert.Equal(1, bins[8].Count);
        Assert.Equal(0.6, bins[8].MeanConfidence, 12);
        Assert.Equal(0.0, bins[8].Accuracy);
        Assert.Equal(2, bins[10].Count);
        Assert.Equal(0.69, bins[10].MeanConfidence, 12);
        Assert.Equal(0.5, bins[10].Accuracy, 12);
        Assert.Equal(1, bins[7].Count);
        Assert.Equal(1, bins[13].Count);
        Assert.Equal(0, bins[0].Count);
        Assert.Equal(0, bins[0].MeanConfidence);
    }

    [Fact]
    public void PerfectlyCalibratedPredictionsHaveZeroEce()
    {
        // 10 examples at confidence 0.8 with 8 correct, 10 at 0.6 with 6 correct.
        var rows = new List<double>();
        var labels = new List<long>();
        for (var i = 0; i < 10; i++) { rows.AddRange([0.8, 0.2]); labels.Add(i < 8 ? 0 : 1); }
        for (var i = 0; i < 10; i++) { rows.AddRange([0.4, 0.6]); labels.Add(i < 6 ? 1 : 0); }
        using var p = tensor(rows.ToArray(), [20, 2], ScalarType.Float64);
        using var y = tensor(labels.ToArray());
        var summary = ClassificationMetrics.Compute(p, y);
        Assert.Equal(0.0, summary.ExpectedCalibrationError, 12);
        Assert.Equal(0.7, summary.Accuracy, 12);
    }

    [Fact]
    public void MaximallyOverconfidentWrongPredictions()
    {
        // One-hot on a wrong class: accuracy 0, ECE 1, Brier 2, NLL = −log(1e-12) from the clamp.
        using var p = tensor(new float[] { 1, 0, 0, 0, 1, 0 }, [2, 3]);
        using var y = tensor(new long[] { 2, 0 });
        var summary = ClassificationMetrics.Compute(p, y);
        Assert.Equal(0.0, summary.Accuracy);
        Assert.Equal(1.0, summary.ExpectedCalibrationError, 12);
        Assert.Equal(2.0, summary.BrierScore, 12);
        Assert.Equal(-Math.Log(ClassificationMetrics.ProbabilityFloor), summary.NegativeLogLikelihood, 9);
    }

    [Fact]
    public void StreamingOverBatchesEqualsOneShot()
    {
        using var generator = new Generator(3, CPU);
        using var logits = randn(new long[] { 53, 4 }, ScalarType.Float64, generator: generator) * 2;
        using var p = logits.softmax(1);
        using var y = randint(0, 4, [53], generator: generator);
        var oneShot = new ClassificationMetrics();
        oneShot.Update(p, y);
        var streaming = new ClassificationMetrics();
        for (long start = 0; start < 53; start += 7)
        {
            var length = Math.Min(7, 53 - start);
            using var pb = p.narrow(0, start, length);
            using var yb = y.narrow(0, start, length);
            streaming.Update(pb, yb);
        }

        var a = oneShot.Summary();
        var b = streaming.Summary();
        Assert.Equal(a.Count, b.Count);
        Assert.Equal(a.Accuracy, b.Accuracy, 12);
        Assert.Equal(a.NegativeLogLikelihood, b.NegativeLogLikelihood, 12);
        Assert.Equal(a.ExpectedCalibrationError, b.ExpectedCalibrationError, 12);
        Assert.Equal(a.BrierScore, b.BrierScore, 12);
        var binsA = oneShot.ReliabilityBins();
        var binsB = streaming.ReliabilityBins();
        for (var m = 0; m < binsA.Count; m++)
        {
            Assert.Equal(binsA[m].Count, binsB[m].Count);
            Assert.Equal(binsA[m].MeanConfidence, binsB[m].MeanConfidence, 12);
            Assert.Equal(binsA[m].Accuracy, binsB[m].Accuracy, 12);
        }

        streaming.Reset();
        Assert.Equal(0, streaming.Count);
        Assert.True(double.IsNaN(streaming.Accuracy));
    }

    [Fact]
    public void RejectsMismatchedOrOutOfRangeInputs()
    {
        var metrics = new ClassificationMetrics();
        using var p = P();
        using var shortLabels = tensor(new long[] { 0, 1 });
        using var badLabels = tensor(new long[] { 0, 1, 2, 3, 0 });
        using var intLabels = tensor(new int[] { 0, 1, 2, 1, 0 });
        Assert.Throws<ArgumentException>(() => metrics.Update(p, shortLabels));
        Assert.Throws<ArgumentException>(() => metrics.Update(p, badLabels));
        Assert.Throws<ArgumentException>(() => metrics.Update(p, intLabels));
        Assert.Equal(0, metrics.Count);
    }

    [Fact]
    public void LiveTensorCountStaysFlat()
    {
        using var p = P();
        using var y = Y();
        var metrics = new ClassificationMetrics();
        metrics.Update(p, y);
        var before = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        for (var i = 0; i < 5; i++) metrics.Update(p, y);
        Assert.Equal(before, DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount);
    }
}
