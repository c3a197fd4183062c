using System.Globalization;
using System.Text.RegularExpressions;

namespace PriorTransfer.Performance;

/// <summary>What a <see cref="LayerCase"/> computes.</summary>
public enum LayerKind
{
    /// <summary>A k×k convolution without bias (padding k/2).</summary>
    Convolution,

    /// <summary>BatchNorm in training mode followed by ReLU.</summary>
    BatchNormRelu,
}

/// <summary>
/// One layer shape of resnet8 (CifarResNet on 1×28×28 images) whose forward + backward the <c>layers</c> figures time
/// on both sides of the PyTorch comparison. Its <see cref="Name"/> is also the request the PyTorch reference parses
/// (<c>layer &lt;name&gt; &lt;reps&gt;</c>), so the C# side is the one definition of every case. Grammar:
/// <c>conv{k}x{k}-{in}-{out}-s{stride}-{size}-{cl|nchw}[-nograd]</c> or <c>bnrelu-{channels}-{size}-{cl|nchw}[-nograd]</c>,
/// where size is the input's height and width, cl means channels-last activations and nograd an input that does not
/// require a gradient (the stem's images).
/// </summary>
public sealed partial record LayerCase
{
    public required LayerKind Kind { get; init; }

    public required int InChannels { get; init; }

    /// <summary>Output channels (= <see cref="InChannels"/> for BatchNorm).</summary>
    public required int OutChannels { get; init; }

    /// <summary>Height and width of the input.</summary>
    public required int Size { get; init; }

    /// <summary>Convolution kernel size (1 for BatchNorm).</summary>
    public int Kernel { get; init; } = 1;

    public int Stride { get; init; } = 1;

    /// <summary>Channels-last activations (as CifarResNet's stages), else the default NCHW memory format (as its stem).</summary>
    public bool ChannelsLast { get; init; }

    /// <summary>Whether the input requires a gradient; false for the stem, whose input is the images.</summary>
    public bool InputGradient { get; init; } = true;

    /// <summary>How often the shape occurs in resnet8's forward pass (weights the 28×28 share figure).</summary>
    public int CountInResNet8 { get; init; } = 1;

    /// <summary>Height and width of the output.</summary>
    public int OutputSize => (Size + 2 * (Kernel / 2) - Kernel) / Stride + 1;

    /// <summary>The case's name: the figure id's part and the PyTorch reference's request.</summary>
    public string Name
    {
        get
        {
            string op = Kind == LayerKind.Convolution
                ? string.Create(CultureInfo.InvariantCulture, $"conv{Kernel}x{Kernel}-{InChannels}-{OutChannels}-s{Stride}")
                : string.Create(CultureInfo.InvariantCulture, $"bnrelu-{InChannels}");
            return string.Create(CultureInfo.InvariantCulture, $"{op}-{Size}-{(ChannelsLast ? "cl" : "nchw")}{(InputGradient ? "" : "-nograd")}");
        }
    }

    /// <summary>For people: "3×3 convolution 16→32, stride 2, on 28×28 channels-last input".</summary>
    public string Description
    {
        get
        {
            string op = Kind == LayerKind.Convolution
                ? string.Create(CultureInfo.InvariantCulture, $"{Kernel}×{Kernel} convolution {InChannels}→{OutChannels}{(Stride == 1 ? "" : $", stride {Stride}")}")
                : string.Create(CultureInfo.InvariantCulture, $"BatchNorm + ReLU, {InChannels} channels");
            return string.Create(CultureInfo.InvariantCulture,
                $"{op}, on {Size}×{Size} {(ChannelsLast ? "channels-last" : "NCHW")} input{(InputGradient ? "" : " without gradient")}");
        }
    }

    public override string ToString() => Name;

    /// <summary>Reads a <see cref="Name"/>; throws <see cref="FormatException"/> saying the grammar.</summary>
    public static LayerCase Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var m = Grammar().Match(name);
        if (!m.Success)
            throw new FormatException($"'{name}' is not a layer case: expected conv<k>x<k>-<in>-<out>-s<stride>-<size>-<cl|nchw>[-nograd] or bnrelu-<channels>-<size>-<cl|nchw>[-nograd], e.g. conv3x3-16-32-s2-28-cl.");
        static int Int(Group g) => int.Parse(g.Value, CultureInfo.InvariantCulture);
        bool conv = m.Groups["k"].Success;
        var layer = new LayerCase
        {
            Kind = conv ? LayerKind.Convolution : LayerKind.BatchNormRelu,
            InChannels = conv ? Int(m.Groups["in"]) : Int(m.Groups["c"]),
            OutChannels = conv ? Int(m.Groups["out"]) : Int(m.Groups["c"]),
            Kernel = conv ? Int(m.Groups["k"]) : 1,
            Stride = conv ? Int(m.Groups["s"]) : 1,
            Size = Int(m.Groups["size"]),
            ChannelsLast = m.Groups["layout"].Value == "cl",
            InputGradient = !m.Groups["nograd"].Success,
        };
        layer.Validate();
        return layer;
    }

    public void Validate()
    {
        if (InChannels < 1 || OutChannels < 1 || Size < 1 || Kernel < 1 || Stride < 1)
            throw new ArgumentOutOfRangeException(nameof(InChannels), $"Layer case {Name}: channels, size, kernel and stride must be positive.");
        if (Kernel % 2 == 0) throw new ArgumentOutOfRangeException(nameof(Kernel), Kernel, $"Layer case {Name}: the kernel must be odd (padding k/2 keeps the size).");
        if (Kind == LayerKind.BatchNormRelu && (InChannels != OutChannels || Kernel != 1 || Stride != 1))
            throw new ArgumentException($"Layer case {Name}: BatchNorm keeps channels and size.", nameof(Kind));
        if (CountInResNet8 < 0) throw new ArgumentOutOfRangeException(nameof(CountInResNet8), CountInResNet8, "A count cannot be negative.");
    }

    private static LayerCase Conv(int k, int cin, int cout, int stride, int size, int count, bool channelsLast = true, bool inputGradient = true) => new()
    {
        Kind = LayerKind.Convolution, Kernel = k, InChannels = cin, OutChannels = cout, Stride = stride, Size = size,
        ChannelsLast = channelsLast, InputGradient = inputGradient, CountInResNet8 = count,
    };

    private static LayerCase BnRelu(int channels, int size, int count, bool channelsLast = true) => new()
    {
        Kind = LayerKind.BatchNormRelu, InChannels = channels, OutChannels = channels, Size = size, ChannelsLast = channelsLast, CountInResNet8 = count,
    };

    /// <summary>
    /// Every layer shape of resnet8 in network order, with its count: the stem (NCHW, input without gradient, then
    /// BatchNorm + ReLU on NCHW before the switch to channels-last), stage 1 (two 16→16 convolutions and BatchNorms at
    /// 28×28), stage 2 (16→32 stride 2 and its 1×1 projection from 28×28, 32→32 at 14×14, three BatchNorms), stage 3
    /// (likewise from 14×14 to 7×7). The second BatchNorm of a block is followed by the residual add before its ReLU;
    /// it is timed as BatchNorm + ReLU.
    /// </summary>
    public static IReadOnlyList<LayerCase> ResNet8 { get; } =
    [
        Conv(3, 1, 16, 1, 28, 1, channelsLast: false, inputGradient: false),
        BnRelu(16, 28, 1, channelsLast: false),
        Conv(3, 16, 16, 1, 28, 2),
        BnRelu(16, 28, 2),
        Conv(3, 16, 32, 2, 28, 1),
        Conv(1, 16, 32, 2, 28, 1),
        Conv(3, 32, 32, 1, 14, 1),
        BnRelu(32, 14, 3),
        Conv(3, 32, 64, 2, 14, 1),
        Conv(1, 32, 64, 2, 14, 1),
        Conv(3, 64, 64, 1, 7, 1),
        BnRelu(64, 7, 3),
    ];

    [GeneratedRegex(@"^(?:conv(?<k>[0-9]{1,6})x\k<k>-(?<in>[0-9]{1,6})-(?<out>[0-9]{1,6})-s(?<s>[0-9]{1,6})|bnrelu-(?<c>[0-9]{1,6}))-(?<size>[0-9]{1,6})-(?<layout>cl|nchw)(?<nograd>-nograd)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();
}
