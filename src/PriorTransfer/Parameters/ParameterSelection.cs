namespace PriorTransfer.Parameters;

/// <summary>How a <see cref="ParameterSelection"/> chooses parameters by name.</summary>
public enum ParameterSelectionKind
{
    /// <summary>Every named parameter of the module.</summary>
    All,

    /// <summary>Parameters whose name lies under one of the prefixes.</summary>
    Include,

    /// <summary>Parameters whose name lies under none of the prefixes.</summary>
    Exclude,

    /// <summary>An explicit list of names (no rule; extra parameters in a model are never reported).</summary>
    Explicit,
}

/// <summary>
/// A rule that chooses a module's parameters by name. A prefix <c>"backbone"</c> matches <c>backbone</c> itself and
/// everything under <c>backbone.</c> (never <c>backbone2.x</c>); a prefix ending in a dot matches by plain
/// <see cref="string.StartsWith(string, StringComparison)"/>.
/// </summary>
public sealed record ParameterSelection
{
    private ParameterSelection(ParameterSelectionKind kind, IReadOnlyList<string> prefixes)
    {
        Kind = kind;
        Prefixes = prefixes;
    }

    public ParameterSelectionKind Kind { get; }
    public IReadOnlyList<string> Prefixes { get; }

    public static ParameterSelection All { get; } = new(ParameterSelectionKind.All, []);
    public static ParameterSelection Explicit { get; } = new(ParameterSelectionKind.Explicit, []);

    public static ParameterSelection Include(params string[] prefixes) => new(ParameterSelectionKind.Include, CheckPrefixes(prefixes));
    public static ParameterSelection Exclude(params string[] prefixes) => new(ParameterSelectionKind.Exclude, CheckPrefixes(prefixes));

    /// <summary>Creates a selection from its parts (as stored in a layout's JSON form).</summary>
    public static ParameterSelection Create(ParameterSelectionKind kind, IEnumerable<string>? prefixes) => kind switch
    {
        ParameterSelectionKind.All => All,
        ParameterSelectionKind.Explicit => Explicit,
        ParameterSelectionKind.Include => Include((prefixes ?? []).ToArray()),
        ParameterSelectionKind.Exclude => Exclude((prefixes ?? []).ToArray()),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown selection kind."),
    };

    /// <summary>True when the rule selects a parameter of this name (always true for <see cref="ParameterSelectionKind.Explicit"/>).</summary>
    public bool Matches(string name) => Kind switch
    {
        ParameterSelectionKind.All or ParameterSelectionKind.Explicit => true,
        ParameterSelectionKind.Include => Prefixes.Any(p => IsUnder(name, p)),
        ParameterSelectionKind.Exclude => !Prefixes.Any(p => IsUnder(name, p)),
        _ => false,
    };

    /// <summary>Whether a model parameter that this rule selects but a layout lacks is an error ("extra").</summary>
    internal bool ReportsExtras => Kind != ParameterSelectionKind.Explicit;

    public bool Equals(ParameterSelection? other) =>
        other is not null && Kind == other.Kind && Prefixes.SequenceEqual(other.Prefixes);

    public override int GetHashCode() => HashCode.Combine(Kind, Prefixes.Count);

    public override string ToString() => Kind switch
    {
        ParameterSelectionKind.All => "all parameters",
        ParameterSelectionKind.Explicit => "an explicit list of parameters",
        ParameterSelectionKind.Include => $"parameters under {string.Join(", ", Prefixes.Select(p => $"'{p}'"))}",
        ParameterSelectionKind.Exclude => $"parameters not under {string.Join(", ", Prefixes.Select(p => $"'{p}'"))}",
        _ => Kind.ToString(),
    };

    private static bool IsUnder(string name, string prefix) =>
        prefix.EndsWith('.')
            ? name.StartsWith(prefix, StringComparison.Ordinal)
            : name == prefix || name.StartsWith(prefix + ".", StringComparison.Ordinal);

    private static string[] CheckPrefixes(string[] prefixes)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        if (prefixes.Length == 0) throw new ArgumentException("Give at least one prefix.", nameof(prefixes));
        if (prefixes.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("Prefixes must not be empty.", nameof(prefixes));
        return prefixes.ToArray();
    }
}
