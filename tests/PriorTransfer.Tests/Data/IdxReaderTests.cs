using PriorTransfer.Data;
using TorchSharp;

namespace PriorTransfer.Tests.Data;

public class IdxReaderTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RoundTripRawAndGzip(bool gzip)
    {
        using var dir = new TempFolder();
        byte[] labels = [3, 0, 1, 2, 3, 1];
        var (imagesPath, labelsPath) = TestFiles.WriteIdxSplit(dir.Path, "train", labels, height: 4, width: 5, gzip: gzip);

        using var set = IdxReader.Read(imagesPath, labelsPath);
        Assert.Equal([6L, 1, 4, 5], set.Images.shape);
        Assert.Equal(torch.ScalarType.Float32, set.Images.dtype);
        Assert.Equal(labels.Select(l => (long)l), set.Labels.data<long>().ToArray());
        Assert.Equal(["0", "1", "2", "3"], set.ClassNames);

        var expected = TestFiles.Pixels(6, 4, 5).Select(b => b / 255f).ToArray();
        Assert.Equal(expected, set.Images.data<float>().ToArray());

        var header = IdxReader.ReadHeader(imagesPath);
        Assert.Equal(IdxReader.ImagesMagic, header.Magic);
        Assert.Equal([6, 4, 5], header.Dimensions);
    }

    [Fact]
    public void ReadClassesSelectsAndRelabels()
    {
        using var dir = new TempFolder();
        byte[] labels = [5, 0, 7, 5, 9, 7];
        var (imagesPath, labelsPath) = TestFiles.WriteIdxSplit(dir.Path, "train", labels, height: 2, width: 2);

        using var set = IdxReader.ReadClasses(imagesPath, labelsPath, [7, 5], ["seven", "five"]);
        Assert.Equal([1L, 0, 1, 0], set.Labels.data<long>().ToArray());
        Assert.Equal(4, set.Count);
        // Row 2 of the file (first 7) comes second: original order is kept.
        var pixels = TestFiles.Pixels(6, 2, 2);
        Assert.Equal(pixels[8] / 255f, set.Images[1, 0, 0, 0].item<float>());
    }

    [Fact]
    public void FindSplitAcceptsTheUsualNames()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.Combine("t10k-images.idx3-ubyte"), TestFiles.Idx([0, 28, 28], []));
        File.WriteAllBytes(dir.Combine("t10k-labels.idx1-ubyte"), TestFiles.Idx([0], []));
        var found = IdxReader.FindSplit(dir.Path, "t10k");
        Assert.NotNull(found);
        Assert.Null(IdxReader.FindSplit(dir.Path, "train"));
    }

    [Fact]
    public void WrongMagicNamesTheFile()
    {
        using var dir = new TempFolder();
        string path = dir.Combine("x-images-idx3-ubyte");
        File.WriteAllBytes(path, TestFiles.Idx([2, 28, 28], new byte[2 * 784], magic: 0x00000D03));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains(path, e.Message);
        Assert.Contains("magic", e.Message);
    }

    [Fact]
    public void LabelsFileGivenAsImagesIsWrongMagic()
    {
        using var dir = new TempFolder();
        var (_, labelsPath) = TestFiles.WriteIdxSplit(dir.Path, "train", [1, 2]);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(labelsPath));
        Assert.Contains("0x00000801", e.Message);
        Assert.Contains("0x00000803", e.Message);
    }

    [Fact]
    public void TruncatedRawFileSaysExpectedAndActualBytes()
    {
        using var dir = new TempFolder();
        string path = dir.Combine("short-images-idx3-ubyte");
        var bytes = TestFiles.Idx([3, 28, 28], new byte[3 * 784]);
        File.WriteAllBytes(path, bytes[..^100]);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("2352", e.Message);
        Assert.Contains("2252", e.Message);
    }

    [Fact]
    public void TruncatedHeader()
    {
        using var dir = new TempFolder();
        string path = dir.Combine("tiny");
        File.WriteAllBytes(path, [0, 0, 8, 3, 0, 0]);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Contains("truncated header", e.Message);
    }

    [Fact]
    public void TruncatedGzipSaysTheStreamEndsEarly()
    {
        using var dir = new TempFolder();
        string path = dir.Combine("cut-images-idx3-ubyte.gz");
        var gz = TestFiles.Gzip(TestFiles.Idx([50, 28, 28], TestFiles.Pixels(50, 28, 28)));
        File.WriteAllBytes(path, gz[..(gz.Length / 2)]);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("gzip", e.Message);
    }

    [Fact]
    public void CorruptGzip()
    {
        using var dir = new TempFolder();
        string path = dir.Combine("bad-images-idx3-ubyte.gz");
        var gz = TestFiles.Gzip(TestFiles.Idx([50, 28, 28], TestFiles.Pixels(50, 28, 28)));
        gz[3] = 0xFF; // reserved FLG bits: an invalid gzip header
        File.WriteAllBytes(path, gz);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Equal(path, e.FilePath);
    }

    [Fact]
    public void ExtraBytesAreAnError()
    {
        using var dir = new TempFolder();
        string path = dir.Combine("long-labels-idx1-ubyte");
        File.WriteAllBytes(path, [.. TestFiles.Idx([2], [0, 1]), 7, 7]);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));
        Assert.Contains("2 bytes after", e.Message);
    }

    [Fact]
    public void CountMismatchNamesBothFiles()
    {
        using var dir = new TempFolder();
        var (imagesPath, labelsPath) = TestFiles.WriteIdxSplit(dir.Path, "train", [0, 1, 2]);
        File.WriteAllBytes(labelsPath, TestFiles.Gzip(TestFiles.Idx([2], [0, 1])));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(imagesPath, labelsPath));
        Assert.Equal(labelsPath, e.FilePath);
        Assert.Contains(imagesPath, e.Message);
        Assert.Contains("2 labels", e.Message);
        Assert.Contains("3 images", e.Message);
    }

    [Fact]
    public void LabelOutOfRangeForGivenClassNames()
    {
        using var dir = new TempFolder();
        var (imagesPath, labelsPath) = TestFiles.WriteIdxSplit(dir.Path, "train", [0, 1, 4]);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(imagesPath, labelsPath, ["a", "b", "c"]));
        Assert.Contains("label 4", e.Message);
    }
}
