using PriorTransfer.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Training;

/// <summary>Accuracy and mean negative log-likelihood of a classifier on a labelled set, under eval() and no_grad().</summary>
public static class Evaluator
{
    public static EvaluationResult Evaluate(nn.Module<Tensor, Tensor> model, ImageSet data, int batchSize = 512)
    {
        bool wasTraining = model.training;
        model.eval();
        using var noGrad = no_grad();
        double correct = 0, nll = 0;
        for (long start = 0; start < data.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            long size = Math.Min(batchSize, data.Count - start);
            var images = data.Images.narrow(0, start, size);
            var labels = data.Labels.narrow(0, start, size);
            var logProbs = nn.functional.log_softmax(model.forward(images), 1);
            nll -= logProbs.gather(1, labels.unsqueeze(1)).sum().item<float>();
            correct += logProbs.argmax(1).eq(labels).sum().item<long>();
        }
        model.train(wasTraining);
        return new EvaluationResult(correct / data.Count, nll / data.Count, data.Count);
    }
}
