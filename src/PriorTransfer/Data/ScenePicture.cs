using PriorTransfer.IO;
using SkiaSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Data;

/// <summary>
/// A PNG of segmentation scenes for people to look at: one row per scene — the image, its ground-truth label map in
/// colour and, when given, one or more predicted label maps (background black, each class its own colour).
/// </summary>
public static class ScenePicture
{
    /// <summary>Background, then ten distinct class colours (the tab10 palette), repeated for more classes.</summary>
    private static readonly SKColor[] Palette =
    [
        new(0, 0, 0), new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189),
        new(140, 86, 75), new(227, 119, 194), new(127, 127, 127), new(188, 189, 34), new(23, 190, 207),
    ];

    /// <summary>
    /// Writes the first <paramref name="count"/> scenes of <paramref name="scenes"/> (per-pixel labels) atomically to
    /// <paramref name="path"/>, each next to the label maps of <paramref name="predictions"/> (each [N, H, W] int64 class
    /// indices, e.g. the argmax of a model's probabilities), magnified <paramref name="scale"/> times.
    /// </summary>
    public static void SavePng(string path, ImageSet scenes, int count, IReadOnlyList<Tensor>? predictions = null, int scale = 2)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!scenes.IsDense) throw new ArgumentException("the scenes need per-pixel labels [N, H, W].", nameof(scenes));
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "draw at least one scene.");
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), scale, "the scale must be at least 1.");
        predictions ??= [];
        foreach (var p in predictions)
            if (p.dim() != 3 || p.shape[0] != scenes.Count || p.shape[1] != scenes.Height || p.shape[2] != scenes.Width)
                throw new ArgumentException($"predictions must be [{scenes.Count}, {scenes.Height}, {scenes.Width}]; got [{string.Join(", ", p.shape)}].", nameof(predictions));
        int rows = (int)Math.Min(count, scenes.Count), h = scenes.Height, w = scenes.Width, gap = 2;
        int columns = 2 + predictions.Count;
        using var bitmap = new SKBitmap(columns * (w * scale + gap), rows * (h * scale + gap), SKColorType.Rgba8888, SKAlphaType.Opaque);
        bitmap.Erase(SKColors.White);

        using (var scope = NewDisposeScope())
        {
            // Grey levels of the image (mean over channels) and the label maps, copied to the host once.
            var grey = scenes.Images.narrow(0, 0, rows).mean([1]).clamp(0, 1).mul(255).to_type(ScalarType.Byte).data<byte>().ToArray();
            var maps = new[] { scenes.Labels }.Concat(predictions).Select(t => t.narrow(0, 0, rows).to_type(ScalarType.Int64).cpu().data<long>().ToArray()).ToArray();
            for (int r = 0; r < rows; r++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        int i = (r * h + y) * w + x;
                        Fill(bitmap, 0, r, x, y, new SKColor(grey[i], grey[i], grey[i]));
                        for (int m = 0; m < maps.Length; m++)
                            Fill(bitmap, m + 1, r, x, y, Palette[(int)(maps[m][i] % Palette.Length)]);
                    }
        }

        AtomicFile.Write(path, stream =>
        {
            using var image = SKImage.FromBitmap(bitmap);
            using var data = image.Encode(SKEncodedImageFormat.Png, 100);
            data.SaveTo(stream);
        });

        void Fill(SKBitmap target, int column, int row, int x, int y, SKColor color)
        {
            int left = column * (w * scale + gap) + x * scale, top = row * (h * scale + gap) + y * scale;
            for (int dy = 0; dy < scale; dy++)
                for (int dx = 0; dx < scale; dx++)
                    target.SetPixel(left + dx, top + dy, color);
        }
    }
}
