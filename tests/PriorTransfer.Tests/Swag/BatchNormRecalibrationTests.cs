using PriorTransfer.Parameters;
using PriorTransfer.Swag;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Swag;

public class BatchNormRecalibrationTests
{
    [Fact]
    public void RunningStatisticsBecomeTheDataStatistics()
    {
        using var net = new TinyNet(channels: 3, dtype: ScalarType.Float64);
        var bn = net.modules().OfType<BatchNorm>().Single();
        var conv = net.modules().OfType<Conv2d>().Single();
        using var scope = NewDisposeScope();
        var g = new Generator(12);
        var data = (randn(60, 1, 5, 5, dtype: ScalarType.Float64, generator: g) * 2 + 1).contiguous();
        // Stale statistics from "before the weights changed".
        using (no_grad())
        {
            bn.running_mean!.fill_(7.0);
            bn.running_var!.fill_(9.0);
        }
        var parameters = ParameterLayout.All(net).Flatten(net).detach();
        net.train();

        // One batch: exactly the batch mean and the unbiased batch variance.
        Assert.Equal(1, BatchNormRecalibration.Run(net, [data]));
        Tensor features;
        using (no_grad()) features = conv.forward(data);
        var mean = features.mean([0, 2, 3]);
        var variance = features.var([0, 2, 3], unbiased: true);
        Assert.True(Dense.MaxAbs(bn.running_mean!, mean) < 1e-12);
        Assert.True(Dense.MaxAbs(bn.running_var!, variance) < 1e-12);

        // Equal batches: the running mean is the data mean; the variance the average of the batch variances.
        var batches = data.chunk(3, 0);
        BatchNormRecalibration.Run(net, batches);
        Assert.True(Dense.MaxAbs(bn.running_mean!, mean) < 1e-12);
        var batchVariances = stack(batches.Select(b => conv.forward(b).var([0, 2, 3], unbiased: true)).ToArray()).mean([0]);
        Assert.True(Dense.MaxAbs(bn.running_var!, batchVariances) < 1e-12);

        // Momentum restored, eval mode everywhere, parameters untouched.
        Assert.Equal(0.1, bn.momentum);
        Assert.False(net.training);
        Assert.All(net.modules(), m => Assert.False(m.training));
        Assert.True(Dense.Same(parameters, ParameterLayout.All(net).Flatten(net).detach()));
    }

    [Fact]
    public void NoBatchesIsAnErrorAndMomentumIsStillRestored()
    {
        using var net = new TinyNet();
        var bn = net.modules().OfType<BatchNorm>().Single();
        Assert.Throws<ArgumentException>(() => BatchNormRecalibration.Run(net, []));
        Assert.Equal(0.1, bn.momentum);
        Assert.False(net.training);
    }
}
