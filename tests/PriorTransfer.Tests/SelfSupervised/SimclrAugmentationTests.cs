using PriorTransfer.SelfSupervised;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.SelfSupervised;

public class SimclrAugmentationTests
{
    /// <summary>A batch of blobs: a bright rectangle at a different place in every image, on a dark background.</summary>
    internal static Tensor Blobs(int count, int seed, int size = 28)
    {
        using var scope = NewDisposeScope();
        var g = new Generator((ulong)seed);
        var images = rand([count, 1, size, size], generator: g) * 0.1f;
        var top = randint(0, size / 2, [count], generator: g);
        var left = randint(0, size / 2, [count], generator: g);
        var rows = arange(size).view(1, size, 1);
        var cols = arange(size).view(1, 1, size);
        var inside = rows.ge(top.view(-1, 1, 1)) & rows.lt(top.view(-1, 1, 1) + size / 3) & cols.ge(left.view(-1, 1, 1)) & cols.lt(left.view(-1, 1, 1) + size / 2);
        images += inside.unsqueeze(1).to_type(ScalarType.Float32) * 0.8f;
        return images.MoveToOuterDisposeScope();
    }

    [Fact]
    public void SameSeedGivesIdenticalViewsAndDifferentSeedsDiffer()
    {
        using var scope = NewDisposeScope();
        var images = Blobs(16, 1);
        var augmentation = new SimclrAugmentation();
        var (a1, a2) = augmentation.Views(images, new Generator(7));
        var (b1, b2) = augmentation.Views(images, new Generator(7));
        var (c1, _) = augmentation.Views(images, new Generator(8));
        Assert.True(a1.equal(b1).all().item<bool>());
        Assert.True(a2.equal(b2).all().item<bool>());
        Assert.False(a1.equal(c1).all().item<bool>());
        Assert.False(a1.equal(a2).all().item<bool>());
        // Every image's two views differ, not just the batch as a whole.
        Assert.True((a1 - a2).abs().amax([1, 2, 3]).gt(1e-3).all().item<bool>());
    }

    [Fact]
    public void ViewsKeepShapeAndStayInRange()
    {
        using var scope = NewDisposeScope();
        var images = Blobs(32, 2);
        var original = images.clone();
        var view = new SimclrAugmentation(new SimclrAugmentationOptions { ViewScale = 1 }).View(images, new Generator(3));
        Assert.Equal(new long[] { 32, 1, 28, 28 }, view.shape);
        Assert.Equal(ScalarType.Float32, view.dtype);
        Assert.True(view.min().item<float>() >= 0f);
        Assert.True(view.max().item<float>() <= 1f);
        Assert.True(view.isfinite().all().item<bool>());
        // Still images, not blank or saturated: the mean stays near the input's.
        double inputMean = images.mean().item<float>(), viewMean = view.mean().item<float>();
        Assert.InRange(viewMean, 0.4 * inputMean, 2.0 * inputMean);
        Assert.True(images.equal(original).all().item<bool>(), "the input must not be modified");
    }

    [Fact]
    public void ViewsCanBeSmallerThanTheImages()
    {
        using var scope = NewDisposeScope();
        var images = Blobs(8, 2);
        // The default: 5/7 of the side, 28 → 20 pixels.
        var view = new SimclrAugmentation().View(images, new Generator(3));
        Assert.Equal(new long[] { 8, 1, 20, 20 }, view.shape);
        Assert.True(view.min().item<float>() >= 0f && view.max().item<float>() <= 1f);
        // Without cropping, a smaller view is the whole image resampled.
        var whole = new SimclrAugmentation(SimclrAugmentationOptions.Identity with { ViewScale = 0.5 }).View(images, new Generator(3));
        var expected = nn.functional.avg_pool2d(images, 2);
        Assert.True(whole.allclose(expected, rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void IdentityOptionsReturnTheImages()
    {
        using var scope = NewDisposeScope();
        var images = Blobs(8, 3);
        var view = new SimclrAugmentation(SimclrAugmentationOptions.Identity).View(images, new Generator(1));
        Assert.True(view.equal(images).all().item<bool>());
    }

    [Fact]
    public void FullCropWithFlipGivesTheImageOrItsMirror()
    {
        using var scope = NewDisposeScope();
        var images = Blobs(32, 4).to_type(ScalarType.Float64);
        var options = SimclrAugmentationOptions.Identity with { HorizontalFlip = true };
        var view = new SimclrAugmentation(options).View(images, new Generator(5));
        Assert.Equal(ScalarType.Float64, view.dtype);
        var same = (view - images).abs().amax([1, 2, 3]).lt(1e-9);
        var mirrored = (view - images.flip(3)).abs().amax([1, 2, 3]).lt(1e-9);
        Assert.True((same | mirrored).all().item<bool>());
        Assert.True(same.any().item<bool>() && mirrored.any().item<bool>());
    }

    [Fact]
    public void CropsZoomIn()
    {
        using var scope = NewDisposeScope();
        // Vertical stripes 2 px wide, period 4: a crop of half of each side (a quarter of the area) doubles their
        // width, halving the bright/dark transitions along a row (13 in the image).
        var stripes = arange(28).remainder(4).lt(2).to_type(ScalarType.Float64);
        var images = stripes.view(1, 1, 1, 28).expand(4, 1, 28, 28).contiguous();
        var options = SimclrAugmentationOptions.Identity with { MinCropScale = 0.25, MaxCropScale = 0.25 };
        var view = new SimclrAugmentation(options).View(images, new Generator(6));
        var bright = view.gt(0.5);
        double transitions = bright.narrow(3, 1, 27).ne(bright.narrow(3, 0, 27)).to_type(ScalarType.Float64).sum([3]).mean().item<double>();
        Assert.InRange(transitions, 5.0, 8.0);
    }

    [Fact]
    public void RejectsInvalidOptions()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimclrAugmentation(new SimclrAugmentationOptions { MinCropScale = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimclrAugmentation(new SimclrAugmentationOptions { BlurKernelSize = 4 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimclrAugmentation(new SimclrAugmentationOptions { JitterProbability = 1.5 }));
    }
}
