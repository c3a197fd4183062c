using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace PriorTransfer.IO;

/// <summary>
/// Writes a file atomically: into a temporary file in the same folder, flushed to disk, then renamed over the
/// target. A crash (even SIGKILL) leaves either the old file or the new one, never half of one. The temporary file
/// is named <c>.&lt;name&gt;.&lt;pid&gt;.&lt;guid&gt;.tmp</c>: hidden, with an extension no reader accepts, and carrying
/// the writer's process id, so that the next write into the same folder can delete the leftovers of a killed writer
/// (<see cref="RemoveStaleTemporaries"/>) without touching those of a writer still running.
/// </summary>
/// <remarks>
/// The rename is atomic on one file system (POSIX <c>rename</c>, Windows <c>MoveFileEx</c> with replace). The data is
/// flushed before the rename, so after a power loss the target is the old or the new file; the rename itself may be
/// lost then (the folder is not fsynced), which leaves the old file.
/// </remarks>
public static partial class AtomicFile
{
    private const string TemporarySuffix = ".tmp";

    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/>, atomically. Problems with the path (its folder
    /// is a file, no permission, disk full) are an <see cref="OutputPathException"/> that says which.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string full = CheckPath(path);
        string folder = Path.GetDirectoryName(full) ?? ".";
        CreateFolder(full, folder);
        RemoveStaleTemporaries(folder);
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new OutputPathException(full, $"writing failed: {e.Message}. Check the free disk space and the folder's permissions, or choose another path.", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="path"/> atomically (the source must exist).</summary>
    public static void Copy(string source, string path)
    {
        if (!File.Exists(source)) throw new FileNotFoundException($"The file to copy, '{source}', does not exist.", source);
        Write(path, s => { using var input = File.OpenRead(source); input.CopyTo(s); });
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, leaveOpen: true); w.Write(text); });

    /// <summary>
    /// Fails fast, before a long run, when <paramref name="path"/> cannot be written: creates its folder and a probe file
    /// there (deleted at once), and removes the temporary files of killed writers from that folder. Throws
    /// <see cref="OutputPathException"/> saying why.
    /// </summary>
    public static void EnsureWritable(string path)
    {
        string full = CheckPath(path);
        string folder = Path.GetDirectoryName(full) ?? ".";
        CreateFolder(full, folder);
        RemoveStaleTemporaries(folder);
        string probe = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            using var stream = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(probe);
            throw new OutputPathException(full, $"cannot create files in '{folder}' ({e.Message}). Choose a folder you can write to.", e);
        }
    }

    /// <summary>
    /// Deletes the temporary files that writers killed in mid-write left in <paramref name="folder"/>: files named like
    /// this class's temporaries whose process is no longer running. Returns how many were deleted.
    /// </summary>
    public static int RemoveStaleTemporaries(string folder)
    {
        if (!Directory.Exists(folder)) return 0;
        int removed = 0;
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(folder, "." + "*" + TemporarySuffix).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
        foreach (string file in candidates)
        {
            var match = TemporaryName().Match(Path.GetFileName(file));
            if (!match.Success || !int.TryParse(match.Groups["pid"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            if (IsRunning(pid)) continue;
            if (TryDelete(file)) removed++;
        }
        return removed;
    }

    /// <summary>True when <paramref name="fileName"/> is one of this class's temporary files (for loaders and listings to skip).</summary>
    public static bool IsTemporaryFile(string fileName) => TemporaryName().IsMatch(Path.GetFileName(fileName));

    [GeneratedRegex(@"^\..+\.(?<pid>[0-9]{1,10})\.[0-9a-f]{32}\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryName();

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;   // no such process
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string CheckPath(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("the output path is empty; give a file path.", nameof(path));
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new OutputPathException(path, $"it is not a valid path ({e.Message}).", e);
        }
        if (Path.EndsInDirectorySeparator(full) || Directory.Exists(full))
            throw new OutputPathException(full, "it is a folder; give a file path inside it.");
        return full;
    }

    /// <summary>Creates the folder, first finding the nearest existing ancestor: if that is a file, say so.</summary>
    private static void CreateFolder(string target, string folder)
    {
        for (string? dir = folder; !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (Directory.Exists(dir)) break;
            if (File.Exists(dir))
                throw new OutputPathException(target, $"'{dir}' is a file, not a folder, so nothing can be written under it. Choose another output path.");
        }
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputPathException(target, $"its folder '{folder}' cannot be created ({e.Message}). Choose a folder you can write to.", e);
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
