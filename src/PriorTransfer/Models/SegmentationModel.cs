using PriorTransfer.Parameters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PriorTransfer.Models;

/// <summary>
/// A DeepLabv3+-style segmentation network (Chen et al., ECCV 2018) on a CIFAR-style ResNet: the backbone's last
/// stage (stride 4) feeds <see cref="AtrousSpatialPyramidPooling"/>, the decoder fuses it with the second stage
/// (stride 2, the low-level features) and the logits are upsampled bilinearly to the input size: [B, classes, H, W].
/// <para>
/// The backbone is registered as <c>backbone</c> and is the classifier's <see cref="CifarResNet"/>, so its parameter
/// and buffer names (<c>backbone.*</c>) are those of <see cref="Classifier"/>: a classification checkpoint's backbone
/// and a prior file learned on the classifier apply with no name mapping. Everything else (<c>aspp.*</c>,
/// <c>decoder.*</c>) is new downstream and gets a zero-mean isotropic prior (paper §4.4).
/// </para>
/// </summary>
public sealed class SegmentationModel : Module<Tensor, Tensor>
{
    /// <summary>Channels of each ASPP branch and of the decoder.</summary>
    public const int Channels = 32;

    /// <summary>ASPP dilation rates on the 16×16 map of a 64×64 input.</summary>
    public static IReadOnlyList<int> DefaultRates { get; } = [2, 4, 6];

    private readonly CifarResNet backbone;
    private readonly AtrousSpatialPyramidPooling aspp;
    private readonly DeepLabDecoder decoder;

    private SegmentationModel(ModelSpec spec, CifarResNet backbone) : base("segmentation")
    {
        Spec = spec;
        this.backbone = backbone;
        aspp = new AtrousSpatialPyramidPooling(64, Channels, DefaultRates);
        decoder = new DeepLabDecoder(lowLevelChannels: 32, projectedChannels: 16, asppChannels: Channels, channels: Channels, classes: spec.Classes);
        RegisterComponents();
    }

    /// <summary>Architecture (of the backbone), input channels and number of classes (background included).</summary>
    public ModelSpec Spec { get; }

    public CifarResNet Backbone => backbone;

    /// <summary>
    /// A segmentation model for <paramref name="spec"/> (resnet8 or resnet20 backbone), initialised from
    /// <paramref name="seed"/> like <see cref="ModelFactory.Create"/>, its parameters in one flat buffer.
    /// </summary>
    public static SegmentationModel Create(ModelSpec spec, long seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Architecture is not ("resnet8" or "resnet20"))
            throw new ArgumentException($"segmentation supports the resnet8 and resnet20 backbones; got '{spec.Architecture}'.", nameof(spec));
        if (spec.InChannels < 1) throw new ArgumentOutOfRangeException(nameof(spec), $"input channels must be positive; got {spec.InChannels}.");
        if (spec.Classes < 2) throw new ArgumentOutOfRangeException(nameof(spec), $"segmentation needs at least 2 classes (background included); got {spec.Classes}.");
        var model = new SegmentationModel(spec, new CifarResNet(spec.InChannels, spec.Architecture == "resnet8" ? 1 : 3));
        ModelFactory.Initialize(model, seed);
        FlatParameters.Consolidate(model);
        return model;
    }

    /// <summary>Per-pixel logits [B, classes, H, W] for images [B, C, H, W] (H and W multiples of 4).</summary>
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 4 || input.shape[2] % 4 != 0 || input.shape[3] % 4 != 0)
            throw new ArgumentException($"expected images [B, C, H, W] with H and W multiples of 4; got [{string.Join(", ", input.shape)}].", nameof(input));
        using var scope = NewDisposeScope();
        var stages = backbone.StageOutputs(input);
        var logits = decoder.forward(stages[1], aspp.forward(stages[2]));
        return functional.interpolate(logits, [input.shape[2], input.shape[3]], mode: InterpolationMode.Bilinear, align_corners: false)
            .MoveToOuterDisposeScope();
    }
}
