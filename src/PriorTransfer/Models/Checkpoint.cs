using System.Text;
using System.Text.Json;
using PriorTransfer.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Models;

/// <summary>
/// A saved classifier: a small self-describing header (format, <see cref="ModelSpec"/>, free-form metadata such as
/// the task and training options) followed by TorchSharp's state-dict encoding of every parameter and buffer.
/// </summary>
public static class Checkpoint
{
    private const string Magic = "PTCKPT01";
    private const int MaxHeaderBytes = 1 << 20;

    public sealed record Header(ModelSpec Spec, IReadOnlyDictionary<string, string> Metadata);

    public static void Save(Classifier model, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new Header(model.Spec, metadata ?? new Dictionary<string, string>());
        WriteContainer(path, Magic, JsonSerializer.SerializeToUtf8Bytes(header), model);
    }

    /// <summary>
    /// The container shared by checkpoints and SimCLR states: ASCII magic, an int32 header length, the JSON header,
    /// then TorchSharp's weights; written atomically.
    /// </summary>
    internal static void WriteContainer(string path, string magic, byte[] json, nn.Module model)
    {
        // TorchSharp's save closes the stream it is given, so encode the weights first.
        var weights = new MemoryStream();
        model.save(weights);
        byte[] weightBytes = weights.ToArray();
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Encoding.ASCII.GetBytes(magic));
            writer.Write(json.Length);
            writer.Write(json);
            writer.Write(weightBytes);
        });
    }

    /// <summary>
    /// Reads the weights that follow the header on <paramref name="stream"/> into <paramref name="model"/> (strict, by
    /// name) and puts it in eval mode; on failure disposes the model and throws a <see cref="CheckpointException"/>.
    /// </summary>
    internal static void LoadWeights(Stream stream, nn.Module model, string path, string remedy)
    {
        var weights = new MemoryStream();
        stream.CopyTo(weights);
        weights.Position = 0;
        try
        {
            model.load(weights, strict: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            model.Dispose();
            throw new CheckpointException(path, $"its weights could not be read ({e.Message}); the file is truncated or corrupt.{remedy}");
        }
        model.eval();
    }

    public static Header ReadHeader(string path)
    {
        using var stream = OpenChecked(path);
        return ReadHeader(stream, path);
    }

    /// <summary>Loads a classifier exactly as saved.</summary>
    public static Classifier Load(string path)
    {
        using var stream = OpenChecked(path);
        var header = ReadHeader(stream, path);
        Classifier model;
        try
        {
            model = ModelFactory.Create(header.Spec, seed: 0);
        }
        catch (ArgumentException e)
        {
            string reason = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
            throw new CheckpointException(path, $"its model cannot be built: {reason} Was it written by a newer PriorTransfer?");
        }
        LoadWeights(stream, model, path, " Re-create it with `priortransfer pretrain`.");
        return model;
    }

    /// <summary>
    /// Copies the backbone's parameters and BatchNorm statistics of a checkpoint into <paramref name="target"/>, by
    /// name; the target's head (new downstream layers) is left as initialised.
    /// </summary>
    public static void LoadBackbone(Classifier target, string path) => LoadBackbone(target, target.Spec, path);

    /// <summary>
    /// Copies a classification checkpoint's backbone (parameters and BatchNorm statistics) into a segmentation model,
    /// by name: the two share the <c>backbone.*</c> names, so no mapping is involved. Decoder and ASPP are left as initialised.
    /// </summary>
    public static void LoadBackbone(SegmentationModel target, string path) => LoadBackbone(target, target.Spec, path);

    private static void LoadBackbone(nn.Module target, ModelSpec targetSpec, string path)
    {
        using var source = Load(path);
        if (source.Spec.Architecture != targetSpec.Architecture || source.Spec.InChannels != targetSpec.InChannels)
            throw new CheckpointException(path,
                $"it holds a {source.Spec}, but the model is a {targetSpec}; architecture and input channels must match.");
        CopyBackbone(source, target);
    }

    /// <summary>Copies backbone parameters and buffers from one model into another with the same backbone, by name.</summary>
    public static void CopyBackbone(nn.Module source, nn.Module target)
    {
        using var noGrad = no_grad();
        var sourceState = source.state_dict();
        foreach (var (name, tensor) in target.state_dict())
        {
            if (!name.StartsWith(Classifier.BackbonePrefix, StringComparison.Ordinal)) continue;
            if (!sourceState.TryGetValue(name, out var from))
                throw new InvalidOperationException($"the source model has no '{name}'.");
            if (!from.shape.SequenceEqual(tensor.shape))
                throw new InvalidOperationException($"'{name}' has shape [{string.Join(", ", from.shape)}] in the source but [{string.Join(", ", tensor.shape)}] in the target.");
            tensor.copy_(from);
        }
    }

    private static FileStream OpenChecked(string path)
    {
        if (Directory.Exists(path)) throw new CheckpointException(path, "it is a folder; give the checkpoint file inside it (e.g. runs/<task>/resnet8-source.ckpt).");
        if (!File.Exists(path)) throw new CheckpointException(path, "the file does not exist. Create one with `priortransfer pretrain`, or check the path.");
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
    }

    private static Header ReadHeader(Stream stream, string path)
    {
        if (stream.Length == 0)
            throw new CheckpointException(path, "the file is empty (an interrupted copy or download?). Re-create it with `priortransfer pretrain`.");
        var magic = new byte[Magic.Length + 1];
        int read = stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        if (read < Magic.Length && Magic.StartsWith(Encoding.ASCII.GetString(magic, 0, read), StringComparison.Ordinal))
            throw new CheckpointException(path, $"the file is truncated ({read} bytes, inside the magic number): an interrupted copy? Re-create it with `priortransfer pretrain`.");
        if (read < Magic.Length || Encoding.ASCII.GetString(magic, 0, Magic.Length) != Magic)
        {
            // A safetensors file (a prior) starts with an 8-byte little-endian header length, then '{'.
            bool looksLikePrior = read == magic.Length && magic[Magic.Length] == (byte)'{' && BitConverter.ToUInt64(magic, 0) < (ulong)stream.Length;
            throw new CheckpointException(path, looksLikePrior
                ? "this is a safetensors file (a prior file?), not a checkpoint. Prior files are given with --prior; checkpoints come from `priortransfer pretrain`."
                : "it is not a PriorTransfer checkpoint (bad magic bytes). Checkpoints come from `priortransfer pretrain`; prior files are given with --prior, not --checkpoint.");
        }
        stream.Position = Magic.Length;
        var lengthBytes = new byte[4];
        if (stream.ReadAtLeast(lengthBytes, 4, throwOnEndOfStream: false) != 4)
            throw new CheckpointException(path, "the file is truncated inside its header: an interrupted copy? Re-create it with `priortransfer pretrain`.");
        int length = BitConverter.ToInt32(lengthBytes);
        if (length <= 0 || length > MaxHeaderBytes)
            throw new CheckpointException(path, $"its header length {length} is invalid; the file is corrupt.");
        var json = new byte[length];
        if (stream.ReadAtLeast(json, length, throwOnEndOfStream: false) != length)
            throw new CheckpointException(path, "the file is truncated inside its header: an interrupted copy? Re-create it with `priortransfer pretrain`.");
        try
        {
            var header = JsonSerializer.Deserialize<Header>(json);
            if (header?.Spec is null) throw new JsonException("no model specification");
            return header;
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, $"its header is not valid ({e.Message}).");
        }
    }
}
