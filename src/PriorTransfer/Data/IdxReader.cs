using System.Buffers.Binary;
using System.IO.Compression;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Data;

/// <summary>
/// Bulk reader for IDX files (MNIST, Fashion-MNIST, KMNIST…), gzip-compressed or raw (detected from the content,
/// not the extension). Each file is read whole into one byte array and becomes one tensor: images
/// (magic 0x00000803, u8 [N, H, W]) as float32 [N, 1, H, W] scaled by 1/255 into [0, 1]; labels
/// (magic 0x00000801, u8 [N]) as int64 [N]. Every malformation is a <see cref="DataFormatException"/> naming the file.
/// </summary>
public static class IdxReader
{
    public const int ImagesMagic = 0x00000803;
    public const int LabelsMagic = 0x00000801;

    /// <summary>Reads only the header (cheap even for a large gzip file).</summary>
    public static IdxHeader ReadHeader(string path)
    {
        using var stream = Open(path, out bool gzip);
        return ReadHeaderFrom(stream, path, gzip);
    }

    /// <summary>Images as float32 [N, 1, H, W] in [0, 1].</summary>
    public static Tensor ReadImages(string path)
    {
        var (header, data) = ReadFile(path, ImagesMagic);
        using var scope = NewDisposeScope();
        return ImagesFromBytes(data, header).MoveToOuterDisposeScope();
    }

    /// <summary>Labels as int64 [N].</summary>
    public static Tensor ReadLabels(string path)
    {
        var (header, data) = ReadFile(path, LabelsMagic);
        using var scope = NewDisposeScope();
        return torch.tensor(data, new long[] { header.Count }, ScalarType.Byte).to_type(ScalarType.Int64).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// An image set from an images file and its labels file. Class names default to "0".."K−1" with K = largest
    /// label + 1; when given, every label must be below their count.
    /// </summary>
    public static ImageSet Read(string imagesPath, string labelsPath, IReadOnlyList<string>? classNames = null)
    {
        var (imageHeader, images, labelBytes) = ReadPair(imagesPath, labelsPath);
        int classCount = classNames?.Count ?? (labelBytes.Length == 0 ? 0 : labelBytes.Max() + 1);
        classNames ??= Enumerable.Range(0, classCount).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var labels = new long[labelBytes.Length];
        for (int i = 0; i < labelBytes.Length; i++)
        {
            if (labelBytes[i] >= classCount)
                throw new DataFormatException(labelsPath, $"label {labelBytes[i]} at index {i} is out of range for {classCount} classes.");
            labels[i] = labelBytes[i];
        }
        using var scope = NewDisposeScope();
        return new ImageSet(ImagesFromBytes(images, imageHeader), torch.tensor(labels), classNames);
    }

    /// <summary>
    /// Only the images whose label is in <paramref name="classes"/>, relabelled by position in that list
    /// (classes [5, 6] → labels 0, 1), named by <paramref name="classNames"/>. Selection happens on the bytes,
    /// before conversion to float, so the whole file never exists as float32.
    /// </summary>
    public static ImageSet ReadClasses(string imagesPath, string labelsPath, IReadOnlyList<int> classes, IReadOnlyList<string> classNames)
    {
        if (classes.Count != classNames.Count)
            throw new ArgumentException($"{classes.Count} classes but {classNames.Count} class names.", nameof(classNames));
        if (classes.Distinct().Count() != classes.Count)
            throw new ArgumentException("classes must be distinct.", nameof(classes));
        var map = new int[256];
        Array.Fill(map, -1);
        for (int k = 0; k < classes.Count; k++)
        {
            if (classes[k] is < 0 or > 255) throw new ArgumentOutOfRangeException(nameof(classes), classes[k], "IDX labels are bytes (0..255).");
            map[classes[k]] = k;
        }

        var (imageHeader, images, labelBytes) = ReadPair(imagesPath, labelsPath);
        var rows = new List<long>();
        var labels = new List<long>();
        for (int i = 0; i < labelBytes.Length; i++)
        {
            int k = map[labelBytes[i]];
            if (k < 0) continue;
            rows.Add(i);
            labels.Add(k);
        }
        using var scope = NewDisposeScope();
        var bytes = torch.tensor(images, ImageShape(imageHeader), ScalarType.Byte);
        var selected = bytes.index_select(0, torch.tensor(rows.ToArray()));
        return new ImageSet(selected.to_type(ScalarType.Float32).div_(255f), torch.tensor(labels.ToArray()), classNames);
    }

    /// <summary>
    /// The images and labels files of a split ("train", "t10k", "test") in <paramref name="folder"/>, under the
    /// usual names: <c>{split}-images-idx3-ubyte</c> or <c>{split}-images.idx3-ubyte</c>, each optionally
    /// <c>.gz</c> (and the same for labels with idx1). Null when either is missing.
    /// </summary>
    public static (string ImagesPath, string LabelsPath)? FindSplit(string folder, string split)
    {
        string? images = FirstExisting(folder, $"{split}-images-idx3-ubyte", $"{split}-images.idx3-ubyte");
        string? labels = FirstExisting(folder, $"{split}-labels-idx1-ubyte", $"{split}-labels.idx1-ubyte");
        return images is null || labels is null ? null : (images, labels);
    }

    /// <summary>The file names <see cref="FindSplit"/> accepts, for error messages.</summary>
    public static string ExpectedFileNames(string split) =>
        $"{split}-images-idx3-ubyte[.gz] and {split}-labels-idx1-ubyte[.gz]";

    private static string? FirstExisting(string folder, params string[] names) =>
        names.SelectMany(n => new[] { n + ".gz", n }).Select(n => Path.Combine(folder, n)).FirstOrDefault(File.Exists);

    private static long[] ImageShape(IdxHeader header) => [header.Dimensions[0], 1, header.Dimensions[1], header.Dimensions[2]];

    private static Tensor ImagesFromBytes(byte[] data, IdxHeader header) =>
        torch.tensor(data, ImageShape(header), ScalarType.Byte).to_type(ScalarType.Float32).div_(255f);

    private static (IdxHeader ImageHeader, byte[] Images, byte[] Labels) ReadPair(string imagesPath, string labelsPath)
    {
        var (imageHeader, images) = ReadFile(imagesPath, ImagesMagic);
        var (labelHeader, labels) = ReadFile(labelsPath, LabelsMagic);
        if (imageHeader.Count != labelHeader.Count)
            throw new DataFormatException(labelsPath, $"has {labelHeader.Count} labels but {imagesPath} has {imageHeader.Count} images: the two files do not belong together (re-download both, or check the file names).");
        return (imageHeader, images, labels);
    }

    private static (IdxHeader Header, byte[] Data) ReadFile(string path, int expectedMagic)
    {
        using var stream = Open(path, out bool gzip);
        var header = ReadHeaderFrom(stream, path, gzip);
        if (header.Magic != expectedMagic)
            throw new DataFormatException(path, $"wrong magic number 0x{header.Magic:X8}; expected 0x{expectedMagic:X8} ({Describe(expectedMagic)}).");
        if (header.DataLength > Array.MaxLength)
            throw new DataFormatException(path, $"header declares {header.DataLength} bytes of data ({header}), more than one array can hold.");

        var data = new byte[header.DataLength];
        int read = ReadFully(stream, data, path);
        if (read < data.Length)
        {
            string why = gzip ? " The gzip stream ends early: the file is incomplete (an interrupted download?)." : "";
            throw new DataFormatException(path,
                $"truncated: the header ({header}) declares {data.Length} bytes of data after the {header.ByteLength}-byte header, but only {read} are present.{why}");
        }
        if (ReadFully(stream, new byte[1], path) != 0)
        {
            string extra = gzip ? "more" : $"{stream.Length - header.ByteLength - data.Length}";
            throw new DataFormatException(path, $"has {extra} bytes after the {data.Length} bytes of data its header ({header}) declares.");
        }
        return (header, data);
    }

    private static string Describe(int magic) => magic switch
    {
        ImagesMagic => "unsigned-byte images [N, H, W]",
        LabelsMagic => "unsigned-byte labels [N]",
        _ => "IDX",
    };

    private static Stream Open(string path, out bool gzip)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file not found: {path}", path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Span<byte> magic = stackalloc byte[2];
        int n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        gzip = n == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        return gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    private static IdxHeader ReadHeaderFrom(Stream stream, string path, bool gzip)
    {
        var head = new byte[4];
        int read = ReadFully(stream, head, path);
        if (read < 4) throw new DataFormatException(path, $"truncated: {read} bytes, too short for the 4-byte IDX magic number.");
        int magic = BinaryPrimitives.ReadInt32BigEndian(head);
        int ndim = head[3];
        if (head[0] != 0 || head[1] != 0 || head[2] != 0x08 || ndim == 0)
            throw new DataFormatException(path,
                $"wrong magic number 0x{magic:X8}: not an IDX file of unsigned bytes (expected 0x00000801 labels or 0x00000803 images){(gzip ? "" : "; a gzip file would start with 1F 8B")}.");
        var dims = new byte[4 * ndim];
        read = ReadFully(stream, dims, path);
        if (read < dims.Length)
            throw new DataFormatException(path, $"truncated header: {ndim} dimensions need {dims.Length} bytes after the magic number, found {read}.");
        var dimensions = new int[ndim];
        for (int d = 0; d < ndim; d++)
        {
            dimensions[d] = BinaryPrimitives.ReadInt32BigEndian(dims.AsSpan(4 * d));
            if (dimensions[d] < 0) throw new DataFormatException(path, $"dimension {d} is negative ({dimensions[d]}).");
        }
        return new IdxHeader(magic, dimensions);
    }

    private static int ReadFully(Stream stream, byte[] buffer, string path)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, $"corrupt gzip data: {e.Message}", e);
        }
    }
}
