using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SkiaSharp;

namespace PriorTransfer.Tests.Data;

/// <summary>A temporary folder deleted on dispose, and writers for the data formats the readers accept.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pt-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public string CreateDirectory(params string[] parts) => Directory.CreateDirectory(Combine(parts)).FullName;

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public static class TestFiles
{
    /// <summary>IDX bytes: magic 0x0000_08_ndim, big-endian dimensions, data.</summary>
    public static byte[] Idx(int[] dims, byte[] data, int? magic = null)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic ?? (0x0800 | dims.Length));
        for (int d = 0; d < dims.Length; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest)) gz.Write(bytes);
        return output.ToArray();
    }

    /// <summary>Deterministic pixel bytes: image i, pixel j → (i · 7 + j · 3) mod 256.</summary>
    public static byte[] Pixels(int count, int height, int width)
    {
        var data = new byte[count * height * width];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < height * width; j++)
                data[i * height * width + j] = (byte)((i * 7 + j * 3) % 256);
        return data;
    }

    /// <summary>Writes {split}-images-idx3-ubyte and {split}-labels-idx1-ubyte (gzip-compressed when asked).</summary>
    public static (string Images, string Labels) WriteIdxSplit(string folder, string split, byte[] labels, int height = 28, int width = 28, bool gzip = true)
    {
        string suffix = gzip ? ".gz" : "";
        string images = System.IO.Path.Combine(folder, $"{split}-images-idx3-ubyte{suffix}");
        string labelsPath = System.IO.Path.Combine(folder, $"{split}-labels-idx1-ubyte{suffix}");
        var imageBytes = Idx([labels.Length, height, width], Pixels(labels.Length, height, width));
        var labelBytes = Idx([labels.Length], labels);
        File.WriteAllBytes(images, gzip ? Gzip(imageBytes) : imageBytes);
        File.WriteAllBytes(labelsPath, gzip ? Gzip(labelBytes) : labelBytes);
        return (images, labelsPath);
    }

    /// <summary>Labels 0..classes−1 repeated <paramref name="perClass"/> times, interleaved.</summary>
    public static byte[] Labels(int classes, int perClass) =>
        Enumerable.Range(0, classes * perClass).Select(i => (byte)(i % classes)).ToArray();

    /// <summary>A fake Fashion-MNIST folder: train and t10k with the given images per class (10 classes).</summary>
    public static void WriteFakeFashionMnist(string folder, int trainPerClass = 20, int testPerClass = 4)
    {
        Directory.CreateDirectory(folder);
        WriteIdxSplit(folder, "train", Labels(10, trainPerClass));
        WriteIdxSplit(folder, "t10k", Labels(10, testPerClass));
    }

    /// <summary>A digit JSON file holding <paramref name="count"/> 28×28 images, pixel value v(i, j).</summary>
    public static void WriteDigitFile(string path, int count, Func<int, int, double>? value = null)
    {
        value ??= (i, j) => (i + j) % 5 / 4.0;
        var text = new StringBuilder("{ \"data\": [");
        for (int i = 0; i < count; i++)
            for (int j = 0; j < 784; j++)
            {
                if (i + j > 0) text.Append(',');
                text.Append(value(i, j).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        text.Append("]}");
        File.WriteAllText(path, text.ToString());
    }

    /// <summary>Ten digit files in <paramref name="folder"/>, digit d holding counts[d] images with pixels d / 10.</summary>
    public static void WriteDigitFolder(string folder, int[] counts)
    {
        Directory.CreateDirectory(folder);
        for (int d = 0; d < 10; d++) WriteDigitFile(System.IO.Path.Combine(folder, $"{d}.json"), counts[d], (_, _) => d / 10.0);
    }

    /// <summary>Encodes a PNG (or JPEG) whose pixel (x, y) has colour <paramref name="color"/>(x, y).</summary>
    public static void WriteImage(string path, int width, int height, Func<int, int, SKColor> color, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, color(x, y));
        using var data = bitmap.Encode(format, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    public static SKColor Gray(byte v) => new(v, v, v);
}
