using PriorTransfer.Data;
using SkiaSharp;

namespace PriorTransfer.Tests.Data;

public class ImageFolderReaderTests
{
    [Fact]
    public void GrayscaleImagesGiveOneChannelAndSortedClasses()
    {
        using var dir = new TempFolder();
        // Created out of order: class names must come out ordinally sorted ("B" < "a").
        foreach (var (cls, count) in new[] { ("a", 2), ("B", 3) })
        {
            dir.CreateDirectory(cls);
            for (int i = 0; i < count; i++)
                TestFiles.WriteImage(dir.Combine(cls, $"{i}.png"), 6, 4, (x, y) => TestFiles.Gray((byte)(10 * x + y + i)));
        }
        File.WriteAllText(dir.Combine("a", "notes.txt"), "not an image");
        dir.CreateDirectory(".hidden");

        using var set = ImageFolderReader.Read(dir.Path);
        Assert.Equal(["B", "a"], set.ClassNames);
        Assert.Equal([5L, 1, 4, 6], set.Images.shape);
        Assert.Equal([0L, 0, 0, 1, 1], set.Labels.data<long>().ToArray());
        // Pixel (x = 3, y = 2) of "B/1.png" is 10·3 + 2 + 1 = 33.
        Assert.Equal(33 / 255f, set.Images[1, 0, 2, 3].item<float>(), 6);
    }

    [Fact]
    public void ColourImagesGiveRgbInChannelOrder()
    {
        using var dir = new TempFolder();
        dir.CreateDirectory("red");
        dir.CreateDirectory("gray");
        TestFiles.WriteImage(dir.Combine("red", "r.png"), 3, 3, (_, _) => new SKColor(200, 10, 50));
        TestFiles.WriteImage(dir.Combine("gray", "g.png"), 3, 3, (_, _) => TestFiles.Gray(90));

        using var set = ImageFolderReader.Read(dir.Path);
        Assert.Equal(["gray", "red"], set.ClassNames);
        Assert.Equal(3, set.Channels);
        Assert.Equal([90 / 255f, 90 / 255f, 90 / 255f], set.Images[0, .., 1, 1].data<float>().ToArray());
        Assert.Equal([200 / 255f, 10 / 255f, 50 / 255f], set.Images[1, .., 1, 1].data<float>().ToArray());
    }

    [Fact]
    public void ForcedGrayscaleUsesLumaAndForcedRgbReplicates()
    {
        using var dir = new TempFolder();
        dir.CreateDirectory("c");
        TestFiles.WriteImage(dir.Combine("c", "x.png"), 2, 2, (_, _) => new SKColor(200, 100, 0));

        using var gray = ImageFolderReader.Read(dir.Path, new ImageFolderOptions { Color = ImageColorMode.Grayscale });
        Assert.Equal(1, gray.Channels);
        Assert.Equal((0.299f * 200 + 0.587f * 100) / 255f, gray.Images[0, 0, 0, 0].item<float>(), 4);

        using var rgbDir = new TempFolder();
        rgbDir.CreateDirectory("c");
        TestFiles.WriteImage(rgbDir.Combine("c", "x.png"), 2, 2, (_, _) => TestFiles.Gray(40));
        using var rgb = ImageFolderReader.Read(rgbDir.Path, new ImageFolderOptions { Color = ImageColorMode.Rgb });
        Assert.Equal(3, rgb.Channels);
    }

    [Fact]
    public void ResizesToTheFirstImageOrTheRequestedSize()
    {
        using var dir = new TempFolder();
        dir.CreateDirectory("k");
        TestFiles.WriteImage(dir.Combine("k", "0.png"), 8, 8, (_, _) => TestFiles.Gray(255));
        TestFiles.WriteImage(dir.Combine("k", "1.jpg"), 16, 12, (_, _) => TestFiles.Gray(255), SKEncodedImageFormat.Jpeg);

        using var first = ImageFolderReader.Read(dir.Path);
        Assert.Equal([2L, 1, 8, 8], first.Images.shape);
        Assert.Equal(1f, first.Images[1].mean().item<float>(), 2);

        using var sized = ImageFolderReader.Read(dir.Path, new ImageFolderOptions { Height = 5, Width = 7 });
        Assert.Equal([2L, 1, 5, 7], sized.Images.shape);
    }

    [Fact]
    public void EmptyRootIsAnError()
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<DataFormatException>(() => ImageFolderReader.Read(dir.Path));
        Assert.Contains("no class folders", e.Message);
    }

    [Fact]
    public void ClassWithoutImagesIsNamed()
    {
        using var dir = new TempFolder();
        dir.CreateDirectory("cats");
        dir.CreateDirectory("dogs");
        TestFiles.WriteImage(dir.Combine("cats", "0.png"), 2, 2, (_, _) => TestFiles.Gray(1));
        File.WriteAllText(dir.Combine("dogs", "readme.txt"), "");
        var e = Assert.Throws<DataFormatException>(() => ImageFolderReader.Read(dir.Path));
        Assert.Contains("dogs", e.Message);
        Assert.Contains("no images", e.Message);
    }

    [Fact]
    public void CorruptImageIsNamed()
    {
        using var dir = new TempFolder();
        dir.CreateDirectory("c");
        TestFiles.WriteImage(dir.Combine("c", "0.png"), 4, 4, (_, _) => TestFiles.Gray(1));
        string bad = dir.Combine("c", "1.png");
        File.WriteAllBytes(bad, [1, 2, 3, 4, 5, 6, 7, 8]);
        var e = Assert.Throws<DataFormatException>(() => ImageFolderReader.Read(dir.Path));
        Assert.Equal(bad, e.FilePath);
        Assert.Contains(bad, e.Message);
    }

    [Fact]
    public void TruncatedImageIsNamed()
    {
        using var dir = new TempFolder();
        dir.CreateDirectory("c");
        string bad = dir.Combine("c", "0.png");
        TestFiles.WriteImage(bad, 64, 64, (x, y) => TestFiles.Gray((byte)(x * y)));
        var bytes = File.ReadAllBytes(bad);
        File.WriteAllBytes(bad, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<DataFormatException>(() => ImageFolderReader.Read(dir.Path));
        Assert.Equal(bad, e.FilePath);
    }
}
