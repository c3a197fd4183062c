using System.Diagnostics;
using PriorTransfer.IO;
using PriorTransfer.Tests.Data;

namespace PriorTransfer.Tests.Reliability;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    /// <summary>The id of a process that has exited (so certainly not running now, barring immediate reuse).</summary>
    private static int DeadProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }

    [Fact]
    public void AFailedWriteKeepsTheOldFileAndLeavesNoTemporary()
    {
        string path = temp.Combine("result.json");
        AtomicFile.WriteAllText(path, "old");
        Assert.Throws<InvalidDataException>(() => AtomicFile.Write(path, s =>
        {
            s.Write("half of the new"u8);
            throw new InvalidDataException("the writer failed midway");
        }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["result.json"], Directory.GetFiles(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void StaleTemporariesOfDeadWritersAreRemovedOthersKept()
    {
        int dead = DeadProcessId();
        string stale = temp.Combine($".result.json.{dead}.{Guid.NewGuid():N}.tmp");
        string live = temp.Combine($".result.json.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        string foreign = temp.Combine(".someone-elses.tmp");
        string hidden = temp.Combine(".config");
        foreach (var f in new[] { stale, live, foreign, hidden }) File.WriteAllText(f, "x");
        Assert.True(AtomicFile.IsTemporaryFile(stale));
        Assert.False(AtomicFile.IsTemporaryFile(foreign));

        AtomicFile.WriteAllText(temp.Combine("result.json"), "new");

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(live));      // a writer that is still running (here: this process)
        Assert.True(File.Exists(foreign));   // not ours
        Assert.True(File.Exists(hidden));
        Assert.Equal("new", File.ReadAllText(temp.Combine("result.json")));
    }

    [Fact]
    public void EnsureWritableCreatesTheFolderLeavesNothingAndCleansUp()
    {
        string stale = temp.Combine("runs", $".model.ckpt.{DeadProcessId()}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(Path.GetDirectoryName(stale)!);
        File.WriteAllText(stale, "partial");
        string target = temp.Combine("runs", "model.ckpt");
        AtomicFile.EnsureWritable(target);
        Assert.True(Directory.Exists(temp.Combine("runs")));
        Assert.Empty(Directory.GetFiles(temp.Combine("runs")));
        AtomicFile.EnsureWritable(temp.Combine("new", "deeper", "model.ckpt"));
        Assert.True(Directory.Exists(temp.Combine("new", "deeper")));
    }

    [Fact]
    public void CheckpointsAndPriorFilesAreWrittenThroughAtomicFile()
    {
        // A regular file where the folder should be: both writers must report it as AtomicFile does, which shows
        // they go through it (temporary file in the same folder, flush, rename).
        string blocker = temp.Combine("blocker");
        File.WriteAllText(blocker, "");
        using var model = PriorTransfer.Models.ModelFactory.Create(Workspace.Resnet8, seed: 0);
        var e = Assert.Throws<OutputPathException>(() => PriorTransfer.Models.Checkpoint.Save(model, Path.Combine(blocker, "m.ckpt")));
        Assert.Contains("is a file, not a folder", e.Message);
        string ok = temp.Combine("ok", "m.ckpt");
        PriorTransfer.Models.Checkpoint.Save(model, ok);
        Assert.Equal(["m.ckpt"], Directory.GetFiles(temp.Combine("ok")).Select(Path.GetFileName));
    }
}
