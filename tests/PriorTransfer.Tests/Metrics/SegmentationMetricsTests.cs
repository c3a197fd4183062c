using PriorTransfer.Metrics;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Metrics;

public class SegmentationMetricsTests
{
    [Fact]
    public void MeanIouExcludesClassesAbsentFromTruthAndPrediction()
    {
        // 4 classes; class 3 appears nowhere except under an ignored (255) label.
        using var truth = tensor(new long[] { 0, 0, 1, 1, 2, 2, 255 }).reshape(1, 7);
        using var predicted = tensor(new long[] { 0, 1, 1, 1, 2, 0, 3 }).reshape(1, 7);
        var metrics = new SegmentationMetrics(4);
        metrics.Update(predicted, truth);

        Assert.Equal(6, metrics.PixelCount);
        var iou = metrics.IntersectionOverUnion();
        Assert.Equal(1.0 / 3, iou[0], 12);   // ∩ 1; truth 2 + predicted 2 − 1
        Assert.Equal(2.0 / 3, iou[1], 12);   // ∩ 2; truth 2 + predicted 3 − 2
        Assert.Equal(1.0 / 2, iou[2], 12);   // ∩ 1; truth 2 + predicted 1 − 1
        Assert.True(double.IsNaN(iou[3]));
        Assert.Equal((1.0 / 3 + 2.0 / 3 + 0.5) / 3, metrics.MeanIntersectionOverUnion, 12);
        Assert.Equal(4.0 / 6, metrics.PixelAccuracy, 12);
        Assert.Equal(2, metrics.ConfusionMatrix()[1, 1]);
        Assert.Equal(1, metrics.ConfusionMatrix()[2, 0]);
    }

    [Fact]
    public void ClassOnlyPredictedCountsWithIouZero()
    {
        using var truth = tensor(new long[] { 0, 0, 1, 1 });
        using var predicted = tensor(new long[] { 0, 2, 1, 1 });
        var metrics = new SegmentationMetrics(3);
        metrics.Update(predicted, truth);
        // IoU0 = 1/2, IoU1 = 1, IoU2 = 0/1 = 0.
        Assert.Equal((0.5 + 1 + 0) / 3, metrics.MeanIntersectionOverUnion, 12);
    }

    [Fact]
    public void StreamingAndScoresAgreeWithOneShot()
    {
        using var generator = new Generator(5, CPU);
        using var scores = randn(new long[] { 4, 3, 5, 6 }, generator: generator);
        using var labels = randint(0, 3, [4, 5, 6], generator: generator);
        var oneShot = new SegmentationMetrics(3);
        using (var predicted = scores.argmax(1))
            oneShot.Update(predicted, labels);
        var streaming = new SegmentationMetrics(3);
        for (var b = 0; b < 4; b++)
        {
            using var s = scores.narrow(0, b, 1);
            using var l = labels.narrow(0, b, 1);
            streaming.UpdateFromScores(s, l);
        }

        Assert.Equal(oneShot.ConfusionMatrix(), streaming.ConfusionMatrix());
        Assert.Equal(oneShot.MeanIntersectionOverUnion, streaming.MeanIntersectionOverUnion, 12);
        Assert.Equal(120, streaming.PixelCount);
    }

    [Fact]
    public void RejectsPredictionsOutsideTheClasses()
    {
        using var truth = tensor(new long[] { 0, 1 });
        using var predicted = tensor(new long[] { 0, 5 });
        Assert.Throws<ArgumentException>(() => new SegmentationMetrics(2).Update(predicted, truth));
    }

    [Fact]
    public void MeanIouOnLabelMapsMatchesHandComputation()
    {
        // Two 2×3 label maps, 4 classes; class 3 is absent from both truth and predictions and must not count.
        //   truth        predicted
        //   0 0 1        0 1 1
        //   2 2 1        2 0 1
        //   ---          ---
        //   0 0 0        0 0 2
        //   1 1 2        1 1 2
        using var truth = tensor(new long[] { 0, 0, 1, 2, 2, 1, 0, 0, 0, 1, 1, 2 }).reshape(2, 2, 3);
        using var predicted = tensor(new long[] { 0, 1, 1, 2, 0, 1, 0, 0, 2, 1, 1, 2 }).reshape(2, 2, 3);
        var metrics = new SegmentationMetrics(4);
        metrics.Update(predicted, truth);
        // class 0: truth 5, predicted 4, ∩ 3 → 3/6; class 1: truth 4, predicted 5, ∩ 4 → 4/5; class 2: truth 3, predicted 3, ∩ 2 → 2/4.
        var iou = metrics.IntersectionOverUnion();
        Assert.Equal(0.5, iou[0], 12);
        Assert.Equal(0.8, iou[1], 12);
        Assert.Equal(0.5, iou[2], 12);
        Assert.True(double.IsNaN(iou[3]));
        Assert.Equal((0.5 + 0.8 + 0.5) / 3, metrics.MeanIntersectionOverUnion, 12);
        Assert.Equal(9.0 / 12, metrics.PixelAccuracy, 12);
    }
}
