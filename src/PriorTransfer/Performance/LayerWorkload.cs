using static TorchSharp.torch;

namespace PriorTransfer.Performance;

/// <summary>
/// The C# side of a <see cref="LayerCase"/>: a random input batch and the layer's parameters, made once; each
/// repetition runs the forward pass and the gradients of all inputs that require one (<c>autograd.grad</c>, so nothing
/// accumulates across repetitions) against a fixed all-ones output gradient. <c>LayerWorkload</c> in
/// bench/pytorch/bench_resnet.py is the same on the PyTorch side.
/// </summary>
public sealed class LayerWorkload : IDisposable
{
    private readonly LayerCase layer;
    private readonly Tensor input;
    private readonly Tensor[] parameters;
    private readonly Tensor[] buffers;
    private readonly Tensor[] differentiable;
    private readonly Tensor outputGradient;

    public LayerWorkload(LayerCase layer, int batchSize, long seed)
    {
        ArgumentNullException.ThrowIfNull(layer);
        layer.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        this.layer = layer;
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        var x = rand([batchSize, layer.InChannels, layer.Size, layer.Size], generator: generator);
        // TorchSharp 0.107 has no contiguous(memory_format): an NHWC copy viewed back as NCHW is the channels-last tensor.
        if (layer.ChannelsLast) x = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        input = x.requires_grad_(layer.InputGradient);
        if (layer.Kind == LayerKind.Convolution)
        {
            parameters = [rand([layer.OutChannels, layer.InChannels, layer.Kernel, layer.Kernel], generator: generator).mul_(0.1).requires_grad_(true)];
            buffers = [];
        }
        else
        {
            parameters = [ones(layer.InChannels).requires_grad_(true), zeros(layer.InChannels).requires_grad_(true)];
            buffers = [zeros(layer.InChannels), ones(layer.InChannels)];
        }
        differentiable = layer.InputGradient ? [input, .. parameters] : parameters;
        using (no_grad())
        {
            outputGradient = ones_like(Forward());
        }
        foreach (var t in parameters.Concat(buffers).Append(input).Append(outputGradient)) t.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One timed block: <paramref name="warmup"/> untimed passes, then <paramref name="repetitions"/> timed ones (wall
    /// and process CPU time), as the PyTorch reference times its side.
    /// </summary>
    public BlockTime Block(int repetitions, int warmup = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        Run(warmup);
        var cpu = Environment.CpuUsage.TotalTime;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Run(repetitions);
        var seconds = clock.Elapsed.TotalSeconds;
        return new BlockTime(seconds, (Environment.CpuUsage.TotalTime - cpu).TotalSeconds);
    }

    /// <summary>Forward + backward <paramref name="repetitions"/> times.</summary>
    public void Run(int repetitions)
    {
        for (int i = 0; i < repetitions; i++)
        {
            using var scope = NewDisposeScope();
            var y = Forward();
            autograd.grad([y], differentiable, [outputGradient]);
        }
    }

    private Tensor Forward() => layer.Kind == LayerKind.Convolution
        ? nn.functional.conv2d(input, parameters[0], null, strides: [layer.Stride, layer.Stride], padding: [layer.Kernel / 2, layer.Kernel / 2])
        : nn.functional.relu(nn.functional.batch_norm(input, buffers[0], buffers[1], parameters[0], parameters[1], training: true, momentum: 0.1, eps: 1e-5));

    public void Dispose()
    {
        foreach (var t in parameters.Concat(buffers).Append(input).Append(outputGradient)) t.Dispose();
    }
}
