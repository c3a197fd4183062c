using PriorTransfer.Data;
using PriorTransfer.Prediction;
using static TorchSharp.torch;

namespace PriorTransfer.Metrics;

/// <summary>Accuracy, NLL, ECE and Brier score of a predictor on a labelled set (under eval() and no_grad()).</summary>
public static class Evaluator
{
    public static MetricSummary Evaluate(nn.Module<Tensor, Tensor> model, ImageSet data) =>
        Evaluate(images => BmaPredictor.Predict(model, images), data).Summary();

    /// <summary>Streams <paramref name="predict"/>'s probabilities for the whole set into fresh metrics (reliability bins included).</summary>
    public static ClassificationMetrics Evaluate(Func<Tensor, Tensor> predict, ImageSet data)
    {
        var metrics = new ClassificationMetrics();
        using var scope = NewDisposeScope();
        using var probabilities = predict(data.Images);
        metrics.Update(probabilities, data.Labels);
        return metrics;
    }
}
