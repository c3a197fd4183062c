using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PriorTransfer.Training;

/// <summary>
/// Stochastic gradient descent with momentum, weight decay and Nesterov: the update of TorchSharp's (and PyTorch's)
/// <c>optim.SGD</c> with zero dampening, op for op, so the parameters it produces are the same bit for bit. It exists
/// because that optimizer turns its learning rate, momentum and decay into native Scalars on every step and leaves
/// them to the finalizer; a Scalar finalised while the native update it was passed to still runs is freed under it
/// (a full-profile run died so, "Expected false to be true" at c10::Scalar::toFloat, inside <c>SGD.step</c>). Here
/// every Scalar is owned and disposed with the optimizer (<see cref="CachedScalar"/> for the scheduled learning rate).
/// </summary>
public sealed class Sgd : OptimizerHelper
{
    private readonly double momentum;
    private readonly double weightDecay;
    private readonly bool nesterov;
    private readonly Scalar momentumScalar;
    private readonly Scalar weightDecayScalar;
    private readonly Scalar one;
    private readonly Dictionary<IntPtr, Tensor> momentumBuffers = [];
    private readonly CachedScalar negativeLearningRate = new();
    private bool disposed;

    public Sgd(IEnumerable<Parameter> parameters, double learningRate, double momentum = 0, double weightDecay = 0, bool nesterov = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(learningRate >= 0) || double.IsInfinity(learningRate)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be finite and ≥ 0.");
        if (!(momentum >= 0) || double.IsInfinity(momentum)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be finite and ≥ 0.");
        if (!(weightDecay >= 0) || double.IsInfinity(weightDecay)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Weight decay must be finite and ≥ 0.");
        if (nesterov && momentum <= 0) throw new ArgumentException("Nesterov momentum needs a positive momentum.", nameof(nesterov));
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
        momentumScalar = momentum.ToScalar();
        weightDecayScalar = weightDecay.ToScalar();
        one = 1.0.ToScalar();
        _defaults = new OptimizerOptions { LearningRate = learningRate, InitialLearningRate = learningRate };
        _parameter_groups = [];
        add_param_group(new ParamGroup { Parameters = parameters });
    }

    public override void add_param_group(ParamGroup param_group)
    {
        ArgumentNullException.ThrowIfNull(param_group);
        ObjectDisposedException.ThrowIf(disposed, this);
        param_group.Options ??= new OptimizerOptions();
        param_group.Options.LearningRate ??= _defaults.LearningRate;
        param_group.Options.InitialLearningRate = param_group.Options.LearningRate!.Value;
        param_group.Parameters = param_group.Parameters.ToArray();
        _parameter_groups.Add(param_group);
    }

    /// <summary>One update of every parameter that has a gradient (as TorchSharp's SGD, a null gradient is skipped).</summary>
    public override Tensor? step(Func<Tensor>? closure = null)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        Tensor? loss = null;
        if (closure is not null)
        {
            using var _ = enable_grad();
            loss = closure();
        }
        using (no_grad())
        using (NewDisposeScope())
        {
            foreach (var group in _parameter_groups)
            {
                var rate = negativeLearningRate.Get(-group.LearningRate);
                foreach (var parameter in group.Parameters)
                {
                    var grad = parameter.grad;
                    if (grad is null) continue;
                    if (weightDecay != 0) grad = grad.add(parameter, alpha: weightDecayScalar);
                    if (momentum != 0)
                    {
                        if (!momentumBuffers.TryGetValue(parameter.Handle, out var buffer))
                            momentumBuffers[parameter.Handle] = buffer = grad.clone().detach().DetachFromDisposeScope();
                        else
                            buffer.mul_(momentumScalar).add_(grad, alpha: one);
                        grad = nesterov ? grad.add(buffer, alpha: momentumScalar) : buffer;
                    }
                    parameter.add_(grad, alpha: rate);
                }
            }
        }
        return loss;
    }

    protected override void Dispose(bool disposing)
    {
        if (!disposed && disposing)
        {
            foreach (var buffer in momentumBuffers.Values) buffer.Dispose();
            momentumBuffers.Clear();
            negativeLearningRate.Dispose();
            momentumScalar.Dispose();
            weightDecayScalar.Dispose();
            one.Dispose();
        }
        disposed = true;
        base.Dispose(disposing);
    }
}
