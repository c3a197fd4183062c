using PriorTransfer.Data;

namespace PriorTransfer.Tests.Data;

public class DigitJsonReaderTests
{
    [Fact]
    public void ReadsTenFilesIntoOneLabelledSet()
    {
        using var dir = new TempFolder();
        int[] counts = [3, 1, 2, 2, 1, 1, 2, 1, 1, 2];
        TestFiles.WriteDigitFolder(dir.Path, counts);

        using var set = DigitJsonReader.Read(dir.Path);
        Assert.Equal([16L, 1, 28, 28], set.Images.shape);
        Assert.Equal(Enumerable.Range(0, 10).Select(d => d.ToString()), set.ClassNames);
        Assert.Equal(counts.Select(c => (long)c), set.ClassCounts());
        // Digit d's pixels are d / 10 and its images come in digit order.
        var labels = set.Labels.data<long>().ToArray();
        for (int i = 0; i < labels.Length; i++)
            Assert.Equal(labels[i] / 10f, set.Images[i, 0, 14, 14].item<float>(), 6);
    }

    [Fact]
    public void ReadFileKeepsRowMajorPixelOrder()
    {
        using var dir = new TempFolder();
        string path = dir.Combine("3.json");
        TestFiles.WriteDigitFile(path, 2, (i, j) => j == 28 * 5 + 7 ? 1.0 : i * 0.25);
        using var images = DigitJsonReader.ReadFile(path);
        Assert.Equal([2L, 1, 28, 28], images.shape);
        Assert.Equal(1f, images[1, 0, 5, 7].item<float>());
        Assert.Equal(0.25f, images[1, 0, 5, 8].item<float>());
        Assert.Equal(2, DigitJsonReader.CountImages(path));
    }

    [Fact]
    public void NumbersParseExactlyAsDoubleParse()
    {
        string[] numbers = ["0", "1", "0.992", "0.1", "0.30000000000000004", "1e-1", "5E-3", "0.000", "0.123456789012345", "1.0"];
        using var dir = new TempFolder();
        string path = dir.Combine("0.json");
        var all = Enumerable.Range(0, 784).Select(i => numbers[i % numbers.Length]).ToArray();
        File.WriteAllText(path, "{\"data\": [" + string.Join(", ", all) + "]}");
        using var images = DigitJsonReader.ReadFile(path);
        var expected = all.Select(n => (float)double.Parse(n, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(expected, images.flatten().data<float>().ToArray());
    }

    [Fact]
    public void LengthNotAMultipleOf784()
    {
        using var dir = new TempFolder();
        string path = dir.Combine("5.json");
        File.WriteAllText(path, "{\"data\": [" + string.Join(",", Enumerable.Repeat("0.5", 784 + 10)) + "]}");
        var e = Assert.Throws<DataFormatException>(() => DigitJsonReader.ReadFile(path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains("794", e.Message);
        Assert.Contains("784", e.Message);
    }

    [Theory]
    [InlineData("{\"data\": [0.5, 1.5]}", "outside [0, 1]")]
    [InlineData("{\"data\": [0.5, -0.1]}", "outside [0, 1]")]
    [InlineData("{\"data\": [0.5, \"x\"]}", "not a number")]
    [InlineData("{\"pixels\": [0.5]}", "no \"data\"")]
    [InlineData("[0.5]", "JSON object")]
    [InlineData("{\"data\": [0.5, 0.25", "invalid JSON")]
    public void MalformedFilesNameTheFileAndTheProblem(string json, string problem)
    {
        using var dir = new TempFolder();
        string path = dir.Combine("0.json");
        File.WriteAllText(path, json);
        var e = Assert.Throws<DataFormatException>(() => DigitJsonReader.ReadFile(path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void MissingDigitFileIsNamed()
    {
        using var dir = new TempFolder();
        TestFiles.WriteDigitFolder(dir.Path, Enumerable.Repeat(1, 10).ToArray());
        File.Delete(dir.Combine("7.json"));
        Assert.False(DigitJsonReader.IsDigitFolder(dir.Path));
        var e = Assert.Throws<FileNotFoundException>(() => DigitJsonReader.Read(dir.Path));
        Assert.Contains("7.json", e.Message);
    }
}
