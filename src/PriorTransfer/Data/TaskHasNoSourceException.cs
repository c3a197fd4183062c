namespace PriorTransfer.Data;

/// <summary>
/// A downstream-only task (<c>idx:</c>, <c>folder:</c>) was asked for source images, e.g. to pre-train on it. The
/// message says which task to learn the checkpoint or prior on instead.
/// </summary>
public sealed class TaskHasNoSourceException(string task, string message) : InvalidOperationException(message)
{
    public string Task { get; } = task;
}
