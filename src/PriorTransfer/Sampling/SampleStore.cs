using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Sampling;

/// <summary>Where a <see cref="SampleStore"/> keeps its samples.</summary>
public enum SampleStorage
{
    /// <summary>Detached tensor copies in memory (the default; one model's worth of memory per sample).</summary>
    Memory,

    /// <summary>One file per sample in a directory, read back on demand (for models too large to keep 10 copies of).</summary>
    Disk,
}

/// <summary>
/// The samples of a sampler run (or the members of an ensemble): for each sample, a copy of a module's parameters
/// <b>and</b> its persistent buffers — BatchNorm's running_mean, running_var and num_batches_tracked — captured by
/// name, so that every sample predicts with its own BatchNorm statistics (DESIGN.md, "BMA").
/// </summary>
/// <remarks>
/// <para>Names come from <c>named_parameters()</c> and <c>named_buffers(include_nonpersistent: false)</c> (what a
/// state dict holds); every sample must have the same names, shapes and dtypes. <see cref="LoadInto"/> copies
/// values into the module's existing tensors (no reallocation: optimizers and views holding them stay valid).</para>
/// <para>Disk mode writes one file per sample (a small self-describing binary format: names, dtypes, shapes, raw
/// bytes) to a temporary name and renames it, so a file that exists is complete. Without a directory argument a
/// fresh temporary directory is created and deleted on <see cref="Dispose"/>; with one, the store's own files are
/// deleted on dispose and the directory is left.</para>
/// <para>The store owns its tensors and files; it is not thread-safe.</para>
/// </remarks>
public sealed class SampleStore : IDisposable
{
    private const string Magic = "PTSAMPL1";

    private readonly List<Tensor[]> _memory = new();
    private readonly List<string> _files = new();
    private readonly bool _ownsDirectory;
    private TensorSignature[]? _signature;
    private bool _disposed;

    /// <summary>An in-memory store.</summary>
    public SampleStore() : this(SampleStorage.Memory)
    {
    }

    /// <param name="storage">Memory or disk.</param>
    /// <param name="directory">Disk mode only: where to write (created if missing); null for a new temporary directory.</param>
    public SampleStore(SampleStorage storage, string? directory = null)
    {
        Storage = storage;
        if (storage == SampleStorage.Memory)
        {
            if (directory is not null)
                throw new ArgumentException("A directory is only used with SampleStorage.Disk.", nameof(directory));
            return;
        }

        if (storage != SampleStorage.Disk)
            throw new ArgumentOutOfRangeException(nameof(storage), storage, "Unknown sample storage.");
        if (directory is null)
        {
            Directory = System.IO.Directory.CreateTempSubdirectory("priortransfer-samples-").FullName;
            _ownsDirectory = true;
        }
        else
        {
            Directory = System.IO.Directory.CreateDirectory(directory).FullName;
        }
    }

    /// <summary>Memory or disk.</summary>
    public SampleStorage Storage { get; }

    /// <summary>The directory of a disk store; null in memory mode.</summary>
    public string? Directory { get; }

    /// <summary>Number of samples stored.</summary>
    public int Count => Storage == SampleStorage.Memory ? _memory.Count : _files.Count;

    /// <summary>The captured tensor names (parameters, then buffers); empty before the first <see cref="Add"/>.</summary>
    public IReadOnlyList<string> TensorNames => _signature?.Select(s => s.Name).ToArray() ?? [];

    /// <summary>Copies the module's current parameters and buffers as a new sample; returns its index.</summary>
    public int Add(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var tensors = Capture(module);
        var signature = tensors.Select(t => new TensorSignature(t.Name, t.Tensor.dtype, t.Tensor.shape)).ToArray();
        if (_signature is null)
            _signature = signature;
        else
            CheckSameSignature(signature, "The module being added");

        using var _ = torch.no_grad();
        // Intermediate wrappers (detach()) die with this scope; the copies are detached from it and owned here.
        using var scope = NewDisposeScope();
        if (Storage == SampleStorage.Memory)
        {
            var copies = new Tensor[tensors.Length];
            for (var i = 0; i < tensors.Length; i++)
                copies[i] = tensors[i].Tensor.detach().clone().DetachFromDisposeScope();
            _memory.Add(copies);
            return _memory.Count - 1;
        }

        var index = _files.Count;
        var path = Path.Combine(Directory!, $"sample-{index:D5}.bin");
        WriteAtomically(path, tensors);
        _files.Add(path);
        return index;
    }

    /// <summary>
    /// Writes sample <paramref name="index"/> into the module's parameters and buffers, in place. The module must
    /// have exactly the captured names, shapes and dtypes.
    /// </summary>
    public void LoadInto(nn.Module module, int index)
    {
        ArgumentNullException.ThrowIfNull(module);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (index < 0 || index >= Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The store holds {Count} samples (indices 0..{Count - 1}).");
        var targets = Capture(module);
        CheckSameSignature(targets.Select(t => new TensorSignature(t.Name, t.Tensor.dtype, t.Tensor.shape)).ToArray(), "The module to load into");

        using var _ = torch.no_grad();
        using var scope = NewDisposeScope();
        if (Storage == SampleStorage.Memory)
        {
            var sample = _memory[index];
            for (var i = 0; i < targets.Length; i++)
                targets[i].Tensor.copy_(sample[i]);
            return;
        }

        ReadInto(_files[index], targets);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var sample in _memory)
            foreach (var tensor in sample)
                tensor.Dispose();
        _memory.Clear();
        if (Directory is not null)
        {
            if (_ownsDirectory)
            {
                if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
            }
            else
            {
                foreach (var file in _files)
                    File.Delete(file);
            }
        }

        _files.Clear();
    }

    /// <summary>The module's parameters then persistent buffers, by name, in the module's registration order.</summary>
    private static (string Name, Tensor Tensor)[] Capture(nn.Module module)
    {
        var parameters = module.named_parameters().Select(p => (p.name, (Tensor)p.parameter));
        var buffers = module.named_buffers(recurse: true, include_nonpersistent: false).Select(b => (b.name, b.buffer));
        return parameters.Concat(buffers).ToArray();
    }

    private void CheckSameSignature(TensorSignature[] actual, string what)
    {
        var expected = _signature!;
        if (actual.Length == expected.Length && actual.Zip(expected).All(p => p.First.Matches(p.Second)))
            return;

        var expectedByName = expected.ToDictionary(s => s.Name);
        var actualByName = actual.ToDictionary(s => s.Name);
        var problems = new List<string>();
        var missing = expected.Where(s => !actualByName.ContainsKey(s.Name)).Select(s => s.Name).ToArray();
        var extra = actual.Where(s => !expectedByName.ContainsKey(s.Name)).Select(s => s.Name).ToArray();
        if (missing.Length > 0) problems.Add($"missing {string.Join(", ", missing.Take(5))}{(missing.Length > 5 ? $" and {missing.Length - 5} more" : "")}");
        if (extra.Length > 0) problems.Add($"unexpected {string.Join(", ", extra.Take(5))}{(extra.Length > 5 ? $" and {extra.Length - 5} more" : "")}");
        foreach (var a in actual)
            if (expectedByName.TryGetValue(a.Name, out var e) && !a.Matches(e))
                problems.Add($"{a.Name} is {a} but the samples hold {e}");
        if (problems.Count == 0) problems.Add("the tensors are registered in a different order");
        throw new ArgumentException($"{what} does not match the stored samples: {string.Join("; ", problems.Take(8))}. " +
                                    "Use the same architecture (and dtype) that the samples were taken from.");
    }

    private static void WriteAtomically(string path, (string Name, Tensor Tensor)[] tensors)
    {
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Encoding.ASCII.GetBytes(Magic));
            writer.Write(tensors.Length);
            foreach (var (name, tensor) in tensors)
            {
                using var scope = NewDisposeScope();
                var contiguous = tensor.detach().cpu().contiguous();
                writer.Write(name);
                writer.Write((int)contiguous.dtype);
                writer.Write(contiguous.shape.Length);
                foreach (var d in contiguous.shape) writer.Write(d);
                var bytes = contiguous.bytes;
                writer.Write((long)bytes.Length);
                writer.Write(bytes);
            }

            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static void ReadInto(string path, (string Name, Tensor Tensor)[] targets)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        var magic = Encoding.ASCII.GetString(reader.ReadBytes(Magic.Length));
        if (magic != Magic)
            throw new InvalidDataException($"{path} is not a sample file (bad header).");
        var count = reader.ReadInt32();
        if (count != targets.Length)
            throw new InvalidDataException($"{path} holds {count} tensors; the module has {targets.Length}.");
        byte[] buffer = [];
        foreach (var (name, target) in targets)
        {
            var storedName = reader.ReadString();
            var dtype = (ScalarType)reader.ReadInt32();
            var shape = new long[reader.ReadInt32()];
            for (var d = 0; d < shape.Length; d++) shape[d] = reader.ReadInt64();
            var length = reader.ReadInt64();
            if (storedName != name || dtype != target.dtype || !shape.SequenceEqual(target.shape))
                throw new InvalidDataException($"{path}: found {storedName} {dtype} [{string.Join(", ", shape)}] where {name} {target.dtype} [{string.Join(", ", target.shape)}] was expected.");
            if (length > Array.MaxLength)
                throw new InvalidDataException($"{path}: tensor {name} is {length} bytes, more than one read buffer can hold.");
            if (buffer.Length < length) buffer = new byte[length];
            reader.BaseStream.ReadExactly(buffer, 0, (int)length);

            using var scope = NewDisposeScope();
            var loaded = torch.empty(shape, dtype);
            loaded.bytes = buffer.AsSpan(0, (int)length);
            target.copy_(loaded);
        }
    }

    private readonly record struct TensorSignature(string Name, ScalarType DType, long[] Shape)
    {
        public bool Matches(TensorSignature other) => Name == other.Name && DType == other.DType && Shape.SequenceEqual(other.Shape);

        public override string ToString() => $"{DType} [{string.Join(", ", Shape)}]";
    }
}
