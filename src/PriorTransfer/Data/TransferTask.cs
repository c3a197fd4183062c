namespace PriorTransfer.Data;

/// <summary>
/// A transfer-learning task (BENCHMARK.md, "Tasks"): an optional source part (where the prior is learned: train and
/// test sets) and a downstream part (a pool from which validation and n-per-class training subsets are drawn, and
/// a test set). Each part is loaded on first use and then kept, so a downstream experiment never pays for the source
/// images. The task owns what it loaded and disposes it. Built by <see cref="TaskCatalog.Create"/>.
/// </summary>
public sealed class TransferTask : IDisposable
{
    private readonly TaskPart? _sourcePart;
    private readonly TaskPart _downstreamPart;
    private readonly Lazy<(ImageSet Train, ImageSet Test)>? _source;
    private readonly Lazy<(ImageSet Train, ImageSet Test)> _downstream;
    private bool _disposed;

    public TransferTask(
        string name,
        string description,
        TaskPart? source,
        TaskPart downstream,
        bool horizontalFlip,
        IReadOnlyList<int>? benchmarkSizes = null,
        string? subsetKey = null)
    {
        Name = name;
        Description = description;
        HorizontalFlip = horizontalFlip;
        BenchmarkSizes = benchmarkSizes?.ToArray() ?? [];
        SubsetKey = subsetKey ?? name;
        _sourcePart = source;
        _downstreamPart = downstream;
        if (source is not null) _source = new(() => LoadChecked(source, "source"));
        _downstream = new(() => LoadChecked(downstream, "downstream"));
    }

    /// <summary>The name the task was created with (e.g. <c>fashion-split</c>, <c>idx:/data/kmnist</c>).</summary>
    public string Name { get; }

    public string Description { get; }

    /// <summary>
    /// The key that seeds the validation holdout and training subsets: the name for built-in tasks, and for
    /// generic ones the kind plus the folder's name, so that subsets do not depend on where the folder lives.
    /// </summary>
    public string SubsetKey { get; }

    /// <summary>Whether a random horizontal flip is a label-preserving augmentation here (clothes: yes; digits: no).</summary>
    public bool HorizontalFlip { get; }

    /// <summary>The downstream training sizes n the benchmark runs on this task (empty for generic tasks).</summary>
    public IReadOnlyList<int> BenchmarkSizes { get; }

    public bool HasSource => _sourcePart is not null;

    public IReadOnlyList<string> SourceClassNames => _sourcePart?.ClassNames ?? [];

    public IReadOnlyList<string> DownstreamClassNames => _downstreamPart.ClassNames;

    public bool IsSourceLoaded => _source?.IsValueCreated ?? false;

    public bool IsDownstreamLoaded => _downstream.IsValueCreated;

    /// <summary>Source training images (loads the source part on first use).</summary>
    public ImageSet SourceTrain => Source().Train;

    /// <summary>Source test images (loads the source part on first use).</summary>
    public ImageSet SourceTest => Source().Test;

    /// <summary>The downstream pool: validation holdout and training subsets come from here (see <see cref="Subsets"/>).</summary>
    public ImageSet DownstreamPool => Downstream().Train;

    /// <summary>Downstream test images, disjoint from the pool.</summary>
    public ImageSet DownstreamTest => Downstream().Test;

    /// <summary>The benchmark's train-time augmentation for this task: 2-px crop, flip only where sensible.</summary>
    public AugmentationOptions DefaultAugmentation => new() { Padding = 2, HorizontalFlip = HorizontalFlip };

    public override string ToString() => $"{Name}: {Description}";

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_source is { IsValueCreated: true }) { _source.Value.Train.Dispose(); _source.Value.Test.Dispose(); }
        if (_downstream.IsValueCreated) { _downstream.Value.Train.Dispose(); _downstream.Value.Test.Dispose(); }
    }

    private (ImageSet Train, ImageSet Test) Source()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_source is null)
            throw new TaskHasNoSourceException(Name,
                $"Task '{Name}' is downstream-only: it has no source images. Learn the prior or checkpoint on a task with a source " +
                $"(e.g. '{TaskCatalog.FashionToDigits}', whose source is all of Fashion-MNIST) and transfer it to '{Name}'.");
        return _source.Value;
    }

    private (ImageSet Train, ImageSet Test) Downstream()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _downstream.Value;
    }

    private (ImageSet Train, ImageSet Test) LoadChecked(TaskPart part, string which)
    {
        var (train, test) = part.Load();
        foreach (var set in new[] { train, test })
        {
            if (!set.ClassNames.SequenceEqual(part.ClassNames))
            {
                train.Dispose();
                test.Dispose();
                throw new DataFormatException(Name,
                    $"the {which} {(ReferenceEquals(set, train) ? "training" : "test")} images have classes [{string.Join(", ", set.ClassNames)}] " +
                    $"but the task declares [{string.Join(", ", part.ClassNames)}]. The training and test folders must hold the same class folders.");
            }
        }
        return (train, test);
    }
}
