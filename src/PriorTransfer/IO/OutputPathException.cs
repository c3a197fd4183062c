namespace PriorTransfer.IO;

/// <summary>
/// An output file cannot be written where asked: its folder is a file, it is a folder itself, permission is denied,
/// or the disk is full. The message names the path, says why and how to fix it.
/// </summary>
public sealed class OutputPathException : IOException
{
    public OutputPathException(string path, string problem, Exception? innerException = null)
        : base($"Cannot write '{path}': {problem}", innerException)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file that could not be written.</summary>
    public string Path { get; }

    /// <summary>What is wrong, without the path.</summary>
    public string Problem { get; }
}
