using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PriorTransfer.Tests;

/// <summary>A tiny classifier with the codebase's naming: <c>backbone.*</c> (conv + BatchNorm) and <c>head.*</c>.</summary>
internal sealed class TinyNet : nn.Module<Tensor, Tensor>
{
    private readonly Sequential backbone;
    private readonly Linear head;

    public TinyNet(int channels = 4, int classes = 3, ScalarType dtype = ScalarType.Float32) : base(nameof(TinyNet))
    {
        backbone = nn.Sequential(
            ("conv", nn.Conv2d(1, channels, 3, padding: 1)),
            ("bn", nn.BatchNorm2d(channels)),
            ("relu", nn.ReLU()),
            ("pool", nn.AdaptiveAvgPool2d(1)),
            ("flat", nn.Flatten()));
        head = nn.Linear(channels, classes);
        RegisterComponents();
        if (dtype != ScalarType.Float32) this.to(dtype);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return head.forward(backbone.forward(input)).MoveToOuterDisposeScope();
    }
}

/// <summary>Same backbone, different head width: a downstream model for a prior learned on <see cref="TinyNet"/>.</summary>
internal sealed class TinyNetWideHead : nn.Module<Tensor, Tensor>
{
    private readonly Sequential backbone;
    private readonly Linear head;

    public TinyNetWideHead(int channels = 4) : base(nameof(TinyNetWideHead))
    {
        backbone = nn.Sequential(
            ("conv", nn.Conv2d(1, channels, 3, padding: 1)),
            ("bn", nn.BatchNorm2d(channels)),
            ("relu", nn.ReLU()),
            ("pool", nn.AdaptiveAvgPool2d(1)),
            ("flat", nn.Flatten()));
        head = nn.Linear(channels, 10);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => head.forward(backbone.forward(input));
}

/// <summary>Dense float64 references for the Gaussian maths (small P only).</summary>
internal static class Dense
{
    /// <summary>log N(θ; μ, Σ) via a dense Cholesky factorisation.</summary>
    public static double LogProb(Tensor theta, Tensor mean, Tensor covariance)
    {
        using var scope = NewDisposeScope();
        var p = theta.shape[0];
        var l = linalg.cholesky(covariance);
        var r = (theta - mean).to(ScalarType.Float64).unsqueeze(1);
        var y = linalg.solve_triangular(l, r, upper: false);
        var quad = y.square().sum().item<double>();
        var logDet = 2 * l.diagonal().log().sum().item<double>();
        return -0.5 * (quad + logDet + p * Math.Log(2 * Math.PI));
    }

    /// <summary>−Σ⁻¹(θ−μ).</summary>
    public static Tensor Gradient(Tensor theta, Tensor mean, Tensor covariance)
    {
        using var scope = NewDisposeScope();
        return linalg.solve(covariance, (theta - mean).unsqueeze(1)).squeeze(1).neg().MoveToOuterDisposeScope();
    }

    public static Tensor LowRankCovariance(Tensor diagonal, Tensor factor)
    {
        using var scope = NewDisposeScope();
        return diag(diagonal).add(factor.matmul(factor.t())).MoveToOuterDisposeScope();
    }

    /// <summary>Same shape and bit-identical values.</summary>
    public static bool Same(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.eq(b).all().item<bool>();
    }

    /// <summary>
    /// Live tensor count after finalising earlier garbage, as the baseline of a leak check: handles nobody disposed
    /// before the check would otherwise be finalised during it and make the count drop.
    /// </summary>
    public static long LiveTensorsAfterCollection()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return torch.Tensor.TotalCount;
    }

    public static double MaxAbs(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (a.to(ScalarType.Float64) - b.to(ScalarType.Float64)).abs().max().item<double>();
    }
}
