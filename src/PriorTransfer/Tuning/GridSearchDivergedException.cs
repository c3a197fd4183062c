namespace PriorTransfer.Tuning;

/// <summary>Every point of a tuning grid diverged, so nothing can be chosen; the message says how to widen the grid.</summary>
public sealed class GridSearchDivergedException(int points, string message) : InvalidOperationException(message)
{
    /// <summary>How many grid points were tried (all diverged).</summary>
    public int Points { get; } = points;
}
