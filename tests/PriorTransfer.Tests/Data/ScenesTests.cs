using PriorTransfer.Data;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Data;

public class ScenesTests
{
    private const float PoolBase = 0.2f, TestBase = 0.7f, Step = 0.0005f;

    /// <summary>
    /// A task whose every image is a constant square whose grey level encodes where it comes from: pool image i has
    /// 0.2 + 0.0005·i, test image j has 0.7 + 0.0005·j; classes alternate. A scene pixel's value then names its image.
    /// </summary>
    private static TransferTask IdentifiableTask() => new("ids", "images that name themselves", null,
        new TaskPart(["even", "odd"], () => (Constant(600, PoolBase), Constant(100, TestBase))), horizontalFlip: false);

    private static ImageSet Constant(int count, float baseLevel)
    {
        using var scope = NewDisposeScope();
        var levels = arange(count, ScalarType.Float32) * Step + baseLevel;
        var images = levels.view(-1, 1, 1, 1).expand(count, 1, 28, 28).contiguous();
        return new ImageSet(images, arange(count, ScalarType.Int64).remainder(2), ["even", "odd"]);
    }

    /// <summary>For each object pixel: (index of the image it was painted from, its label).</summary>
    private static List<(long Image, long Label)> Sources(ImageSet scenes, float baseLevel)
    {
        var values = scenes.Images.flatten().data<float>().ToArray();
        var labels = scenes.Labels.flatten().data<long>().ToArray();
        var result = new List<(long, long)>();
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] == 0) { Assert.Equal(0, labels[i]); continue; }
            double index = (values[i] - baseLevel) / Step;
            Assert.InRange(index, -0.01, 1e4);
            Assert.Equal(Math.Round(index), index, 2);
            result.Add(((long)Math.Round(index), labels[i]));
        }
        return result;
    }

    [Fact]
    public void TestScenesUseOnlyTestImagesAndLabelEachPixelWithItsObjectsClass()
    {
        using var task = IdentifiableTask();
        using var test = Scenes.Test(task, 40);
        Assert.Equal([40, 1, 64, 64], test.Images.shape);
        Assert.Equal([40, 64, 64], test.Labels.shape);
        Assert.Equal(["background", "even", "odd"], test.ClassNames);
        var sources = Sources(test, TestBase);
        Assert.NotEmpty(sources);
        Assert.All(sources, s => Assert.InRange(s.Image, 0, 99));          // test images, never pool ones (≥ 1000 steps apart)
        Assert.All(sources, s => Assert.Equal(1 + s.Image % 2, s.Label));   // label = 1 + the painted image's class
    }

    [Fact]
    public void TrainingScenesAvoidTheValidationHoldoutAndValidationScenesUseOnlyIt()
    {
        using var task = IdentifiableTask();
        var holdout = Subsets.ValidationIndices(task.DownstreamPool, task.SubsetKey).ToHashSet();
        using var train = Scenes.Training(task, 30, seed: 0);
        using var validation = Scenes.Validation(task, 30);
        Assert.All(Sources(train, PoolBase), s => Assert.DoesNotContain(s.Image, holdout));
        Assert.All(Sources(validation, PoolBase), s => Assert.Contains(s.Image, holdout));
    }

    [Fact]
    public void ScenesAreDeterministicInTaskSizeAndSeed()
    {
        using var task = IdentifiableTask();
        using var a = Scenes.Training(task, 10, seed: 3);
        using var b = Scenes.Training(task, 10, seed: 3);
        using var c = Scenes.Training(task, 10, seed: 4);
        Assert.True(a.Images.eq(b.Images).all().item<bool>());
        Assert.True(a.Labels.eq(b.Labels).all().item<bool>());
        Assert.False(a.Labels.eq(c.Labels).all().item<bool>());
    }

    [Fact]
    public void LaterObjectsPaintOverEarlierOnesOnlyWhereTheirMaskIsOn()
    {
        // Two 28×28 objects in one 32×32 scene: a bright full square (class 0), then a cross (class 1) above the threshold only on its bars.
        using var scope = NewDisposeScope();
        var square = full(new long[] { 1, 1, 28, 28 }, 0.5f);
        var cross = zeros(1, 1, 28, 28);
        cross[.., .., 14, ..] = tensor(0.9f);
        cross[.., .., .., 14] = tensor(0.9f);
        using var objects = new ImageSet(cat([square, cross], 0), tensor(new long[] { 0, 1 }), ["a", "b"]);
        var options = new SceneOptions { Size = 32 };
        ScenePlacement[][] plan = [[new(0, 0, 0), new(1, 4, 4)]];
        using var scene = Scenes.Paint(objects, plan, ["background", "a", "b"], options);
        var labels = scene.Labels[0];
        Assert.Equal(2, labels[18, 10].item<long>());    // the cross's horizontal bar, over the square
        Assert.Equal(1, labels[5, 5].item<long>());      // the square, where the cross is dark
        Assert.Equal(0, labels[31, 0].item<long>());     // outside both
        Assert.Equal(0.9f, scene.Images[0, 0, 18, 10].item<float>());
        Assert.Equal(0.5f, scene.Images[0, 0, 5, 5].item<float>());
    }

    [Fact]
    public void PreviewPngIsWritten()
    {
        using var task = IdentifiableTask();
        using var test = Scenes.Test(task, 3);
        using var folder = new TempFolder();
        string path = folder.Combine("scenes.png");
        ScenePicture.SavePng(path, test, 3, [test.Labels]);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
    }
}
