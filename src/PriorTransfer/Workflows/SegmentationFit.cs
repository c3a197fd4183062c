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

    public void Dispose()
    {
        samples?.Dispose();
        Model.Dispose();
    }
}
