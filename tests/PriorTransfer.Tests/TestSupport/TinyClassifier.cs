using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.TestSupport;

/// <summary>
/// Flatten → Linear → BatchNorm1d: the smallest classifier with parameters and BatchNorm buffers, whose eval-mode
/// logits are easy to compute by hand: ((x·Wᵀ + b) − running_mean) / sqrt(running_var + eps) · γ + β.
/// </summary>
internal sealed class TinyClassifier : nn.Module<Tensor, Tensor>
{
    public const double Eps = 1e-5;

    private readonly Linear fc;
    private readonly BatchNorm1d bn;

    public TinyClassifier(int inputFeatures, int classes) : base(nameof(TinyClassifier))
    {
        fc = nn.Linear(inputFeatures, classes, dtype: ScalarType.Float64);
        bn = nn.BatchNorm1d(classes, eps: Eps, dtype: ScalarType.Float64);
        RegisterComponents();
    }

    public Linear Fc => fc;

    public BatchNorm1d Bn => bn;

    public override Tensor forward(Tensor input)
    {
        using var flat = input.flatten(1);
        using var hidden = fc.forward(flat);
        return bn.forward(hidden);
    }

    /// <summary>Sets every parameter and BatchNorm buffer to values derived from <paramref name="seed"/>.</summary>
    public void Randomise(long seed)
    {
        using var generator = new Generator((ulong)seed, CPU);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (_, p) in named_parameters())
            p.normal_(0, 1, generator);
        bn.running_mean!.normal_(0, 0.5, generator);
        bn.running_var!.uniform_(0.5, 2.0, generator);
        bn.num_batches_tracked!.fill_(seed);
    }

    /// <summary>Eval-mode logits computed from the module's current values without calling forward.</summary>
    public Tensor HandLogits(Tensor input)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var hidden = input.flatten(1).matmul(fc.weight!.t()) + fc.bias!;
        var normalised = (hidden - bn.running_mean!) / (bn.running_var! + Eps).sqrt();
        return (normalised * bn.weight! + bn.bias!).MoveToOuterDisposeScope();
    }
}
