namespace PriorTransfer.Data;

/// <summary>
/// A data file exists but cannot be read as what it claims to be: wrong magic number, truncated data, a count
/// that disagrees with its companion file, an undecodable image. The message names the file and the problem.
/// </summary>
public sealed class DataFormatException : IOException
{
    public DataFormatException(string filePath, string problem, Exception? innerException = null)
        : base($"{filePath}: {problem}", innerException)
    {
        FilePath = filePath;
        Problem = problem;
    }

    /// <summary>The file (or folder) that is malformed.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong with it, without the file name.</summary>
    public string Problem { get; }
}
