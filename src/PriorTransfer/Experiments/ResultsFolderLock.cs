namespace PriorTransfer.Experiments;

/// <summary>
/// One writer per results folder. <c>experiment</c> holds an exclusive lock on <c>&lt;out&gt;/.experiment.lock</c>
/// while it runs, so that a second process can neither repeat the first one's runs nor cut the line it is appending
/// (<see cref="ResultsStore.Open"/> truncates a partial last line). The lock is the operating system's (a share-none
/// handle: <c>flock</c> on Unix), so it is released when the process ends, however it ends.
/// </summary>
public sealed class ResultsFolderLock : IDisposable
{
    public const string FileName = ".experiment.lock";

    private readonly FileStream handle;

    private ResultsFolderLock(FileStream handle) => this.handle = handle;

    /// <summary>Takes the folder's lock (creating the folder); a lock held by another process is an error that says what to do.</summary>
    public static ResultsFolderLock Acquire(string folder)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, FileName);
        try
        {
            return new ResultsFolderLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e)
        {
            throw new IOException($"Cannot lock '{folder}' for writing results ({e.Message}): another `priortransfer experiment` is most likely " +
                "running into it. Wait for it to finish, or give each process its own --out (e.g. one per --seeds group) and combine " +
                "them with `priortransfer report <dir> <dir> --out <dir>`.", e);
        }
    }

    public void Dispose() => handle.Dispose();
}
