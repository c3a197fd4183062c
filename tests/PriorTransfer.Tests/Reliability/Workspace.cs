using PriorTransfer.Data;
using PriorTransfer.Models;
using PriorTransfer.Parameters;
using PriorTransfer.Priors;
using PriorTransfer.Serialization;
using PriorTransfer.Swag;
using PriorTransfer.Tests.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Reliability;

/// <summary>
/// Valid artefacts made once per test class (a resnet8 checkpoint, a resnet8 backbone prior file, a regular file to
/// put paths under) and fresh sub-folders for the bad inputs built from them.
/// </summary>
public sealed class Workspace : IDisposable
{
    public static readonly ModelSpec Resnet8 = new("resnet8", 1, 5);
    public static readonly PriorSource Source = new("fashion-split", PriorLoss.Supervised, "resnet8");

    private readonly TempFolder temp = new();
    private readonly Lazy<string> checkpoint;
    private readonly Lazy<string> prior;
    private int counter;

    public Workspace()
    {
        checkpoint = new(() =>
        {
            using var model = ModelFactory.Create(Resnet8, seed: 3);
            string path = temp.Combine("valid", "resnet8.ckpt");
            Checkpoint.Save(model, path, new Dictionary<string, string> { ["task"] = "fashion-split" });
            return path;
        });
        prior = new(() =>
        {
            using var model = ModelFactory.Create(Resnet8, seed: 3);
            string path = temp.Combine("valid", "resnet8.prior.safetensors");
            using var gaussian = SwagOf(model, ParameterLayout.WithPrefixes(model, Classifier.BackbonePrefix));
            PriorFile.Write(path, gaussian, Source);
            return path;
        });
        File.WriteAllText(RegularFile, "a file, not a folder");
    }

    public string Root => temp.Path;

    /// <summary>A regular file, to put output paths "under".</summary>
    public string RegularFile => temp.Combine("regular-file.txt");

    public string ValidCheckpoint => checkpoint.Value;

    public string ValidPrior => prior.Value;

    /// <summary>A new empty folder.</summary>
    public string NewFolder(string hint = "case") =>
        temp.CreateDirectory($"{hint}-{Interlocked.Increment(ref counter)}");

    /// <summary>Writes <paramref name="bytes"/> to a new file named <paramref name="name"/> and returns its path.</summary>
    public string WriteBytes(string name, byte[] bytes)
    {
        string path = Path.Combine(NewFolder("file"), name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A SWAG Gaussian over <paramref name="layout"/> from three perturbed snapshots of the model (K = 2).</summary>
    public static SwagGaussian SwagOf(nn.Module model, ParameterLayout layout)
    {
        using var swag = new SwagCollector(layout, rank: 2);
        using var generator = new Generator(5);
        using var flat = layout.Flatten(model);
        for (int t = 0; t < 3; t++)
        {
            using var scope = NewDisposeScope();
            swag.Collect(flat + randn(flat.shape, generator: generator) * 0.01f);
        }
        return swag.ToGaussian();
    }

    /// <summary>
    /// A prior file over an explicit layout (entries as given, selection "backbone" prefix so that extras are reported),
    /// with simple valid values: mean 0, variance 1e-4, a small factor.
    /// </summary>
    public string WritePrior(string name, IEnumerable<(string Name, long[] Shape)> entries)
    {
        var layout = ParameterLayout.FromEntries(entries, ParameterSelection.Include("backbone"));
        using var scope = NewDisposeScope();
        long p = layout.Dimension;
        using var gaussian = new SwagGaussian(layout, zeros(p), full(p, 1e-4f), full(new long[] { p, 2 }, 1e-3f), snapshotCount: 3);
        string path = Path.Combine(NewFolder("prior"), name);
        PriorFile.Write(path, gaussian, Source);
        return path;
    }

    /// <summary>The backbone entries of a resnet8 (name, shape), in layout order.</summary>
    public static List<(string Name, long[] Shape)> Resnet8BackboneEntries()
    {
        using var model = ModelFactory.Create(Resnet8, seed: 0);
        return ParameterLayout.WithPrefixes(model, Classifier.BackbonePrefix).Entries.Select(e => (e.Name, e.Shape.ToArray())).ToList();
    }

    /// <summary>A fake Fashion-MNIST data folder (10 classes, IDX gzip) and a locator that searches only there.</summary>
    public DataLocator FakeFashion(int trainPerClass = 20, int testPerClass = 4)
    {
        string data = NewFolder("data");
        TestFiles.WriteFakeFashionMnist(Path.Combine(data, "fashion-mnist"), trainPerClass, testPerClass);
        return IsolatedLocator(data);
    }

    /// <summary>A locator whose every search place is inside this workspace (never the machine's real data).</summary>
    public DataLocator IsolatedLocator(string? dataPath)
    {
        string root = NewFolder("locator");
        return new DataLocator(new DataLocatorOptions
        {
            DataPath = dataPath,
            EnvironmentDataPath = null,
            WorkingDirectory = Directory.CreateDirectory(Path.Combine(root, "cwd")).FullName,
            BaseDirectory = Directory.CreateDirectory(Path.Combine(root, "app")).FullName,
            HomeDirectory = Directory.CreateDirectory(Path.Combine(root, "home")).FullName,
            SystemFashionMnistDirectory = Path.Combine(root, "system", "fashion-mnist"),
        });
    }

    public void Dispose() => temp.Dispose();
}
