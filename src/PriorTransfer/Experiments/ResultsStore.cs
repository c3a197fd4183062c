using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using PriorTransfer.IO;

namespace PriorTransfer.Experiments;

/// <summary>
/// The append-only <c>results.jsonl</c> of a results folder: one JSON line per finished run. A line is appended in one
/// write, flushed and fsynced, so a kill leaves at most one trailing partial line; reading ignores it and
/// <see cref="Open"/> truncates it, so the file stays a valid list of complete runs and a rerun repeats only the
/// run that was interrupted.
/// </summary>
public sealed class ResultsStore
{
    public const string FileName = "results.jsonl";

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = false,
    };

    private readonly List<RunRecord> records;
    private readonly HashSet<string> keys;

    private ResultsStore(string path, List<RunRecord> records)
    {
        Path = path;
        this.records = records;
        keys = records.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
    }

    public string Path { get; }

    public IReadOnlyList<RunRecord> Records => records;

    public bool IsCompleted(string key) => keys.Contains(key);

    /// <summary>Opens (creating the folder) the results file in <paramref name="folder"/> for appending; a trailing partial line is cut off.</summary>
    public static ResultsStore Open(string folder)
    {
        string path = System.IO.Path.Combine(folder, FileName);
        AtomicFile.EnsureWritable(path);
        var (loaded, completeLength) = ReadFile(path);
        if (File.Exists(path) && new FileInfo(path).Length > completeLength)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
            stream.SetLength(completeLength);
            stream.Flush(flushToDisk: true);
        }
        return new ResultsStore(path, loaded);
    }

    /// <summary>The results in <paramref name="folder"/> without creating or changing anything (a dry run's view).</summary>
    public static ResultsStore Peek(string folder)
    {
        string path = System.IO.Path.Combine(folder, FileName);
        return new ResultsStore(path, ReadFile(path).Records);
    }

    /// <summary>The complete lines of <paramref name="path"/> (a trailing partial line is ignored; a missing file is empty).</summary>
    public static IReadOnlyList<RunRecord> Read(string path) => ReadFile(path).Records;

    /// <summary>Appends one finished run: one write of one complete line, then flush and fsync.</summary>
    public void Append(RunRecord record)
    {
        if (!keys.Add(record.Key)) throw new InvalidOperationException($"run '{record.Key}' is already in {Path}.");
        byte[] line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(record, JsonOptions) + "\n");
        try
        {
            using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
            stream.Write(line);
            stream.Flush(flushToDisk: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            keys.Remove(record.Key);
            throw new OutputPathException(Path, $"appending a result failed: {e.Message}. Check the free disk space and permissions.", e);
        }
        records.Add(record);
    }

    private static (List<RunRecord> Records, long CompleteLength) ReadFile(string path)
    {
        if (!File.Exists(path)) return ([], 0);
        byte[] bytes = File.ReadAllBytes(path);
        int end = Array.LastIndexOf(bytes, (byte)'\n') + 1;   // everything after the last newline is a partial line
        var records = new List<RunRecord>();
        int lineNumber = 0;
        foreach (var line in Encoding.UTF8.GetString(bytes, 0, end).Split('\n'))
        {
            lineNumber++;
            if (line.Length == 0) continue;
            try
            {
                records.Add(JsonSerializer.Deserialize<RunRecord>(line, JsonOptions)
                    ?? throw new JsonException("the line is null."));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException(
                    $"{path}, line {lineNumber}: not a result record ({e.Message}). Remove or fix that line; the other lines are kept and rerunning repeats only the missing run.", e);
            }
        }
        return (records, end);
    }
}
