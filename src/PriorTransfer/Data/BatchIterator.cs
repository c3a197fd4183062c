using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Data;

/// <summary>
/// Minibatches of an <see cref="ImageSet"/> for one epoch at a time: order from <c>randperm</c> on the generator
/// passed to <see cref="Epoch"/> (or sequential), optional <see cref="Augmentation"/> with the same generator,
/// the last partial batch kept or dropped. Each batch's tensors are owned by the iterator (disposed when the
/// enumeration advances), so a training loop needs no bookkeeping beyond its own per-batch dispose scope.
/// </summary>
public sealed class BatchIterator
{
    private readonly ImageSet _set;

    public BatchIterator(ImageSet set, int batchSize, bool shuffle = true, bool dropLast = false, Augmentation? augmentation = null)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be positive.");
        _set = set;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        Augmentation = augmentation;
    }

    public int BatchSize { get; }
    public bool Shuffle { get; }
    public bool DropLast { get; }
    public Augmentation? Augmentation { get; }

    /// <summary>Number of batches per epoch.</summary>
    public int BatchCount => (int)(DropLast ? _set.Count / BatchSize : (_set.Count + BatchSize - 1) / BatchSize);

    /// <summary>
    /// The batches of one epoch. <paramref name="generator"/> drives the shuffle and the augmentation; it may be null
    /// only when there is neither.
    /// </summary>
    public IEnumerable<Batch> Epoch(Generator? generator)
    {
        if (generator is null && (Shuffle || Augmentation is not null))
            throw new ArgumentNullException(nameof(generator), "A generator is needed to shuffle or augment.");
        return Enumerate(generator);
    }

    private IEnumerable<Batch> Enumerate(Generator? generator)
    {
        long n = _set.Count;
        Tensor? order = Shuffle ? randperm(n, ScalarType.Int64, _set.Images.device, generator: generator).DetachFromDisposeScope() : null;
        try
        {
            int index = 0;
            for (long start = 0; start < n; start += BatchSize, index++)
            {
                long length = Math.Min(BatchSize, n - start);
                if (length < BatchSize && DropLast) yield break;
                Tensor images, labels;
                using (NewDisposeScope())
                {
                    if (order is null)
                    {
                        images = _set.Images.narrow(0, start, length);
                        labels = _set.Labels.narrow(0, start, length);
                    }
                    else
                    {
                        var rows = order.narrow(0, start, length);
                        images = _set.Images.index_select(0, rows);
                        labels = _set.Labels.index_select(0, rows);
                    }
                    if (Augmentation is not null) images = Augmentation.Apply(images, generator!);
                    images.DetachFromDisposeScope();
                    labels.DetachFromDisposeScope();
                }
                try
                {
                    yield return new Batch(images, labels, index);
                }
                finally
                {
                    images.Dispose();
                    labels.Dispose();
                }
            }
        }
        finally
        {
            order?.Dispose();
        }
    }
}
