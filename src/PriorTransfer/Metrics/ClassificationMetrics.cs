using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Metrics;

/// <summary>Accuracy, NLL, ECE and Brier score of a set of predictions.</summary>
/// <param name="Count">Number of examples.</param>
/// <param name="Accuracy">Fraction of examples whose most probable class is the label.</param>
/// <param name="NegativeLogLikelihood">Mean of −log max(p_label, 1e-12), in nats.</param>
/// <param name="ExpectedCalibrationError">ECE over equal-width confidence bins (Guo et al. 2017).</param>
/// <param name="BrierScore">Mean over examples of Σ_c (p_c − 1[c = label])², in [0, 2].</param>
public sealed record MetricSummary(long Count, double Accuracy, double NegativeLogLikelihood, double ExpectedCalibrationError, double BrierScore);

/// <summary>One bin of a reliability diagram: the examples whose confidence lies in (Lower, Upper].</summary>
/// <param name="Lower">Lower edge (exclusive; the first bin also holds confidence 0, which cannot occur).</param>
/// <param name="Upper">Upper edge (inclusive).</param>
/// <param name="Count">Number of examples in the bin.</param>
/// <param name="MeanConfidence">Mean confidence (max probability) of those examples; 0 for an empty bin.</param>
/// <param name="Accuracy">Their accuracy; 0 for an empty bin.</param>
public readonly record struct ReliabilityBin(double Lower, double Upper, long Count, double MeanConfidence, double Accuracy);

/// <summary>
/// Streaming classification metrics over batches of (probabilities [B, C], labels [B]): accuracy, negative
/// log-likelihood, expected calibration error, Brier score and reliability-diagram bins. Batches can be fed in any
/// split; the result equals one call on the concatenation (the sums are kept in float64 on the host).
/// </summary>
/// <remarks>
/// <para><b>Prediction and confidence</b>: the argmax class (ties to the lowest index) and its probability.</para>
/// <para><b>NLL</b>: mean of −log p_label with p_label clamped below at <see cref="ProbabilityFloor"/> = 1e-12, so
/// that one confidently wrong prediction (p_label = 0 in float32) costs −log 1e-12 ≈ 27.6 nats instead of making
/// the mean infinite.</para>
/// <para><b>ECE</b> (Guo, Pleiss, Sun &amp; Weinberger, "On Calibration of Modern Neural Networks", ICML 2017):
/// M equal-width bins B_m = ((m−1)/M, m/M] (default M = 15) over the confidence,
/// <c>ECE = Σ_m |B_m|/n · |acc(B_m) − conf(B_m)|</c>.</para>
/// <para><b>Brier score</b> (multi-class form, Brier 1950): mean over examples of Σ_c (p_c − y_c)² with y one-hot;
/// 0 for perfect confident predictions, 2 for confident wrong ones.</para>
/// <para>Probabilities are taken as given (rows should sum to 1; they are not renormalised). Each
/// <see cref="Update"/> synchronises once (one small host copy); metrics are not for the training hot loop.</para>
/// </remarks>
public sealed class ClassificationMetrics
{
    /// <summary>Default number of ECE / reliability bins (Guo et al. 2017).</summary>
    public const int DefaultBinCount = 15;

    /// <summary>Lower clamp on the label's probability in the NLL.</summary>
    public const double ProbabilityFloor = 1e-12;

    private readonly double[] _binCounts;
    private readonly double[] _binConfidence;
    private readonly double[] _binCorrect;
    private double _correct;
    private double _nll;
    private double _brier;

    /// <param name="binCount">Number of equal-width confidence bins M (default 15).</param>
    public ClassificationMetrics(int binCount = DefaultBinCount)
    {
        if (binCount < 1)
            throw new ArgumentOutOfRangeException(nameof(binCount), binCount, "At least one confidence bin is needed.");
        BinCount = binCount;
        _binCounts = new double[binCount];
        _binConfidence = new double[binCount];
        _binCorrect = new double[binCount];
    }

    /// <summary>Number of confidence bins M.</summary>
    public int BinCount { get; }

    /// <summary>Number of examples seen.</summary>
    public long Count { get; private set; }

    /// <summary>Fraction of correct argmax predictions (NaN before any example).</summary>
    public double Accuracy => Mean(_correct);

    /// <summary>Mean −log max(p_label, 1e-12) (NaN before any example).</summary>
    public double NegativeLogLikelihood => Mean(_nll);

    /// <summary>Mean Σ_c (p_c − y_c)² (NaN before any example).</summary>
    public double BrierScore => Mean(_brier);

    /// <summary>Expected calibration error over <see cref="BinCount"/> bins (NaN before any example).</summary>
    public double ExpectedCalibrationError
    {
        get
        {
            if (Count == 0) return double.NaN;
            double sum = 0;
            for (var m = 0; m < BinCount; m++)
                sum += Math.Abs(_binCorrect[m] - _binConfidence[m]);
            return sum / Count;
        }
    }

    /// <summary>Adds a batch: <paramref name="probabilities"/> [B, C] (any float dtype), <paramref name="labels"/> [B] int64 in 0..C−1.</summary>
    public void Update(Tensor probabilities, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(labels);
        if (probabilities.dim() != 2)
            throw new ArgumentException($"Expected probabilities [batch, classes]; got shape [{string.Join(", ", probabilities.shape)}].", nameof(probabilities));
        if (labels.dim() != 1 || labels.shape[0] != probabilities.shape[0])
            throw new ArgumentException($"Expected labels [{probabilities.shape[0]}]; got shape [{string.Join(", ", labels.shape)}].", nameof(labels));
        if (labels.dtype != ScalarType.Int64)
            throw new ArgumentException($"Labels must be int64 class indices; got {labels.dtype}.", nameof(labels));
        var batch = probabilities.shape[0];
        if (batch == 0) return;

        using var _ = torch.no_grad();
        using var scope = NewDisposeScope();
        var classes = probabilities.shape[1];
        var p = probabilities.detach().to(ScalarType.Float64, CPU);
        var y = labels.to(CPU);
        var (confidence, prediction) = p.max(1);
        var correct = prediction.eq(y).to(ScalarType.Float64);
        var pLabel = p.gather(1, y.clamp(0, classes - 1).unsqueeze(1)).squeeze(1);
        var nll = pLabel.clamp_min(ProbabilityFloor).log().sum().neg();
        var brier = (p.square().sum(dim: 1) - 2 * pLabel + 1).sum();
        // (lower, upper] bins: bucketize(right: false) gives i with edge[i−1] < x ≤ edge[i] on the interior edges k/M.
        var edges = torch.arange(1, BinCount, dtype: ScalarType.Float64) / BinCount;
        var bin = confidence.bucketize(edges, false, false);
        var counts = bin.bincount(null, BinCount).to(ScalarType.Float64);
        var confidenceSums = bin.bincount(confidence, BinCount);
        var correctSums = bin.bincount(correct, BinCount);
        var labelRange = torch.stack([y.min(), y.max()]).to(ScalarType.Float64);
        var host = torch.cat([correct.sum().unsqueeze(0), nll.unsqueeze(0), brier.unsqueeze(0), labelRange, counts, confidenceSums, correctSums])
            .data<double>().ToArray();

        if (host[3] < 0 || host[4] >= classes)
            throw new ArgumentException($"Labels must lie in 0..{classes - 1}; found values from {host[3]} to {host[4]}.", nameof(labels));
        _correct += host[0];
        _nll += host[1];
        _brier += host[2];
        for (var m = 0; m < BinCount; m++)
        {
            _binCounts[m] += host[5 + m];
            _binConfidence[m] += host[5 + BinCount + m];
            _binCorrect[m] += host[5 + 2 * BinCount + m];
        }

        Count += batch;
    }

    /// <summary>The reliability-diagram bins (all <see cref="BinCount"/> of them, empty ones included).</summary>
    public IReadOnlyList<ReliabilityBin> ReliabilityBins()
    {
        var bins = new ReliabilityBin[BinCount];
        for (var m = 0; m < BinCount; m++)
        {
            var count = (long)Math.Round(_binCounts[m]);
            bins[m] = new ReliabilityBin((double)m / BinCount, (double)(m + 1) / BinCount, count,
                count == 0 ? 0 : _binConfidence[m] / count, count == 0 ? 0 : _binCorrect[m] / count);
        }

        return bins;
    }

    /// <summary>All four metrics and the count.</summary>
    public MetricSummary Summary() => new(Count, Accuracy, NegativeLogLikelihood, ExpectedCalibrationError, BrierScore);

    /// <summary>Forgets every example.</summary>
    public void Reset()
    {
        Array.Clear(_binCounts);
        Array.Clear(_binConfidence);
        Array.Clear(_binCorrect);
        _correct = _nll = _brier = 0;
        Count = 0;
    }

    /// <summary>One-shot form: the metrics of one tensor of predictions.</summary>
    public static MetricSummary Compute(Tensor probabilities, Tensor labels, int binCount = DefaultBinCount)
    {
        var metrics = new ClassificationMetrics(binCount);
        metrics.Update(probabilities, labels);
        return metrics.Summary();
    }

    private double Mean(double sum) => Count == 0 ? double.NaN : sum / Count;
}
