using PriorTransfer.Priors;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PriorTransfer.Training;

/// <summary>
/// The downstream objective of the method (paper eq. 3; DESIGN.md "Objective"): the negative log posterior per
/// training example, <c>mean_batch NLL − (log p_backbone(θ_b) + log p_head(θ_h)) / N</c>, N the downstream
/// training-set size. The temperature T does not enter the loss; it scales the samplers' noise.
/// <para>
/// For speed the prior term is not differentiated by autograd: <see cref="DataLoss"/> is back-propagated, then
/// <see cref="AddPriorGradient"/> adds −∇log p/N to the gradients in closed form (O(P·K) for a low-rank prior).
/// <see cref="Loss"/> is the same objective through autograd, for checking and for reporting.
/// </para>
/// </summary>
public sealed class PosteriorObjective
{
    public PosteriorObjective(CompositePrior prior, long trainingSetSize)
    {
        if (trainingSetSize < 1) throw new ArgumentOutOfRangeException(nameof(trainingSetSize), $"N must be at least 1; got {trainingSetSize}.");
        Prior = prior;
        TrainingSetSize = trainingSetSize;
    }

    public CompositePrior Prior { get; }

    /// <summary>N, the number of downstream training examples.</summary>
    public long TrainingSetSize { get; }

    /// <summary>Mean negative log-likelihood of the batch (cross-entropy).</summary>
    public Tensor DataLoss(Module<Tensor, Tensor> model, Tensor images, Tensor labels) =>
        functional.cross_entropy(model.forward(images), labels);

    /// <summary>Adds the prior term's gradient, −∇log p(θ)/N, to every parameter's <c>.grad</c>.</summary>
    public void AddPriorGradient(Module<Tensor, Tensor> model) => Prior.AccumulateGradient(model, -1.0 / TrainingSetSize);

    /// <summary>The whole objective through autograd: mean NLL − log p(θ)/N.</summary>
    public Tensor Loss(Module<Tensor, Tensor> model, Tensor images, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var prior = Prior.LogProb(model).to_type(ScalarType.Float32);
        return (DataLoss(model, images, labels) - prior / TrainingSetSize).MoveToOuterDisposeScope();
    }
}
