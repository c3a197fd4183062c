using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PriorTransfer.Models;

/// <summary>
/// The DeepLabv3+ decoder (Chen et al., ECCV 2018, §3.1): project the low-level backbone features with a 1×1
/// convolution, upsample the ASPP output bilinearly to their size, concatenate, refine with two 3×3 convolutions and
/// classify each position with a 1×1 convolution. Output: logits [B, classes, h_low, w_low].
/// </summary>
public sealed class DeepLabDecoder : Module<Tensor, Tensor, Tensor>
{
    private readonly Sequential lowLevel;
    private readonly Sequential refine;
    private readonly Conv2d classifier;

    public DeepLabDecoder(int lowLevelChannels, int projectedChannels, int asppChannels, int channels, int classes, string name = "decoder")
        : base(name)
    {
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, "segmentation needs at least 2 classes (background and one object class).");
        lowLevel = AtrousSpatialPyramidPooling.ConvBnRelu(lowLevelChannels, projectedChannels, 1, 1);
        refine = Sequential(
            ("0", AtrousSpatialPyramidPooling.ConvBnRelu(projectedChannels + asppChannels, channels, 3, 1)),
            ("1", AtrousSpatialPyramidPooling.ConvBnRelu(channels, channels, 3, 1)));
        classifier = Conv2d(channels, classes, 1);
        RegisterComponents();
    }

    /// <param name="lowLevelFeatures">[B, lowLevelChannels, h, w].</param>
    /// <param name="context">The ASPP output [B, asppChannels, h', w'] at a coarser resolution.</param>
    public override Tensor forward(Tensor lowLevelFeatures, Tensor context)
    {
        using var scope = NewDisposeScope();
        var low = lowLevel.forward(lowLevelFeatures);
        var up = functional.interpolate(context, [low.shape[2], low.shape[3]], mode: InterpolationMode.Bilinear, align_corners: false);
        return classifier.forward(refine.forward(cat([low, up], 1))).MoveToOuterDisposeScope();
    }
}
