using System.Globalization;
using static TorchSharp.torch;

namespace PriorTransfer.Data;

/// <summary>
/// Deterministic index subsets of a downstream pool (BENCHMARK.md, "Tasks"): the fixed validation holdout
/// (500 images, balanced as far as the pool allows), balanced n-per-class training subsets as a function of
/// (task, n, seed) disjoint from that holdout, and fixed stratified train/test splits for datasets that ship
/// without one. All randomness comes from <see cref="StableRandom"/> seeded by a stable hash of a string key
/// (the task's <see cref="TransferTask.SubsetKey"/>), never from torch's or .NET's global generators, so the
/// same key gives the same indices on every machine. Indices are returned in ascending order.
/// </summary>
public static class Subsets
{
    public const int ValidationSize = 500;

    /// <summary>The validation holdout of <paramref name="task"/>'s downstream pool, as a new set.</summary>
    public static ImageSet Validation(TransferTask task) =>
        Select(task.DownstreamPool, ValidationIndices(task.DownstreamPool, task.SubsetKey));

    /// <summary>The balanced n-image training subset for (task, n, seed), as a new set.</summary>
    public static ImageSet Training(TransferTask task, int n, int seed) =>
        Select(task.DownstreamPool, TrainingIndices(task.DownstreamPool, task.SubsetKey, n, seed));

    /// <summary>
    /// Pool indices of the validation holdout: <paramref name="size"/> images spread evenly over the classes
    /// (100 per class for 5 classes, 50 for 10; the first classes get one more when it does not divide), a class
    /// with too few images giving its share to the others; every class keeps at least one image for training.
    /// </summary>
    public static long[] ValidationIndices(ImageSet pool, string key, int size = ValidationSize)
    {
        var byClass = IndicesByClass(pool);
        var quotas = EvenQuotas(byClass.Select(c => c.Length - 1).ToArray(), size, pool.ClassNames, key);
        var rng = StableRandom.FromKey($"{key}|validation|{size.ToString(CultureInfo.InvariantCulture)}");
        var chosen = new List<long>(size);
        for (int c = 0; c < byClass.Length; c++)
        {
            var shuffled = (long[])byClass[c].Clone();
            rng.Shuffle(shuffled);
            chosen.AddRange(shuffled.Take(quotas[c]));
        }
        return Sorted(chosen);
    }

    /// <summary>
    /// Pool indices of the training subset for (<paramref name="key"/>, <paramref name="n"/>, <paramref name="seed"/>):
    /// n / K images of each of the K classes, drawn from the pool minus the validation holdout.
    /// </summary>
    public static long[] TrainingIndices(ImageSet pool, string key, int n, int seed, int validationSize = ValidationSize)
    {
        int k = pool.ClassCount;
        if (n <= 0 || n % k != 0)
            throw new ArgumentOutOfRangeException(nameof(n), n,
                $"The training size n = {n} must be a positive multiple of the {k} classes of '{key}' (balanced n-per-class subsets).");
        int perClass = n / k;

        var validation = new HashSet<long>(ValidationIndices(pool, key, validationSize));
        var available = IndicesByClass(pool).Select(idx => idx.Where(i => !validation.Contains(i)).ToArray()).ToArray();
        int smallest = available.Min(a => a.Length);
        if (perClass > smallest)
        {
            int c = Array.FindIndex(available, a => a.Length == smallest);
            throw new ArgumentOutOfRangeException(nameof(n), n,
                $"n = {n} needs {perClass} images per class, but class '{pool.ClassNames[c]}' of '{key}' has only {smallest} left after the " +
                $"{validation.Count}-image validation holdout; the largest possible n is {smallest * k}.");
        }

        var rng = StableRandom.FromKey($"{key}|train|n={n.ToString(CultureInfo.InvariantCulture)}|seed={seed.ToString(CultureInfo.InvariantCulture)}");
        var chosen = new List<long>(n);
        foreach (var idx in available)
        {
            rng.Shuffle(idx);
            chosen.AddRange(idx.Take(perClass));
        }
        return Sorted(chosen);
    }

    /// <summary>
    /// A fixed stratified split of <paramref name="set"/> into train and test with exactly
    /// <paramref name="testCount"/> test images, each class contributing in proportion to its size
    /// (largest-remainder rounding, ties to the lower class).
    /// </summary>
    public static (long[] Train, long[] Test) StratifiedSplit(ImageSet set, int testCount, string key)
    {
        if (testCount <= 0 || testCount >= set.Count)
            throw new ArgumentOutOfRangeException(nameof(testCount), testCount, $"must be between 1 and {set.Count - 1} for a set of {set.Count} images.");
        var byClass = IndicesByClass(set);
        var exact = byClass.Select(idx => (double)idx.Length * testCount / set.Count).ToArray();
        var quotas = exact.Select(e => (int)Math.Floor(e)).ToArray();
        foreach (int c in Enumerable.Range(0, quotas.Length).OrderByDescending(c => exact[c] - quotas[c]).ThenBy(c => c).Take(testCount - quotas.Sum()))
            quotas[c]++;

        var rng = StableRandom.FromKey($"{key}|split|test={testCount.ToString(CultureInfo.InvariantCulture)}");
        var train = new List<long>();
        var test = new List<long>();
        for (int c = 0; c < byClass.Length; c++)
        {
            var shuffled = (long[])byClass[c].Clone();
            rng.Shuffle(shuffled);
            test.AddRange(shuffled.Take(quotas[c]));
            train.AddRange(shuffled.Skip(quotas[c]));
        }
        return (Sorted(train), Sorted(test));
    }

    /// <summary>The rows at <paramref name="indices"/> as a new set.</summary>
    public static ImageSet Select(ImageSet set, long[] indices)
    {
        using var scope = NewDisposeScope();
        return set.Select(tensor(indices));
    }

    private static long[][] IndicesByClass(ImageSet set)
    {
        if (set.IsDense)
            throw new ArgumentException("class-balanced subsets need one label per image; this set has per-pixel labels (scenes are made by Scenes, not Subsets).", nameof(set));
        var labels = set.Labels.data<long>().ToArray();
        var byClass = Enumerable.Range(0, set.ClassCount).Select(_ => new List<long>()).ToArray();
        for (long i = 0; i < labels.Length; i++) byClass[labels[i]].Add(i);
        return byClass.Select(l => l.ToArray()).ToArray();
    }

    // Water-filling: equal shares, capped by what each class can give; leftovers go to the first open classes.
    private static int[] EvenQuotas(int[] caps, int size, IReadOnlyList<string> classNames, string key)
    {
        if (size < 0) throw new ArgumentOutOfRangeException(nameof(size), size, "must not be negative.");
        long capacity = caps.Sum(c => (long)Math.Max(c, 0));
        if (capacity < size)
            throw new ArgumentException(
                $"The downstream pool of '{key}' is too small for a {size}-image validation holdout that leaves every class at least one " +
                $"training image (at most {capacity} can be held out; class sizes: {string.Join(", ", caps.Select((c, i) => $"{classNames[i]} {c + 1}"))}).");
        var quotas = new int[caps.Length];
        int left = size;
        while (left > 0)
        {
            var open = Enumerable.Range(0, caps.Length).Where(c => quotas[c] < caps[c]).ToArray();
            int share = left / open.Length;
            if (share == 0)
            {
                foreach (int c in open.Take(left)) quotas[c]++;
                break;
            }
            foreach (int c in open)
            {
                int give = Math.Min(share, caps[c] - quotas[c]);
                quotas[c] += give;
                left -= give;
            }
        }
        return quotas;
    }

    private static long[] Sorted(List<long> indices)
    {
        var array = indices.ToArray();
        Array.Sort(array);
        return array;
    }
}
