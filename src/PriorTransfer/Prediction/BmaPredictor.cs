using PriorTransfer.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Prediction;

/// <summary>
/// Bayesian model average (paper §2, "Bayesian Neural Networks"; DESIGN.md, "BMA"):
/// <c>p(y|x, D) ≈ (1/S) Σ_s softmax(f(x; θ_s))</c> — the mean of the samples' <b>probabilities</b>, never of their
/// logits — where each sample θ_s carries its own BatchNorm statistics. Also serves deep ensembles (a list of
/// modules) and a single model (S = 1).
/// </summary>
/// <remarks>
/// <para>Models return logits [B, C] (or [B, C, …] for dense prediction: the softmax is over dimension 1, and the
/// result is then [N, C, …]). Inputs are split into batches along dimension 0 and must already be on the model's
/// device. Evaluation runs under <c>eval()</c> and <c>no_grad()</c> with one dispose scope per batch; the result
/// is created in the caller's current dispose scope (like any TorchSharp operation's result). Each module's
/// training flag — and, for a <see cref="SampleStore"/>, its parameters and buffers — are restored afterwards,
/// even when an exception is thrown.</para>
/// <para><b>Order: sample-outer</b> (for each sample, every batch). A stored sample is then loaded into the module
/// once (S parameter copies, or S file reads for a disk store) instead of once per batch (S × batches), and its
/// weights stay hot in cache while the batches stream through; the price is one [N, C] accumulator, small next to
/// the inputs. Batch-outer would need S × batches loads or S live copies of the model. For a list of modules the
/// two orders cost the same and the same loop is used.</para>
/// </remarks>
public static class BmaPredictor
{
    /// <summary>Default evaluation batch size.</summary>
    public const int DefaultBatchSize = 256;

    /// <summary>BMA over the samples of <paramref name="samples"/>, each loaded in turn into <paramref name="model"/>.</summary>
    /// <returns>Averaged probabilities [N, C].</returns>
    public static Tensor Predict(nn.Module<Tensor, Tensor> model, SampleStore samples, Tensor inputs, int batchSize = DefaultBatchSize, CancellationToken cancellationToken = default)
    {
        CheckStore(model, samples);
        return WithRestoredModel(model, () => Run(samples.Count, i => LoadSample(model, samples, i), inputs, batchSize, perMember: false, cancellationToken));
    }

    /// <summary>Average of the members' probabilities (a deep ensemble, or samples held as separate modules).</summary>
    /// <returns>Averaged probabilities [N, C].</returns>
    public static Tensor Predict(IReadOnlyList<nn.Module<Tensor, Tensor>> models, Tensor inputs, int batchSize = DefaultBatchSize, CancellationToken cancellationToken = default)
    {
        CheckModels(models);
        return WithRestoredModes(models, () => Run(models.Count, i => models[i], inputs, batchSize, perMember: false, cancellationToken));
    }

    /// <summary>One model's probabilities (S = 1).</summary>
    /// <returns>Probabilities [N, C].</returns>
    public static Tensor Predict(nn.Module<Tensor, Tensor> model, Tensor inputs, int batchSize = DefaultBatchSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Predict([model], inputs, batchSize, cancellationToken);
    }

    /// <summary>
    /// Every sample's own probabilities, e.g. for the sampler health report (single-sample accuracy next to the
    /// BMA's). Their mean over dimension 0 is <see cref="Predict(nn.Module{Tensor, Tensor}, SampleStore, Tensor, int, CancellationToken)"/>.
    /// </summary>
    /// <returns>Probabilities [S, N, C].</returns>
    public static Tensor PredictEach(nn.Module<Tensor, Tensor> model, SampleStore samples, Tensor inputs, int batchSize = DefaultBatchSize, CancellationToken cancellationToken = default)
    {
        CheckStore(model, samples);
        return WithRestoredModel(model, () => Run(samples.Count, i => LoadSample(model, samples, i), inputs, batchSize, perMember: true, cancellationToken));
    }

    /// <summary>Every member's own probabilities.</summary>
    /// <returns>Probabilities [S, N, C].</returns>
    public static Tensor PredictEach(IReadOnlyList<nn.Module<Tensor, Tensor>> models, Tensor inputs, int batchSize = DefaultBatchSize, CancellationToken cancellationToken = default)
    {
        CheckModels(models);
        return WithRestoredModes(models, () => Run(models.Count, i => models[i], inputs, batchSize, perMember: true, cancellationToken));
    }

    private static nn.Module<Tensor, Tensor> LoadSample(nn.Module<Tensor, Tensor> model, SampleStore samples, int index)
    {
        samples.LoadInto(model, index);
        return model;
    }

    /// <summary>Sample-outer loop; the result is [N, …] (mean) or [S, N, …] (per member).</summary>
    private static Tensor Run(int members, Func<int, nn.Module<Tensor, Tensor>> activate, Tensor inputs, int batchSize, bool perMember,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        if (inputs.dim() < 1 || inputs.shape[0] == 0)
            throw new ArgumentException($"Expected a non-empty batch of inputs along dimension 0; got shape [{string.Join(", ", inputs.shape)}].", nameof(inputs));

        var count = inputs.shape[0];
        Tensor? result = null;
        using var _ = torch.no_grad();
        try
        {
            Accumulate();
        }
        catch
        {
            result?.Dispose();
            throw;
        }

        if (!perMember && members > 1)
            result!.div_(members);
        return result!;

        void Accumulate()
        {
            for (var member = 0; member < members; member++)
            {
                var module = activate(member);
                module.eval();
                for (long start = 0; start < count; start += batchSize)
                {
                    cancellationToken.ThrowIfCancellationRequested(); // a BMA over a large test set takes minutes
                    var length = Math.Min(batchSize, count - start);
                    using var scope = NewDisposeScope();
                    var logits = module.forward(inputs.narrow(0, start, length));
                    if (logits.dim() < 2 || logits.shape[0] != length)
                        throw new InvalidOperationException($"The model returned shape [{string.Join(", ", logits.shape)}] for a batch of {length}; expected logits [{length}, classes, …].");
                    var probabilities = logits.softmax(1);
                    if (result is null)
                    {
                        long[] shape = perMember ? [members, count, .. probabilities.shape[1..]] : [count, .. probabilities.shape[1..]];
                        result = torch.zeros(shape, probabilities.dtype, probabilities.device).MoveToOuterDisposeScope();
                    }

                    var target = perMember ? result[member].narrow(0, start, length) : result.narrow(0, start, length);
                    if (perMember)
                        target.copy_(probabilities);
                    else
                        target.add_(probabilities);
                }
            }
        }
    }

    private static Tensor WithRestoredModel(nn.Module<Tensor, Tensor> model, Func<Tensor> run)
    {
        var wasTraining = model.training;
        using var original = new SampleStore();
        original.Add(model);
        try
        {
            return run();
        }
        finally
        {
            original.LoadInto(model, 0);
            model.train(wasTraining);
        }
    }

    private static Tensor WithRestoredModes(IReadOnlyList<nn.Module<Tensor, Tensor>> models, Func<Tensor> run)
    {
        var wasTraining = models.Select(m => m.training).ToArray();
        try
        {
            return run();
        }
        finally
        {
            for (var i = 0; i < models.Count; i++)
                models[i].train(wasTraining[i]);
        }
    }

    private static void CheckStore(nn.Module<Tensor, Tensor> model, SampleStore samples)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
            throw new ArgumentException("The sample store is empty: collect at least one sample before predicting.", nameof(samples));
    }

    private static void CheckModels(IReadOnlyList<nn.Module<Tensor, Tensor>> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count == 0)
            throw new ArgumentException("At least one model is needed.", nameof(models));
        if (models.Any(m => m is null))
            throw new ArgumentException("The model list contains null.", nameof(models));
    }
}
