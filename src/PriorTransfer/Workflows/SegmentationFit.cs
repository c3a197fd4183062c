using PriorTransfer.Models;
using PriorTransfer.Prediction;
using PriorTransfer.Sampling;
using static TorchSharp.torch;

namespace PriorTransfer.Workflows;

/// <summary>A fitted segmentation predictor: one network (SGD) or the network with its SGLD samples (BMA). Owns both.</summary>
public sealed class SegmentationFit(SegmentationModel model, SampleStore? samples = null) : IDisposable
{
    public SegmentationModel Model { get; } = model;

    /// <summary>Number of networks averaged (BMA samples; 1 for a point estimate).</summary>
    public int Size => samples?.Count ?? 1;

    /// <summary>Per-pixel predictive probabilities [N, classes, H, W]: the mean of the samples' softmax probabilities.</summary>
    public Tensor Predict(Tensor images, int batchSize = 64) => samples is null
        ? BmaPredictor.Predict(Model, images, batchSize)
        : BmaPredictor.Predict(Model, samples, images, batchSize);

    /// <summary>
    /// Each BMA sample's own probabilities, one sample at a time (the sampler health check: a BMA is trusted only when
    /// its samples are good networks on their own; their mean is the BMA's prediction). Leaves the last sample's
    /// weights in <see cref="Model"/>; <see cref="Predict"/> loads every sample itself. A point estimate yields its one
    /// prediction.
    /// </summary>
    public IEnumerable<Tensor> PredictEachSample(Tensor images, int batchSize = 64)
    {
        if (samples is null)
        {
            yield return BmaPredictor.Predict(Model, images, batchSize);
            yield break;
        }
        for (int i = 0; i < samples.Count; i++)
        {
            samples.LoadInto(Model, i);
            yield return BmaPredictor.Predict(Model, images, batchSize);
        }
    }

    public void Dispose()
    {
        samples?.Dispose();
        Model.Dispose();
    }
}
