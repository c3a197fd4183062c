namespace PriorTransfer.Parameters;

/// <summary>What differs between a <see cref="ParameterLayout"/> and a model (or another layout).</summary>
public enum LayoutMismatchKind
{
    /// <summary>The layout has a parameter that the model (or other layout) lacks.</summary>
    Missing,

    /// <summary>The model (or other layout) has a selected parameter that the layout lacks.</summary>
    Extra,

    /// <summary>Both have the parameter, with different shapes.</summary>
    Reshaped,

    /// <summary>Both layouts have the parameter, at different positions of the flat vector.</summary>
    Reordered,
}

/// <summary>
/// A flat parameter vector does not fit a model: a parameter is missing, extra, reshaped or reordered. The message
/// names the first such parameter and says how to fix it.
/// </summary>
public sealed class LayoutMismatchException : Exception
{
    public LayoutMismatchException(string message) : base(message)
    {
    }

    public LayoutMismatchException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public LayoutMismatchException(LayoutMismatchKind kind, string parameterName, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        ParameterName = parameterName;
    }

    public LayoutMismatchKind? Kind { get; }

    /// <summary>The first parameter found to differ.</summary>
    public string? ParameterName { get; }

    /// <summary>The same mismatch with <paramref name="context"/> (e.g. which file) put in front of the message.</summary>
    public LayoutMismatchException WithContext(string context) =>
        Kind is { } kind && ParameterName is not null
            ? new LayoutMismatchException(kind, ParameterName, $"{context}: {Message}", this)
            : new LayoutMismatchException($"{context}: {Message}", this);
}
