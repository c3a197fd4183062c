using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PriorTransfer.Models;

/// <summary>The two-convolution residual block of He et al. (2016), with a 1×1 projection shortcut when the shape changes.</summary>
public sealed class BasicBlock : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Module<Tensor, Tensor>? shortcut;

    public BasicBlock(string name, int inChannels, int outChannels, int stride) : base(name)
    {
        conv1 = Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
        bn1 = BatchNorm2d(outChannels);
        conv2 = Conv2d(outChannels, outChannels, 3, stride: 1, padding: 1, bias: false);
        bn2 = BatchNorm2d(outChannels);
        if (stride != 1 || inChannels != outChannels)
            shortcut = Sequential(
                ("0", Conv2d(inChannels, outChannels, 1, stride: stride, bias: false)),
                ("1", BatchNorm2d(outChannels)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = functional.relu(bn1.forward(conv1.forward(input)));
        x = bn2.forward(conv2.forward(x));
        var identity = shortcut is null ? input : shortcut.forward(input);
        return functional.relu(x + identity).MoveToOuterDisposeScope();
    }
}
