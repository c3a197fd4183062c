using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Data;

/// <summary>
/// Reader for a folder of labelled images laid out as <c>root/&lt;class&gt;/*.png|jpg|jpeg</c>: class names are
/// the sub-folder names in ordinal order, files are read in ordinal name order, images are decoded with SkiaSharp,
/// resized (bilinear) to one size and returned as float32 [N, C, H, W] in [0, 1]. Alpha is ignored.
/// Folders whose name starts with '.' and files with other extensions are skipped.
/// </summary>
public static class ImageFolderReader
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    /// <summary>The class folders of <paramref name="root"/>, ordinally sorted (throws when there are none).</summary>
    public static IReadOnlyList<string> ClassNames(string root)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"Image folder not found: {root}");
        var names = Directory.GetDirectories(root)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(n => !n.StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (names.Length == 0)
            throw new DataFormatException(root, "has no class folders; expected root/<class>/*.png|jpg|jpeg.");
        return names;
    }

    /// <summary>True when <paramref name="path"/> has an image extension this reader accepts.</summary>
    public static bool IsImageFile(string path) =>
        Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    public static ImageSet Read(string root, ImageFolderOptions? options = null)
    {
        options ??= new ImageFolderOptions();
        if (options.Height.HasValue != options.Width.HasValue)
            throw new ArgumentException("Set both Height and Width, or neither.", nameof(options));
        if (options.Height <= 0 || options.Width <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), "Height and Width must be positive.");

        var classNames = ClassNames(root);
        var files = new List<(string Path, int Label)>();
        for (int c = 0; c < classNames.Count; c++)
        {
            string folder = Path.Combine(root, classNames[c]);
            var classFiles = Directory.GetFiles(folder).Where(IsImageFile).Order(StringComparer.Ordinal).ToArray();
            if (classFiles.Length == 0)
                throw new DataFormatException(folder, $"class folder '{classNames[c]}' has no images (*.png, *.jpg, *.jpeg). Add images to it or remove the folder.");
            files.AddRange(classFiles.Select(f => (f, c)));
        }

        int height = 0, width = 0;
        byte[]? rgba = null;
        bool allGray = true;
        for (int i = 0; i < files.Count; i++)
        {
            using var bitmap = Decode(files[i].Path);
            if (rgba is null)
            {
                height = options.Height ?? bitmap.Height;
                width = options.Width ?? bitmap.Width;
                rgba = new byte[checked((long)files.Count * height * width * 4)];
            }
            using var sized = bitmap.Width == width && bitmap.Height == height ? null : Resize(bitmap, width, height, files[i].Path);
            var source = sized ?? bitmap;
            if (source.RowBytes != width * 4)
                throw new DataFormatException(files[i].Path, $"unexpected row stride {source.RowBytes} for a {width}-pixel RGBA row.");
            var pixels = source.GetPixelSpan();
            var target = rgba.AsSpan(i * height * width * 4, height * width * 4);
            pixels[..target.Length].CopyTo(target);
            if (allGray) allGray = IsGray(target);
        }

        bool gray = options.Color switch
        {
            ImageColorMode.Grayscale => true,
            ImageColorMode.Rgb => false,
            _ => allGray,
        };
        using var scope = NewDisposeScope();
        var hwc = torch.tensor(rgba!, new long[] { files.Count, height, width, 4 }, ScalarType.Byte);
        var rgb = hwc[.., .., .., ..3].permute(0, 3, 1, 2).to_type(ScalarType.Float32).div_(255f);
        Tensor images;
        if (!gray) images = rgb.contiguous();
        else if (allGray) images = rgb[.., ..1].contiguous();
        else
        {
            var luma = torch.tensor(new float[] { 0.299f, 0.587f, 0.114f }).reshape(1, 3, 1, 1);
            images = (rgb * luma).sum(1, keepdim: true).clamp_(0f, 1f);
        }
        var labels = torch.tensor(files.Select(f => (long)f.Label).ToArray());
        return new ImageSet(images, labels, classNames);
    }

    private static SKBitmap Decode(string path)
    {
        using var codec = SKCodec.Create(path, out var status)
            ?? throw new DataFormatException(path, $"cannot decode image ({status}): not a readable PNG or JPEG. Replace or remove the file.");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            bitmap.Dispose();
            throw new DataFormatException(path, $"cannot decode image: {result} (truncated or corrupt file). Replace or remove the file.");
        }
        return bitmap;
    }

    private static SKBitmap Resize(SKBitmap bitmap, int width, int height, string path)
    {
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        return bitmap.Resize(info, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
            ?? throw new DataFormatException(path, $"cannot resize image from {bitmap.Width}×{bitmap.Height} to {width}×{height}.");
    }

    private static bool IsGray(ReadOnlySpan<byte> rgba)
    {
        for (int p = 0; p < rgba.Length; p += 4)
            if (rgba[p] != rgba[p + 1] || rgba[p] != rgba[p + 2]) return false;
        return true;
    }
}
