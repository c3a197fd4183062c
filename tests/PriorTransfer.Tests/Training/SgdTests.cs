using PriorTransfer.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Training;

public sealed class SgdTests
{
    /// <summary>
    /// The owned-Scalar SGD makes TorchSharp's SGD's update op for op: after steps with a changing learning rate the two
    /// copies of a network hold the same parameters bit for bit, for plain, momentum, Nesterov and weight-decay settings.
    /// </summary>
    [Theory]
    [InlineData(0.0, 0.0, false)]
    [InlineData(0.9, 0.0, false)]
    [InlineData(0.9, 5e-4, true)]
    [InlineData(0.0, 1e-2, false)]
    public void MatchesTorchSharpSgdBitForBit(double momentum, double weightDecay, bool nesterov)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        var ours = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3));
        var theirs = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3));
        using (no_grad())
            foreach (var (a, b) in ours.parameters().Zip(theirs.parameters())) b.copy_(a);
        using var sgd = new Sgd(ours.parameters(), 0.1, momentum, weightDecay, nesterov);
        using var reference = optim.SGD(theirs.parameters(), 0.1, momentum, weight_decay: weightDecay, nesterov: nesterov);
        var initial = ours.parameters().First().clone();
        var x = randn(8, 6);
        var y = randint(0, 3, [8]);
        for (int step = 0; step < 5; step++)
        {
            double rate = 0.1 / (step + 1);
            foreach (var (optimizer, model) in new (OptimizerHelper, nn.Module<Tensor, Tensor>)[] { (sgd, ours), (reference, theirs) })
            {
                foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
                optimizer.zero_grad();
                nn.functional.cross_entropy(model.forward(x), y).backward();
                optimizer.step();
            }
        }
        foreach (var (a, b) in ours.parameters().Zip(theirs.parameters()))
            Assert.True(a.eq(b).all().item<bool>(), "parameters differ from TorchSharp's SGD");
        Assert.False(ours.parameters().First().eq(initial).all().item<bool>());   // the steps moved them
    }

    [Fact]
    public void BadSettingsAreRefusedWithTheirName()
    {
        using var layer = nn.Linear(2, 2);
        Assert.Contains("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(layer.parameters(), double.NaN)).Message);
        Assert.Contains("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(layer.parameters(), 0.1, momentum: -1)).Message);
        Assert.Contains("nesterov", Assert.Throws<ArgumentException>(() => new Sgd(layer.parameters(), 0.1, nesterov: true)).Message);
    }
}
