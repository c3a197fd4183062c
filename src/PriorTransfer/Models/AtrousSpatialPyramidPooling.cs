using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PriorTransfer.Models;

/// <summary>
/// Atrous spatial pyramid pooling (Chen et al., "Rethinking Atrous Convolution", 2017, §3.3; DeepLabv3+): parallel
/// branches on the backbone's last feature map — a 1×1 convolution, 3×3 convolutions at several dilation rates and
/// image-level pooling (global average → 1×1 convolution, broadcast back) — concatenated and projected by a 1×1
/// convolution. Every convolution is followed by BatchNorm and ReLU. Output: [B, channels, h, w], the input's size.
/// </summary>
public sealed class AtrousSpatialPyramidPooling : Module<Tensor, Tensor>
{
    private readonly ModuleList<Module<Tensor, Tensor>> branches;
    private readonly Sequential pooling;
    private readonly Sequential project;

    /// <param name="inChannels">Channels of the backbone's feature map.</param>
    /// <param name="channels">Channels of each branch and of the output.</param>
    /// <param name="rates">Dilation rates of the 3×3 branches (DeepLab's 6/12/18 at output stride 16 on 513-pixel crops
    /// become small rates on a 16×16 map: the largest should stay below the map's size).</param>
    /// <param name="name">Module name.</param>
    public AtrousSpatialPyramidPooling(int inChannels, int channels, IReadOnlyList<int> rates, string name = "aspp") : base(name)
    {
        if (inChannels < 1 || channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), "channel counts must be positive.");
        if (rates.Count == 0 || rates.Any(r => r < 1)) throw new ArgumentException($"dilation rates must be ≥ 1 and at least one is needed; got [{string.Join(", ", rates)}].", nameof(rates));
        var list = new List<Module<Tensor, Tensor>> { ConvBnRelu(inChannels, channels, 1, 1) };
        list.AddRange(rates.Select(r => ConvBnRelu(inChannels, channels, 3, r)));
        branches = ModuleList(list.ToArray());
        pooling = ConvBnRelu(inChannels, channels, 1, 1);
        project = ConvBnRelu(channels * (list.Count + 1), channels, 1, 1);
        Rates = rates.ToArray();
        RegisterComponents();
    }

    public IReadOnlyList<int> Rates { get; }

    /// <summary>Convolution (no bias: BatchNorm follows), BatchNorm, ReLU; a 3×3 kernel is padded to keep the size.</summary>
    internal static Sequential ConvBnRelu(int inChannels, int outChannels, int kernel, int dilation) => Sequential(
        ("0", Conv2d(inChannels, outChannels, kernel, stride: 1, padding: dilation * (kernel / 2), dilation: dilation, bias: false)),
        ("1", BatchNorm2d(outChannels)),
        ("2", ReLU()));

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        long h = input.shape[2], w = input.shape[3];
        var outputs = branches.Select(b => b.forward(input)).ToList();
        var pooled = pooling.forward(functional.adaptive_avg_pool2d(input, 1));
        outputs.Add(pooled.expand(pooled.shape[0], pooled.shape[1], h, w));
        return project.forward(cat(outputs, 1)).MoveToOuterDisposeScope();
    }
}
