using PriorTransfer.Parameters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PriorTransfer.Models;

/// <summary>Builds classifiers by architecture name, initialised from a seed (never from torch's global RNG).</summary>
public static class ModelFactory
{
    /// <summary>Architectures known to the factory.</summary>
    public static IReadOnlyList<string> Architectures { get; } = ["resnet8", "resnet20", "resnet18", "resnet50"];

    public static Classifier Create(ModelSpec spec, long seed)
    {
        if (spec.Classes < 2) throw new ArgumentOutOfRangeException(nameof(spec), $"a classifier needs at least 2 classes; got {spec.Classes}.");
        if (spec.InChannels < 1) throw new ArgumentOutOfRangeException(nameof(spec), $"input channels must be positive; got {spec.InChannels}.");
        Module<Tensor, Tensor> backbone;
        int features;
        switch (spec.Architecture)
        {
            case "resnet8":
            case "resnet20":
                var cifar = new CifarResNet(spec.InChannels, spec.Architecture == "resnet8" ? 1 : 3);
                backbone = cifar;
                features = cifar.FeatureDimension;
                break;
            case "resnet18":
            case "resnet50":
                (backbone, features) = TorchvisionBackbone(spec);
                break;
            default:
                throw new ArgumentException(
                    $"unknown architecture '{spec.Architecture}'; known: {string.Join(", ", Architectures)}.", nameof(spec));
        }
        var model = new Classifier(spec, backbone, features);
        Initialize(model, seed);
        // One flat buffer for all parameters: the prior term then reads them as a free alias (FlatParameters).
        FlatParameters.Consolidate(model);
        return model;
    }

    /// <summary>
    /// A torchvision ResNet (for 3-channel images) without its final fully connected layer. Its children are
    /// re-registered under the same names, so parameter names match torchvision's under the backbone prefix.
    /// </summary>
    private static (Module<Tensor, Tensor>, int) TorchvisionBackbone(ModelSpec spec)
    {
        if (spec.InChannels != 3)
            throw new ArgumentException($"{spec.Architecture} expects 3-channel images; got {spec.InChannels} channel(s). Use resnet8 or resnet20 for grayscale.");
        // Not disposed: disposing the torchvision module would dispose the children the backbone now owns.
        var full = spec.Architecture == "resnet18" ? torchvision.models.resnet18() : torchvision.models.resnet50();
        var children = full.named_children()
            .Where(c => c.name != "fc")
            .Select(c => (c.name, (Module<Tensor, Tensor>)c.module))
            .Append(("flatten", Flatten()))
            .ToList();
        var backbone = Sequential(children);
        return (backbone, spec.Architecture == "resnet18" ? 512 : 2048);
    }

    /// <summary>
    /// He-normal convolutions (fan-out), PyTorch's default uniform for linear layers, BatchNorm at (1, 0).
    /// Uses Tensor.normal_/uniform_ with the generator: TorchSharp 0.107's nn.init.normal_ ignores its generator.
    /// </summary>
    public static void Initialize(Module model, long seed)
    {
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var (name, module) in model.named_modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    var w = conv.weight!;
                    long fanOut = w.shape[0] * w.shape[2] * w.shape[3];
                    w.normal_(0, Math.Sqrt(2.0 / fanOut), generator);
                    if (conv.bias is not null) init.zeros_(conv.bias);
                    break;
                case Linear linear:
                    double bound = 1.0 / Math.Sqrt(linear.weight!.shape[1]);
                    linear.weight!.uniform_(-bound, bound, generator);
                    linear.bias?.uniform_(-bound, bound, generator);
                    break;
                case BatchNorm2d bn:
                    init.ones_(bn.weight!);
                    init.zeros_(bn.bias!);
                    break;
            }
        }
    }

    /// <summary>Number of input channels the data needs for this architecture, when fixed.</summary>
    public static int? RequiredChannels(string architecture) => architecture is "resnet18" or "resnet50" ? 3 : null;
}
