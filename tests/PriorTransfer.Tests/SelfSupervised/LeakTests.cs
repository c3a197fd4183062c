using PriorTransfer.SelfSupervised;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.SelfSupervised;

public class LeakTests
{
    private static long Live => DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;

    [Fact]
    public void ViewsLossTrainingAndProbesKeepLiveTensorCountsFlat()
    {
        using var set = SimclrTrainerTests.Toy(16, 1);
        using var generator = new Generator(2);
        var augmentation = new SimclrAugmentation(new SimclrAugmentationOptions { BlurProbability = 0.5 });
        using var model = SimclrModel.Create(new PriorTransfer.Models.ModelSpec("resnet8", 1, 2), null, seed: 1);
        var options = new SimclrOptions { Steps = 2, BatchSize = 8 };
        var probe = new LinearProbeOptions { Iterations = 3 };

        void Round()
        {
            var (a, b) = augmentation.Views(set.Images, generator);
            a.Dispose();
            b.Dispose();
            SimclrTrainer.Train(model, set, options);
            LinearProbe.Measure("x", model.Backbone, set, set, probe);
        }

        Round();
        long before = Live;
        Round();
        Round();
        Assert.Equal(before, Live);
    }
}
