using PriorTransfer.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Data;

public class AugmentationTests
{
    private static Tensor Images(int b, int c, int h, int w) =>
        torch.arange(b * c * h * w, ScalarType.Float32).reshape(b, c, h, w).div(b * c * h * w);

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static Tensor Run(AugmentationOptions options, Tensor images, long seed)
    {
        using var generator = new Generator((ulong)seed);
        return new Augmentation(options).Apply(images, generator);
    }

    [Fact]
    public void DeterministicUnderASeedAndShapePreserving()
    {
        using var scope = NewDisposeScope();
        var images = Images(32, 2, 7, 9);
        var options = new AugmentationOptions { Padding = 2, HorizontalFlip = true };
        var a = Run(options, images, 42);
        var b = Run(options, images, 42);
        var other = Run(options, images, 43);
        Assert.Equal(images.shape, a.shape);
        Assert.Equal(images.dtype, a.dtype);
        Assert.True(Same(a, b));
        Assert.False(Same(a, other));
        Assert.False(Same(a, images));
    }

    [Fact]
    public void NoneReturnsACopyOfTheInput()
    {
        using var scope = NewDisposeScope();
        var images = Images(4, 1, 5, 5);
        var output = Run(AugmentationOptions.None, images, 1);
        Assert.True(Same(output, images));
        Assert.NotEqual(images.Handle, output.Handle);
    }

    /// <summary>
    /// Each output is some crop (dy, dx) of the zero-padded input, mirrored or not: compared against a naive
    /// reference that tries every offset. Flips must occur only when enabled.
    /// </summary>
    [Theory]
    [InlineData(2, false)]
    [InlineData(2, true)]
    [InlineData(0, true)]
    [InlineData(1, false)]
    public void EachSampleIsAShiftedCropFlippedOnlyWhenEnabled(int padding, bool flip)
    {
        using var scope = NewDisposeScope();
        int b = 64, h = 6, w = 5;
        var images = Images(b, 2, h, w);
        var output = Run(new AugmentationOptions { Padding = padding, HorizontalFlip = flip }, images, 7);
        var padded = nn.functional.pad(images, [padding, padding, padding, padding]);
        int flipped = 0, shifted = 0;
        for (int i = 0; i < b; i++)
        {
            bool matched = false;
            for (int dy = 0; dy <= 2 * padding && !matched; dy++)
                for (int dx = 0; dx <= 2 * padding && !matched; dx++)
                {
                    var crop = padded[i, .., dy..(dy + h), dx..(dx + w)];
                    if (Same(output[i], crop)) { matched = true; if (dy != padding || dx != padding) shifted++; }
                    else if (Same(output[i], crop.flip(2))) { matched = true; flipped++; if (dy != padding || dx != padding) shifted++; }
                }
            Assert.True(matched, $"sample {i} is not a crop of the padded input");
        }
        if (flip) Assert.InRange(flipped, 1, b - 1); else Assert.Equal(0, flipped);
        if (padding > 0) Assert.True(shifted > 0); else Assert.Equal(0, shifted);
    }

    [Fact]
    public void DoesNotLeakTensors()
    {
        using var images = Images(16, 1, 28, 28);
        using var generator = new Generator(3);
        var augmentation = new Augmentation(new AugmentationOptions { HorizontalFlip = true });
        augmentation.Apply(images, generator).Dispose();
        long before = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        for (int i = 0; i < 5; i++) augmentation.Apply(images, generator).Dispose();
        Assert.Equal(before, DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount);
    }
}
