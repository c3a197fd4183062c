using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PriorTransfer.Swag;

/// <summary>
/// Recomputes BatchNorm running statistics for the weights a model holds now (the SWA mean, a sampled θ): weight
/// averaging leaves running means and variances that belong to none of the averaged networks (Izmailov et al. 2018).
/// </summary>
public static class BatchNormRecalibration
{
    /// <summary>
    /// Resets every BatchNorm layer's running statistics, then runs one pass over <paramref name="inputBatches"/> under
    /// <c>no_grad</c> with momentum = null, so that the running statistics become the cumulative (equal-weight)
    /// average of the per-batch statistics — the batch mean and unbiased batch variance, as PyTorch defines them.
    /// Only the BatchNorm layers are in training mode during the pass (the rest, e.g. dropout, stays in eval mode so
    /// that the statistics match inference). Afterwards momenta are restored and the whole module is in eval mode.
    /// Parameters are never changed. With equal batch sizes the running mean is the data mean.
    /// </summary>
    /// <returns>The number of BatchNorm layers recalibrated (0: the model has none, and no pass is run).</returns>
    public static int Run(nn.Module<Tensor, Tensor> module, IEnumerable<Tensor> inputBatches)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(inputBatches);
        var layers = module.modules().OfType<BatchNorm>().Where(bn => bn.track_running_stats).ToList();
        if (layers.Count == 0)
        {
            module.eval();
            return 0;
        }
        var momenta = layers.Select(bn => bn.momentum).ToList();
        try
        {
            using var noGrad = no_grad();
            module.eval();
            foreach (var bn in layers)
            {
                bn.reset_running_stats();
                bn.momentum = null;
                bn.train();
            }
            var batches = 0;
            foreach (var batch in inputBatches)
            {
                using var scope = NewDisposeScope();
                module.forward(batch);
                batches++;
            }
            if (batches == 0)
                throw new ArgumentException("No input batches: BatchNorm statistics cannot be recalibrated without data.", nameof(inputBatches));
        }
        finally
        {
            for (var i = 0; i < layers.Count; i++) layers[i].momentum = momenta[i];
            module.eval();
        }
        return layers.Count;
    }
}
