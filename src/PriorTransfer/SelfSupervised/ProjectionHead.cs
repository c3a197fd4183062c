using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PriorTransfer.SelfSupervised;

/// <summary>
/// SimCLR's projection head g (Chen et al., 2020, section 2.1): z = W₂·ReLU(BN(W₁·h)), a 2-layer MLP between the
/// backbone's features h and the space where the contrastive loss is computed. Used only during self-supervised
/// training; it is not part of the learned prior nor of the downstream model. Parameters: <c>fc1.*</c>,
/// <c>bn.*</c> (when enabled), <c>fc2.*</c>.
/// </summary>
public sealed class ProjectionHead : Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly BatchNorm1d? bn;
    private readonly Linear fc2;

    public ProjectionHead(int inputDimension, ProjectionHeadOptions? options = null) : base("projection")
    {
        if (inputDimension < 1) throw new ArgumentOutOfRangeException(nameof(inputDimension), $"the input dimension must be positive; got {inputDimension}.");
        Options = options ?? new ProjectionHeadOptions();
        Options.Validate();
        InputDimension = inputDimension;
        fc1 = Linear(inputDimension, Options.HiddenDimension);
        if (Options.BatchNorm) bn = BatchNorm1d(Options.HiddenDimension);
        fc2 = Linear(Options.HiddenDimension, Options.OutputDimension);
        RegisterComponents();
    }

    public ProjectionHeadOptions Options { get; }

    public int InputDimension { get; }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = fc1.forward(input);
        if (bn is not null) x = bn.forward(x);
        return fc2.forward(functional.relu(x)).MoveToOuterDisposeScope();
    }
}
