using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PriorTransfer.Performance;

/// <summary>Where and under what load the figures were measured.</summary>
public sealed record PerformanceEnvironment
{
    public required string Profile { get; init; }
    public required int Threads { get; init; }
    public required int LogicalCores { get; init; }
    public required string TorchSharpVersion { get; init; }
    public required string DotNetVersion { get; init; }
    public required string OperatingSystem { get; init; }
    public required string Machine { get; init; }
    public required DateTimeOffset Started { get; init; }
    public required double ElapsedSeconds { get; init; }

    /// <summary>1-, 5- and 15-minute load averages when the suite started and ended (Linux; empty elsewhere).</summary>
    public required double[] LoadAverageStart { get; init; }
    public required double[] LoadAverageEnd { get; init; }

    /// <summary>The native allocator policy during the run (<see cref="NativeAllocator.Policy"/>).</summary>
    public required string NativeAllocator { get; init; }

    /// <summary>The torch version of the PyTorch side, when it ran.</summary>
    public string? PyTorchVersion { get; init; }
    public int? PyTorchThreads { get; init; }

    internal static double[] ReadLoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return parts.Take(3).Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return [];
        }
    }
}

/// <summary>The suite's result: the environment and the figures, as a table for people and JSON for machines.</summary>
public sealed record PerformanceReport(PerformanceEnvironment Environment, IReadOnlyList<PerformanceFigure> Figures)
{
    /// <summary>The JSON layout's name and version.</summary>
    public const string Schema = "priortransfer-bench/1";

    public string ToJson()
    {
        var document = new
        {
            schema = Schema,
            environment = Environment,
            figures = Figures.Select(f => new
            {
                f.Id,
                f.Description,
                f.Value,
                f.Unit,
                target = f.Target,
                targetKind = f.TargetKind,
                f.Pass,
                f.Note,
                f.Details,
            }),
        };
        return JsonSerializer.Serialize(document, JsonOptions);
    }

    /// <summary>A Markdown table (figure, value, target, pass) with the load conditions above it.</summary>
    public string ToMarkdown()
    {
        var e = Environment;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Profile `{e.Profile}`, {e.Threads} thread(s) on {e.LogicalCores} logical cores, TorchSharp {e.TorchSharpVersion}, .NET {e.DotNetVersion}, {e.OperatingSystem}; {e.NativeAllocator}.");
        var pytorch = e.PyTorchVersion is null ? "" : $" PyTorch {e.PyTorchVersion} (Python) with {e.PyTorchThreads} thread(s).";
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Load average (1/5/15 min) at start {FormatLoad(e.LoadAverageStart)}, at end {FormatLoad(e.LoadAverageEnd)}; {e.ElapsedSeconds:F0} s; {e.Started:yyyy-MM-dd HH:mm} UTC.{pytorch}");
        text.AppendLine();
        text.AppendLine("| figure | value | CPU-time ratio | target | pass | notes |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (var f in Figures)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| `{f.Id}` | {FormatValue(f)} | {FormatCpuRatio(f)} | {f.TargetText} | {(f.Pass is { } p ? (p ? "pass" : "**fail**") : "")} | {f.Note ?? ""} |");
        return text.ToString();
    }

    /// <summary>A value with its unit, as the table shows it.</summary>
    public static string FormatValue(PerformanceFigure figure)
    {
        if (figure.Value is not { } v) return "—";
        var number = figure.Unit switch
        {
            "images/s" => v.ToString("F0", CultureInfo.InvariantCulture),
            "ms" => v.ToString(v < 10 ? "F3" : "F1", CultureInfo.InvariantCulture),
            "R²" => v.ToString("F4", CultureInfo.InvariantCulture),
            "%" => v.ToString("F1", CultureInfo.InvariantCulture),
            _ => v.ToString("F3", CultureInfo.InvariantCulture),
        };
        return figure.Unit is "ratio" or "R²" ? number : $"{number} {figure.Unit}";
    }

    /// <summary>The median CPU-time ratio of a paired figure (same direction as its value), or "".</summary>
    public static string FormatCpuRatio(PerformanceFigure figure) =>
        figure.Details.TryGetValue("cpuTimeRatio", out var v) && v is double d ? d.ToString("F3", CultureInfo.InvariantCulture) : "";

    private static string FormatLoad(double[] load) =>
        load.Length == 0 ? "n/a" : string.Join(" / ", load.Select(l => l.ToString("F2", CultureInfo.InvariantCulture)));

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
