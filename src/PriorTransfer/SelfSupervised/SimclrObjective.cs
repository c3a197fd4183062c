using PriorTransfer.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PriorTransfer.SelfSupervised;

/// <summary>
/// The SimCLR training loss of one batch: two augmented views of every image, one forward pass of the 2B views
/// (so BatchNorm normalises over all of them, like SimCLR's global BatchNorm), and the NT-Xent loss of their
/// projections. This is the loss SGD minimises during SimCLR pre-training and the one SWAG runs on to learn an
/// SSL prior (the paper's "InfoNCE" source loss, section 3.1; weight decay is the optimiser's).
/// </summary>
public sealed class SimclrObjective
{
    public SimclrObjective(SimclrAugmentation augmentation, double temperature)
    {
        ArgumentNullException.ThrowIfNull(augmentation);
        if (!(temperature > 0) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), $"the temperature must be positive and finite; got {temperature}.");
        Augmentation = augmentation;
        Temperature = temperature;
    }

    public SimclrObjective(SimclrOptions options) : this(new SimclrAugmentation(options.Augmentation), options.Temperature) { }

    public SimclrAugmentation Augmentation { get; }

    public double Temperature { get; }

    /// <summary>NT-Xent loss of a batch of images [B, C, H, W] (B ≥ 2); a <see cref="SelfSupervisedLoss"/>.</summary>
    public Tensor Loss(SimclrModel model, Tensor images, Generator generator)
    {
        using var scope = NewDisposeScope();
        var (first, second) = Augmentation.Views(images, generator);
        var z = model.forward(cat([first, second], 0));
        var halves = z.chunk(2, 0);
        return NtXentLoss.Compute(halves[0], halves[1], Temperature).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// This loss as a <see cref="BatchLoss"/> for the supervised training loops (SGD, SWAG): labels are ignored and
    /// the views are drawn from <paramref name="generator"/>, which the caller owns and keeps alive for the run.
    /// The model passed in must be a <see cref="SimclrModel"/>.
    /// </summary>
    public BatchLoss AsBatchLoss(Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        return (model, images, _) => model is SimclrModel simclr
            ? Loss(simclr, images, generator)
            : throw new ArgumentException($"the SimCLR loss needs a {nameof(SimclrModel)}; got a {model.GetType().Name}.", nameof(model));
    }
}
