using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PriorTransfer.IO;
using PriorTransfer.Parameters;
using PriorTransfer.Priors;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Serialization;

/// <summary>A prior read from a file: the SWAG Gaussian (float32) and the manifest. Owns the tensors.</summary>
public sealed class PriorFileContents : IDisposable
{
    internal PriorFileContents(SwagGaussian gaussian, PriorManifest manifest)
    {
        Gaussian = gaussian;
        Manifest = manifest;
    }

    public SwagGaussian Gaussian { get; }
    public PriorManifest Manifest { get; }

    /// <summary>The prior N(mean, ½·diag(variance) + ½·F·Fᵀ) (<see cref="SwagCovariance"/>).</summary>
    public LowRankGaussian ToPrior(ScalarType dtype = ScalarType.Float32) => Gaussian.ToPrior(dtype);

    public void Dispose() => Gaussian.Dispose();
}

/// <summary>What <c>inspect-prior</c> shows about a prior file.</summary>
public sealed record PriorFileSummary(
    string Path,
    long FileBytes,
    long Dimension,
    int Rank,
    FactorSpectrum Spectrum,
    double VarianceMin,
    double VarianceMedian,
    double VarianceMax,
    PriorManifest Manifest);

/// <summary>
/// Reads and writes prior files: the safetensors layout (8-byte little-endian header length, a JSON header padded
/// with spaces to 8-byte alignment, then raw little-endian tensor data) with tensors <c>mean</c> [P],
/// <c>variance</c> [P] and <c>cov_factor</c> [P, K] in F32 and the manifest in <c>__metadata__</c>. Python's
/// <c>safetensors</c> reads these files. Format: docs/prior-file-format.md.
/// </summary>
public static class PriorFile
{
    /// <summary>The format version this build writes and reads.</summary>
    public const string FormatVersion = "priortransfer-prior/1";

    /// <summary>Header size limit (the safetensors reference implementation's own limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    internal const string KeyFormat = "format";
    internal const string KeyLayout = "layout";
    internal const string KeyRank = "rank";
    internal const string KeySnapshots = "snapshot_count";
    internal const string KeyCovariance = "covariance";
    internal const string KeyTask = "source_task";
    internal const string KeyLoss = "loss";
    internal const string KeyArchitecture = "architecture";
    internal const string KeyScale = "scale";
    internal const string KeyCreated = "created";

    internal static readonly HashSet<string> ReservedKeys =
        [KeyFormat, KeyLayout, KeyRank, KeySnapshots, KeyCovariance, KeyTask, KeyLoss, KeyArchitecture, KeyScale, KeyCreated];

    private const string MeanName = "mean";
    private const string VarianceName = "variance";
    private const string FactorName = "cov_factor";
    private const int ChunkElements = 1 << 20;

    /// <summary>
    /// Writes <paramref name="gaussian"/> (converted to float32) atomically through <see cref="AtomicFile"/>: to a
    /// temporary file in the same folder, flushed to disk, then moved over <paramref name="path"/>. A path that cannot be
    /// written is an <see cref="OutputPathException"/>.
    /// </summary>
    public static void Write(string path, SwagGaussian gaussian, PriorSource source, DateTimeOffset? created = null,
        IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(gaussian);
        ArgumentNullException.ThrowIfNull(source);
        RequireLittleEndian();
        if (!Enum.IsDefined(source.Loss)) throw new ArgumentOutOfRangeException(nameof(source), source.Loss, "Unknown loss.");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [KeyFormat] = FormatVersion,
            [KeyLayout] = gaussian.Layout.ToJson(),
            [KeyRank] = gaussian.Rank.ToString(CultureInfo.InvariantCulture),
            [KeySnapshots] = gaussian.SnapshotCount.ToString(CultureInfo.InvariantCulture),
            [KeyCovariance] = SwagCovariance.Convention,
            [KeyTask] = source.Task ?? "",
            [KeyLoss] = LossName(source.Loss),
            [KeyArchitecture] = source.Architecture ?? "",
            [KeyScale] = gaussian.Scale.ToString("R", CultureInfo.InvariantCulture),
            [KeyCreated] = (created ?? DateTimeOffset.UtcNow).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in extraMetadata ?? new Dictionary<string, string>())
        {
            if (ReservedKeys.Contains(key)) throw new ArgumentException($"Metadata key '{key}' is reserved for the manifest.", nameof(extraMetadata));
            metadata[key] = value ?? throw new ArgumentException($"Metadata value for '{key}' is null.", nameof(extraMetadata));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var tensors = new (string Name, Tensor Data)[]
        {
            (MeanName, gaussian.Mean.to(ScalarType.Float32, CPU).contiguous()),
            (VarianceName, gaussian.Variance.to(ScalarType.Float32, CPU).contiguous()),
            (FactorName, gaussian.CovFactor.to(ScalarType.Float32, CPU).contiguous()),
        };
        var header = BuildHeader(metadata, tensors);

        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var (_, data) in tensors) WriteFloats(stream, data);
        });
    }

    /// <summary>Reads and fully validates a prior file; throws <see cref="PriorFileException"/> saying what is wrong.</summary>
    public static PriorFileContents Read(string path)
    {
        using var stream = Open(path);
        var header = ReadHeader(path, stream);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var spec in header.Tensors.OrderBy(t => t.Begin))
                tensors[spec.Name] = ReadTensor(path, stream, header.DataStart, spec);
            CheckValues(path, header.Manifest.Layout, tensors[MeanName], tensors[VarianceName], tensors[FactorName]);
            var gaussian = SwagGaussian.Adopt(header.Manifest.Layout, tensors[MeanName], tensors[VarianceName], tensors[FactorName],
                header.Manifest.SnapshotCount, header.Manifest.Scale);
            return new PriorFileContents(gaussian, header.Manifest);
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads a prior file and checks that its layout fits <paramref name="module"/> (names and shapes of the selected
    /// parameters); a mismatch throws <see cref="LayoutMismatchException"/> naming the parameter.
    /// </summary>
    public static PriorFileContents Load(string path, nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var contents = Read(path);
        try
        {
            contents.Manifest.Layout.Validate(module);
        }
        catch (LayoutMismatchException ex)
        {
            contents.Dispose();
            var architecture = contents.Manifest.Source.Architecture;
            throw ex.WithContext($"Prior file '{path}' (architecture '{architecture}') does not fit the model");
        }
        return contents;
    }

    /// <summary>Reads and validates only the header (no tensor data): the manifest.</summary>
    public static PriorManifest ReadManifest(string path)
    {
        using var stream = Open(path);
        return ReadHeader(path, stream).Manifest;
    }

    /// <summary>Reads a prior file and summarises it: P, K, the factor's spectrum and numerical rank, variance statistics.</summary>
    public static PriorFileSummary Inspect(string path, double relativeTolerance = FactorSpectrum.DefaultRelativeTolerance)
    {
        using var contents = Read(path);
        using var scope = NewDisposeScope();
        var g = contents.Gaussian;
        var variance = g.Variance.to(ScalarType.Float64);
        return new PriorFileSummary(
            path,
            new FileInfo(path).Length,
            g.Dimension,
            g.Rank,
            g.Spectrum(relativeTolerance),
            variance.min().item<double>(),
            variance.median().item<double>(),
            variance.max().item<double>(),
            contents.Manifest);
    }

    /// <summary>The manifest name of a loss: "supervised" or "simclr".</summary>
    public static string LossName(PriorLoss loss) => loss switch
    {
        PriorLoss.Supervised => "supervised",
        PriorLoss.SimClr => "simclr",
        _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, "Unknown loss."),
    };

    private sealed record TensorSpec(string Name, long[] Shape, long Begin, long End);

    private sealed record Header(PriorManifest Manifest, IReadOnlyList<TensorSpec> Tensors, long DataStart);

    private static FileStream Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        RequireLittleEndian();
        if (Directory.Exists(path)) throw new PriorFileException(path, "is a folder, not a prior file.");
        if (!File.Exists(path)) throw new PriorFileException(path, "no such file.");
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PriorFileException(path, $"cannot be opened: {ex.Message}", ex);
        }
    }

    private static byte[] BuildHeader(Dictionary<string, string> metadata, (string Name, Tensor Data)[] tensors)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping keeps the header readable (e.g. '+' in the convention string); it is still valid JSON.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            foreach (var (key, value) in metadata) json.WriteString(key, value);
            json.WriteEndObject();
            long offset = 0;
            foreach (var (name, data) in tensors)
            {
                var bytes = data.numel() * sizeof(float);
                json.WriteStartObject(name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (var d in data.shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        var length = buffer.Length;
        var padded = (length + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.ToArray().CopyTo(header, 0);
        for (var i = length; i < padded; i++) header[i] = (byte)' ';
        return header;
    }

    private static void WriteFloats(Stream stream, Tensor data)
    {
        using var flat = data.reshape(-1);
        var total = flat.numel();
        for (long start = 0; start < total; start += ChunkElements)
        {
            using var scope = NewDisposeScope();
            var n = Math.Min(ChunkElements, total - start);
            // A fresh copy, so the accessor starts at element 0 of its own storage.
            var chunk = flat.narrow(0, start, n).clone();
            var values = chunk.data<float>().ToArray();
            stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }
    }

    private static Header ReadHeader(string path, FileStream stream)
    {
        var fileLength = stream.Length;
        if (fileLength == 0) throw new PriorFileException(path, "the file is empty (an interrupted download or copy?).");
        if (fileLength < 8)
            throw new PriorFileException(path, $"truncated: {fileLength} bytes, shorter than the 8-byte header length that starts a safetensors file.");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        if (lengthBytes.SequenceEqual("PTCKPT01"u8))
            throw new PriorFileException(path, "this is a PriorTransfer checkpoint (weights from `pretrain`), not a prior file. Give it with --checkpoint; prior files come from `learn-prior`.");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength == 0 || headerLength > MaxHeaderBytes)
            throw new PriorFileException(path, $"bad header length {headerLength} (must be 1..{MaxHeaderBytes} bytes): not a safetensors file, or a damaged one.");
        if ((long)headerLength > fileLength - 8)
            throw new PriorFileException(path, $"truncated header: the header length says {headerLength} bytes but only {fileLength - 8} follow.");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        var dataStart = 8 + (long)headerLength;
        var dataLength = fileLength - dataStart;

        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(headerBytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new PriorFileException(path, "the header is not UTF-8 text: not a safetensors file, or a damaged one.", ex);
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text.TrimEnd(' '), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw new PriorFileException(path, $"the header is not valid JSON ({ex.Message}): not a safetensors file, or a damaged one.", ex);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new PriorFileException(path, "the header is not a JSON object.");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name)) throw new PriorFileException(path, $"the header has the key '{property.Name}' twice.");
            }
            if (!root.TryGetProperty("__metadata__", out var metadataElement))
                throw new PriorFileException(path, "the header has no __metadata__: this is a safetensors file but not a PriorTransfer prior file.");
            var metadata = ReadMetadata(path, metadataElement);
            var manifest = ParseManifest(path, metadata);

            var p = manifest.Layout.Dimension;
            var expected = new Dictionary<string, long[]>(StringComparer.Ordinal)
            {
                [MeanName] = [p],
                [VarianceName] = [p],
                [FactorName] = [p, manifest.Rank],
            };
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name != "__metadata__" && !expected.ContainsKey(property.Name))
                    throw new PriorFileException(path, $"unexpected tensor '{property.Name}' (a prior file holds exactly {MeanName}, {VarianceName} and {FactorName}).");
            }
            var specs = new List<TensorSpec>();
            foreach (var (name, shape) in expected)
            {
                if (!root.TryGetProperty(name, out var element))
                    throw new PriorFileException(path, $"the tensor '{name}' is missing (a prior file holds {MeanName}, {VarianceName} and {FactorName}).");
                specs.Add(ParseTensorSpec(path, name, element, shape, dataLength));
            }
            var ordered = specs.OrderBy(s => s.Begin).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                if (ordered[i].Begin < ordered[i - 1].End)
                    throw new PriorFileException(path, $"the data of tensors '{ordered[i - 1].Name}' and '{ordered[i].Name}' overlap.");
            }
            var end = ordered.Max(s => s.End);
            if (end < dataLength)
                throw new PriorFileException(path, $"{dataLength - end} unexpected bytes after the last tensor's data: a damaged file.");
            return new Header(manifest, specs, dataStart);
        }
    }

    private static Dictionary<string, string> ReadMetadata(string path, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new PriorFileException(path, "__metadata__ is not a JSON object of strings.");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
                throw new PriorFileException(path, $"__metadata__ entry '{property.Name}' is not a string (safetensors metadata maps strings to strings).");
            if (!metadata.TryAdd(property.Name, property.Value.GetString()!))
                throw new PriorFileException(path, $"__metadata__ has the key '{property.Name}' twice.");
        }
        return metadata;
    }

    private static PriorManifest ParseManifest(string path, Dictionary<string, string> metadata)
    {
        string Required(string key) => metadata.TryGetValue(key, out var v)
            ? v
            : throw new PriorFileException(path, $"the manifest has no '{key}' entry: the file is damaged or was not written by PriorTransfer.");

        if (!metadata.TryGetValue(KeyFormat, out var format))
            throw new PriorFileException(path, $"the manifest has no format version: this safetensors file is not a PriorTransfer prior file (expected format '{FormatVersion}').");
        if (format != FormatVersion)
            throw new PriorFileException(path, $"unsupported format version '{format}': this version of PriorTransfer reads '{FormatVersion}'. Upgrade PriorTransfer, or re-create the prior with this version.");

        ParameterLayout layout;
        try
        {
            layout = ParameterLayout.FromJson(Required(KeyLayout));
        }
        catch (FormatException ex)
        {
            throw new PriorFileException(path, $"the manifest's parameter layout is invalid: {ex.Message}", ex);
        }
        if (layout.Dimension < 1) throw new PriorFileException(path, "the manifest's parameter layout is empty.");
        var rank = ParseInt(path, KeyRank, Required(KeyRank), minimum: 0);
        var snapshots = ParseInt(path, KeySnapshots, Required(KeySnapshots), minimum: 1);
        var covariance = Required(KeyCovariance);
        if (covariance != SwagCovariance.Convention)
            throw new PriorFileException(path, $"unknown covariance convention '{covariance}' (this version understands '{SwagCovariance.Convention}').");
        var loss = Required(KeyLoss) switch
        {
            "supervised" => PriorLoss.Supervised,
            "simclr" => PriorLoss.SimClr,
            var other => throw new PriorFileException(path, $"unknown loss '{other}' in the manifest (expected supervised or simclr)."),
        };
        var scaleText = Required(KeyScale);
        if (!double.TryParse(scaleText, NumberStyles.Float, CultureInfo.InvariantCulture, out var scale) || !(scale > 0) || double.IsInfinity(scale))
            throw new PriorFileException(path, $"the manifest's scale '{scaleText}' is not a positive finite number.");
        var createdText = Required(KeyCreated);
        if (!DateTimeOffset.TryParse(createdText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created))
            throw new PriorFileException(path, $"the manifest's creation time '{createdText}' is not an ISO 8601 timestamp.");
        var source = new PriorSource(Required(KeyTask), loss, Required(KeyArchitecture));
        return new PriorManifest(format, layout, rank, snapshots, covariance, source, scale, created, metadata);
    }

    private static int ParseInt(string path, string key, string text, int minimum)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < minimum)
            throw new PriorFileException(path, $"the manifest's '{key}' is '{text}'; expected an integer ≥ {minimum}.");
        return value;
    }

    private static TensorSpec ParseTensorSpec(string path, string name, JsonElement element, long[] expectedShape, long dataLength)
    {
        if (element.ValueKind != JsonValueKind.Object) throw new PriorFileException(path, $"the header entry of tensor '{name}' is not an object.");
        if (!element.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String)
            throw new PriorFileException(path, $"tensor '{name}' has no dtype.");
        if (dtype.GetString() != "F32")
            throw new PriorFileException(path, $"tensor '{name}' has dtype {dtype.GetString()}; prior files store F32.");
        var shape = ReadLongs(path, name, element, "shape");
        if (!shape.SequenceEqual(expectedShape))
            throw new PriorFileException(path,
                $"tensor '{name}' has shape {ParameterLayout.FormatShape(shape)}, but the manifest (P = {expectedShape[0]} from the layout, K = rank) requires {ParameterLayout.FormatShape(expectedShape)}.");
        var offsets = ReadLongs(path, name, element, "data_offsets");
        if (offsets.Length != 2 || offsets[0] > offsets[1])
            throw new PriorFileException(path, $"tensor '{name}' has invalid data_offsets {ParameterLayout.FormatShape(offsets)} (expected [begin, end]).");
        long bytes;
        try
        {
            bytes = checked(shape.Aggregate(1L, (a, b) => checked(a * b)) * sizeof(float));
        }
        catch (OverflowException ex)
        {
            throw new PriorFileException(path, $"tensor '{name}' is impossibly large.", ex);
        }
        if (offsets[1] - offsets[0] != bytes)
            throw new PriorFileException(path, $"tensor '{name}' spans {offsets[1] - offsets[0]} bytes but its shape {ParameterLayout.FormatShape(shape)} in F32 needs {bytes}.");
        if (offsets[1] > dataLength)
            throw new PriorFileException(path,
                $"truncated data: tensor '{name}' ends at byte {offsets[1]} of the data section, but the file holds only {dataLength} bytes of data (an interrupted copy?).");
        return new TensorSpec(name, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadLongs(string path, string name, JsonElement element, string property)
    {
        if (!element.TryGetProperty(property, out var array) || array.ValueKind != JsonValueKind.Array)
            throw new PriorFileException(path, $"tensor '{name}' has no {property} array.");
        var values = new List<long>();
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var v) || v < 0)
                throw new PriorFileException(path, $"tensor '{name}' has a {property} entry that is not a non-negative integer.");
            values.Add(v);
        }
        return values.ToArray();
    }

    private static Tensor ReadTensor(string path, FileStream stream, long dataStart, TensorSpec spec)
    {
        var result = empty(spec.Shape, ScalarType.Float32);
        try
        {
            stream.Seek(dataStart + spec.Begin, SeekOrigin.Begin);
            using var flat = result.view(-1);
            var total = flat.numel();
            var bytes = new byte[Math.Min(ChunkElements, Math.Max(total, 1)) * sizeof(float)];
            var floats = new float[bytes.Length / sizeof(float)];
            for (long start = 0; start < total; start += ChunkElements)
            {
                using var scope = NewDisposeScope();
                var n = (int)Math.Min(ChunkElements, total - start);
                stream.ReadExactly(bytes, 0, n * sizeof(float));
                Buffer.BlockCopy(bytes, 0, floats, 0, n * sizeof(float));
                var chunk = tensor(floats, ScalarType.Float32).narrow(0, 0, n);
                flat.narrow(0, start, n).copy_(chunk);
            }
            return result;
        }
        catch (EndOfStreamException ex)
        {
            result.Dispose();
            throw new PriorFileException(path, $"truncated data while reading tensor '{spec.Name}'.", ex);
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    private static void CheckValues(string path, ParameterLayout layout, Tensor mean, Tensor variance, Tensor factor)
    {
        FirstBad(path, layout, MeanName, mean, t => t.isfinite().logical_not(), "a NaN or infinite value");
        FirstBad(path, layout, VarianceName, variance, t => t.isfinite().logical_not(), "a NaN or infinite value");
        FirstBad(path, layout, VarianceName, variance, t => t.le(0), "a non-positive value (variances must be > 0)");
        FirstBad(path, layout, FactorName, factor, t => t.isfinite().logical_not(), "a NaN or infinite value");
    }

    private static void FirstBad(string path, ParameterLayout layout, string name, Tensor values, Func<Tensor, Tensor> predicate, string what)
    {
        using var scope = NewDisposeScope();
        var bad = predicate(values);
        if (!bad.any().item<bool>()) return;
        var flatIndex = bad.reshape(-1).to(ScalarType.Int32).argmax().item<long>();
        var row = values.dim() == 2 && values.shape[1] > 0 ? flatIndex / values.shape[1] : flatIndex;
        var value = values.reshape(-1)[flatIndex].item<float>();
        var entry = layout.Entries.LastOrDefault(e => e.Offset <= row);
        var where = entry is null ? $"element {row}" : $"element {row} (parameter '{entry.Name}', element {row - entry.Offset})";
        throw new PriorFileException(path, $"tensor '{name}' has {what} at {where}: {value.ToString(CultureInfo.InvariantCulture)}. The prior is unusable; re-create it (did SWAG diverge?).");
    }

    private static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Prior files are little-endian; big-endian platforms are not supported.");
    }
}
