using PriorTransfer.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Workflows;

/// <summary>
/// A small transfer task of 28×28 textures a convolutional network tells apart after global pooling (source: 4
/// classes — horizontal stripes, vertical stripes, checkerboard, plain noise; downstream: 2 classes — fine diagonal
/// vs coarse horizontal stripes), big enough for the 500-image validation holdout.
/// </summary>
internal static class SyntheticTask
{
    public static TransferTask Create(int poolPerClass = 280, int testPerClass = 50) => new(
        "synthetic", "textures → stripes",
        new TaskPart(["horizontal", "vertical", "checker", "noise"], () => (Source(200, 1), Source(50, 2))),
        new TaskPart(["diagonal", "coarse"], () => (Downstream(poolPerClass, 3), Downstream(testPerClass, 4))),
        horizontalFlip: false);

    private static ImageSet Source(int perClass, int seed) => Make(perClass, seed, ["horizontal", "vertical", "checker", "noise"],
        (r, c) => [r % 4 < 2 ? 1f : 0f, c % 4 < 2 ? 1f : 0f, (r / 3 + c / 3) % 2 == 0 ? 1f : 0f, 0f]);

    private static ImageSet Downstream(int perClass, int seed) => Make(perClass, seed, ["diagonal", "coarse"],
        (r, c) => [(r + c) % 4 < 2 ? 1f : 0f, r % 8 < 4 ? 1f : 0f]);

    /// <summary>Class c's images: 0.5 · pattern(c) + uniform noise in [0, 0.5).</summary>
    private static ImageSet Make(int perClass, int seed, string[] classes, Func<int, int, float[]> pattern)
    {
        using var scope = NewDisposeScope();
        int k = classes.Length;
        var pixels = new float[k * 28 * 28];
        for (int r = 0; r < 28; r++)
            for (int c = 0; c < 28; c++)
            {
                var values = pattern(r, c);
                for (int cls = 0; cls < k; cls++) pixels[cls * 784 + r * 28 + c] = 0.5f * values[cls];
            }
        var templates = tensor(pixels).view(k, 1, 28, 28);
        var labels = arange(k, ScalarType.Int64).repeat_interleave(perClass);
        var images = templates.index_select(0, labels) + rand([(long)k * perClass, 1, 28, 28], generator: new Generator((ulong)seed)) * 0.5f;
        return new ImageSet(images, labels, classes);
    }
}
