using System.Text;
using System.Text.Json;
using PriorTransfer.Models;
using TorchSharp;

namespace PriorTransfer.SelfSupervised;

/// <summary>
/// The full state of a SimCLR model — backbone and projection head — to continue SimCLR training or to run SWAG on
/// the InfoNCE loss. Layout as a classifier <see cref="Checkpoint"/> but with its own magic bytes: a JSON header
/// (<see cref="ModelSpec"/>, <see cref="ProjectionHeadOptions"/>, free-form metadata) followed by TorchSharp's
/// state-dict encoding of <c>backbone.*</c> and <c>projection.*</c> (parameters and BatchNorm statistics). The
/// classifier head is not stored here. Downstream code never needs this file: pre-training also writes a normal
/// classifier checkpoint with the same backbone (see <c>SimclrPretraining</c>).
/// </summary>
public static class SimclrCheckpoint
{
    private const string Magic = "PTSIMCLR";
    private const int MaxHeaderBytes = 1 << 20;

    public sealed record Header(ModelSpec Spec, ProjectionHeadOptions Projection, IReadOnlyDictionary<string, string> Metadata);

    public static void Save(SimclrModel model, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var header = new Header(model.Spec, model.Projection.Options, metadata ?? new Dictionary<string, string>());
        Checkpoint.WriteContainer(path, Magic, JsonSerializer.SerializeToUtf8Bytes(header), model);
    }

    public static Header ReadHeader(string path)
    {
        using var stream = OpenChecked(path);
        return ReadHeader(stream, path);
    }

    /// <summary>Loads a SimCLR model exactly as saved (in eval mode); its classifier head is freshly initialised.</summary>
    public static SimclrModel Load(string path)
    {
        using var stream = OpenChecked(path);
        var header = ReadHeader(stream, path);
        var model = SimclrModel.Create(header.Spec, header.Projection, seed: 0);
        Checkpoint.LoadWeights(stream, model, path, "");
        return model;
    }

    private static FileStream OpenChecked(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, "the file does not exist.");
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
    }

    private static Header ReadHeader(Stream stream, string path)
    {
        var magic = new byte[Magic.Length];
        if (stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) != magic.Length || Encoding.ASCII.GetString(magic) != Magic)
            throw new CheckpointException(path,
                "it is not a SimCLR state file (bad magic bytes). A classifier checkpoint (written next to it by SimCLR pre-training) is loaded with Checkpoint.Load.");
        var lengthBytes = new byte[4];
        if (stream.ReadAtLeast(lengthBytes, 4, throwOnEndOfStream: false) != 4)
            throw new CheckpointException(path, "the file is truncated inside its header.");
        int length = BitConverter.ToInt32(lengthBytes);
        if (length <= 0 || length > MaxHeaderBytes)
            throw new CheckpointException(path, $"its header length {length} is invalid; the file is corrupt.");
        var json = new byte[length];
        if (stream.ReadAtLeast(json, length, throwOnEndOfStream: false) != length)
            throw new CheckpointException(path, "the file is truncated inside its header.");
        try
        {
            var header = JsonSerializer.Deserialize<Header>(json);
            if (header?.Spec is null || header.Projection is null) throw new JsonException("no model specification");
            return header;
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, $"its header is not valid ({e.Message}).");
        }
    }
}
