namespace PriorTransfer.Models;

/// <summary>A checkpoint file that cannot be used, and why.</summary>
public sealed class CheckpointException(string path, string reason)
    : Exception($"Cannot load checkpoint '{path}': {reason}")
{
    public string Path { get; } = path;
}
