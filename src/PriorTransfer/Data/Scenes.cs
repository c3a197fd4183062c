using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Data;

/// <summary>
/// Semantic-segmentation scenes composed from a task's downstream images (the CPU-scale stand-in for PASCAL VOC in
/// the paper's Table 1): each scene is a dark canvas with 1–4 object images pasted at random positions, later objects
/// painted over earlier ones, and a label per pixel — 0 for background, 1 + c for an object of downstream class c,
/// where the object's mask is its own image thresholded (<see cref="SceneOptions.MaskThreshold"/>).
/// <para>
/// Training scenes use the downstream pool without its validation holdout (<see cref="Subsets.ValidationIndices"/>),
/// validation scenes only that holdout, test scenes only the test images: no image is shared between the three.
/// Every scene set is a deterministic function of its key (task, split, n, seed) through <see cref="StableRandom"/>.
/// </para>
/// </summary>
public static class Scenes
{
    /// <summary>The scene classes: background, then the downstream classes.</summary>
    public static IReadOnlyList<string> ClassNames(TransferTask task) => ["background", .. task.DownstreamClassNames];

    /// <summary>n training scenes for (task, n, seed), from pool images outside the validation holdout.</summary>
    public static ImageSet Training(TransferTask task, int n, int seed, SceneOptions? options = null)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, $"the number of training scenes must be at least 1; got {n}.");
        var pool = task.DownstreamPool;
        var holdout = new HashSet<long>(Subsets.ValidationIndices(pool, task.SubsetKey));
        var candidates = Enumerable.Range(0, (int)pool.Count).Select(i => (long)i).Where(i => !holdout.Contains(i)).ToArray();
        return Compose(pool, candidates, n, $"{task.SubsetKey}|scenes|train|n={I(n)}|seed={I(seed)}", ClassNames(task), options);
    }

    /// <summary>Validation scenes from the validation holdout images only (the same for every n and seed).</summary>
    public static ImageSet Validation(TransferTask task, int count, SceneOptions? options = null) =>
        Compose(task.DownstreamPool, Subsets.ValidationIndices(task.DownstreamPool, task.SubsetKey), Positive(count),
            $"{task.SubsetKey}|scenes|validation|count={I(count)}", ClassNames(task), options);

    /// <summary>Test scenes from the downstream test images only (the same for every n and seed).</summary>
    public static ImageSet Test(TransferTask task, int count, SceneOptions? options = null)
    {
        var test = task.DownstreamTest;
        return Compose(test, Enumerable.Range(0, (int)test.Count).Select(i => (long)i).ToArray(), Positive(count),
            $"{task.SubsetKey}|scenes|test|count={I(count)}", ClassNames(task), options);
    }

    /// <summary>
    /// Where the objects of <paramref name="count"/> scenes go: for each scene, 1..max objects (uniform), each an
    /// image drawn uniformly from <paramref name="candidates"/> at a uniform position that keeps its patch inside the canvas.
    /// </summary>
    public static ScenePlacement[][] Plan(long[] candidates, int objectSize, int count, string key, SceneOptions options)
    {
        options.Validate();
        if (candidates.Length == 0) throw new ArgumentException($"no images to compose scenes from ('{key}').", nameof(candidates));
        if (objectSize > options.Size)
            throw new ArgumentException($"object images of {objectSize} pixels do not fit in {options.Size}-pixel scenes.", nameof(objectSize));
        var rng = StableRandom.FromKey(key);
        int span = options.Size - objectSize + 1;
        var plan = new ScenePlacement[count][];
        for (int s = 0; s < count; s++)
        {
            int objects = options.MinObjects + (int)rng.NextInt64(options.MaxObjects - options.MinObjects + 1);
            plan[s] = new ScenePlacement[objects];
            for (int o = 0; o < objects; o++)
                plan[s][o] = new ScenePlacement(candidates[rng.NextInt64(candidates.Length)], (int)rng.NextInt64(span), (int)rng.NextInt64(span));
        }
        return plan;
    }

    /// <summary>Paints a <see cref="Plan"/> of <paramref name="source"/>'s images: scenes [count, C, S, S] and labels [count, S, S].</summary>
    public static ImageSet Paint(ImageSet source, ScenePlacement[][] plan, IReadOnlyList<string> classNames, SceneOptions options)
    {
        options.Validate();
        if (source.IsDense) throw new ArgumentException("scene objects need one label per image.", nameof(source));
        if (source.Height != source.Width) throw new ArgumentException($"object images must be square; got {source.Height}×{source.Width}.", nameof(source));
        if (classNames.Count != source.ClassCount + 1)
            throw new ArgumentException($"expected background plus the source's {source.ClassCount} classes; got {classNames.Count} names.", nameof(classNames));
        int size = options.Size, patch = source.Height, channels = source.Channels;
        long count = plan.Length;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var canvas = zeros([count * size * size, channels]);
        var labels = zeros([count * size * size], ScalarType.Int64);
        var within = arange(patch, ScalarType.Int64);
        // Slot by slot: within one slot every scene has at most one object, so no pixel is written twice, and the
        // next slot paints over it (paint order = list order).
        int slots = plan.Length == 0 ? 0 : plan.Max(p => p.Length);
        for (int slot = 0; slot < slots; slot++)
        {
            var scenes = Enumerable.Range(0, plan.Length).Where(s => plan[s].Length > slot).ToArray();
            var placements = scenes.Select(s => plan[s][slot]).ToArray();
            var sceneIndex = tensor(scenes.Select(s => (long)s).ToArray());
            var images = source.Images.index_select(0, tensor(placements.Select(p => p.Image).ToArray()));   // [m, C, p, p]
            var classes = source.Labels.index_select(0, tensor(placements.Select(p => p.Image).ToArray())) + 1; // [m]
            var rows = tensor(placements.Select(p => (long)p.Row).ToArray()).view(-1, 1, 1) + within.view(1, -1, 1);
            var columns = tensor(placements.Select(p => (long)p.Column).ToArray()).view(-1, 1, 1) + within.view(1, 1, -1);
            var target = sceneIndex.view(-1, 1, 1) * (size * size) + rows * size + columns;                  // [m, p, p]
            var mask = images.mean([1]).gt(options.MaskThreshold);                                            // [m, p, p]
            var at = target.masked_select(mask);
            canvas.index_copy_(0, at, images.permute(0, 2, 3, 1).masked_select(mask.unsqueeze(-1)).view(-1, channels));
            labels.index_copy_(0, at, classes.view(-1, 1, 1).expand_as(target).masked_select(mask));
        }
        return new ImageSet(canvas.view(count, size, size, channels).permute(0, 3, 1, 2).contiguous(), labels.view(count, size, size), classNames);
    }

    private static ImageSet Compose(ImageSet source, long[] candidates, int count, string key, IReadOnlyList<string> classNames, SceneOptions? options)
    {
        options ??= new SceneOptions();
        return Paint(source, Plan(candidates, source.Height, count, key, options), classNames, options);
    }

    private static int Positive(int count) =>
        count >= 1 ? count : throw new ArgumentOutOfRangeException(nameof(count), count, $"the number of scenes must be at least 1; got {count}.");

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
