using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Metrics;

/// <summary>
/// Streaming semantic-segmentation metrics from a confusion matrix accumulated over batches: mean intersection over
/// union (the paper's Table 1 metric) and pixel accuracy.
/// </summary>
/// <remarks>
/// <para>Confusion matrix C[t, p] = number of pixels of true class t predicted as p (int64 counts, host-side).
/// IoU_c = C[c,c] / (Σ_p C[c,p] + Σ_t C[t,c] − C[c,c]). <b>mIoU</b> is the mean of IoU_c over the classes present
/// in the ground truth or the predictions seen so far; a class absent from both has an undefined IoU (0/0) and is
/// excluded, as in the usual PASCAL VOC evaluation. <b>Pixel accuracy</b> = trace / total.</para>
/// <para>Pixels whose label is outside 0..C−1 — e.g. PASCAL VOC's 255 "void" border — are ignored.</para>
/// </remarks>
public sealed class SegmentationMetrics
{
    private readonly long[] _confusion;

    /// <param name="classCount">Number of classes C.</param>
    public SegmentationMetrics(int classCount)
    {
        if (classCount < 1)
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "At least one class is needed.");
        ClassCount = classCount;
        _confusion = new long[classCount * classCount];
    }

    /// <summary>Number of classes C.</summary>
    public int ClassCount { get; }

    /// <summary>Pixels counted so far (ignored pixels excluded).</summary>
    public long PixelCount => _confusion.Sum();

    /// <summary>Adds predicted class indices and labels of the same shape (e.g. [B, H, W], int64).</summary>
    public void Update(Tensor predictions, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(labels);
        if (!predictions.shape.SequenceEqual(labels.shape))
            throw new ArgumentException($"Predictions [{string.Join(", ", predictions.shape)}] and labels [{string.Join(", ", labels.shape)}] must have the same shape.", nameof(predictions));
        if (labels.dtype != ScalarType.Int64 || predictions.dtype != ScalarType.Int64)
            throw new ArgumentException($"Predictions and labels must be int64 class indices; got {predictions.dtype} and {labels.dtype}.", nameof(labels));

        using var _ = torch.no_grad();
        using var scope = NewDisposeScope();
        var truth = labels.flatten().to(CPU);
        var predicted = predictions.flatten().to(CPU);
        var valid = truth.ge(0).logical_and(truth.lt(ClassCount));
        truth = truth.masked_select(valid);
        predicted = predicted.masked_select(valid);
        if (truth.shape[0] == 0) return;
        var range = torch.stack([predicted.min(), predicted.max()]).data<long>().ToArray();
        if (range[0] < 0 || range[1] >= ClassCount)
            throw new ArgumentException($"Predicted classes must lie in 0..{ClassCount - 1}; found values from {range[0]} to {range[1]}.", nameof(predictions));
        var counts = (truth * ClassCount + predicted).bincount(null, (long)ClassCount * ClassCount).data<long>().ToArray();
        for (var i = 0; i < counts.Length; i++)
            _confusion[i] += counts[i];
    }

    /// <summary>Adds probabilities or logits [B, C, …] (argmax over dimension 1) and labels [B, …].</summary>
    public void UpdateFromScores(Tensor scores, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.dim() < 2 || scores.shape[1] != ClassCount)
            throw new ArgumentException($"Expected scores [batch, {ClassCount}, …]; got [{string.Join(", ", scores.shape)}].", nameof(scores));
        using var _ = torch.no_grad();
        using var predictions = scores.argmax(1);
        Update(predictions, labels);
    }

    /// <summary>The confusion matrix, rows = true class, columns = predicted class.</summary>
    public long[,] ConfusionMatrix()
    {
        var matrix = new long[ClassCount, ClassCount];
        for (var t = 0; t < ClassCount; t++)
            for (var p = 0; p < ClassCount; p++)
                matrix[t, p] = _confusion[t * ClassCount + p];
        return matrix;
    }

    /// <summary>IoU per class; NaN for a class absent from both truth and predictions.</summary>
    public double[] IntersectionOverUnion()
    {
        var iou = new double[ClassCount];
        for (var c = 0; c < ClassCount; c++)
        {
            long truthTotal = 0, predictedTotal = 0;
            for (var k = 0; k < ClassCount; k++)
            {
                truthTotal += _confusion[c * ClassCount + k];
                predictedTotal += _confusion[k * ClassCount + c];
            }

            var intersection = _confusion[c * ClassCount + c];
            var union = truthTotal + predictedTotal - intersection;
            iou[c] = union == 0 ? double.NaN : (double)intersection / union;
        }

        return iou;
    }

    /// <summary>Mean IoU over the classes present in truth or predictions (NaN before any pixel).</summary>
    public double MeanIntersectionOverUnion
    {
        get
        {
            var present = IntersectionOverUnion().Where(v => !double.IsNaN(v)).ToArray();
            return present.Length == 0 ? double.NaN : present.Average();
        }
    }

    /// <summary>Fraction of (non-ignored) pixels predicted correctly (NaN before any pixel).</summary>
    public double PixelAccuracy
    {
        get
        {
            var total = PixelCount;
            if (total == 0) return double.NaN;
            long correct = 0;
            for (var c = 0; c < ClassCount; c++) correct += _confusion[c * ClassCount + c];
            return (double)correct / total;
        }
    }

    /// <summary>Forgets every pixel.</summary>
    public void Reset() => Array.Clear(_confusion);
}
