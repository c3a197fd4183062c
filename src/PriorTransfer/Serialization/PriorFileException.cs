namespace PriorTransfer.Serialization;

/// <summary>A prior file is missing, damaged or not a PriorTransfer prior; the message says which and how to fix it.</summary>
public sealed class PriorFileException : Exception
{
    public PriorFileException(string message) : base(message)
    {
    }

    public PriorFileException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public PriorFileException(string path, string problem, Exception? innerException = null)
        : base($"Prior file '{path}': {problem}", innerException)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file concerned.</summary>
    public string? Path { get; }

    /// <summary>The problem, without the path.</summary>
    public string? Problem { get; }
}
