using PriorTransfer.Serialization;
using Spectre.Console;

namespace PriorTransfer.Cli;

/// <summary>A prior file's summary as a table.</summary>
internal static class PriorTables
{
    public static void Write(PriorFileSummary s)
    {
        var table = new Table().AddColumns("property", "value");
        table.AddRow("file", Markup.Escape($"{s.Path} ({s.FileBytes:N0} bytes)"));
        table.AddRow("parameters P", s.Dimension.ToString("N0"));
        table.AddRow("rank K (numerical rank)", $"{s.Rank} ({s.Spectrum.NumericalRank})");
        table.AddRow("SWAG variance min / median / max", $"{s.VarianceMin:E2} / {s.VarianceMedian:E2} / {s.VarianceMax:E2}");
        foreach (var (key, value) in s.Manifest.Metadata.Where(kv => kv.Key != "layout").OrderBy(kv => kv.Key))
            table.AddRow(Markup.Escape(key), Markup.Escape(value));
        AnsiConsole.Write(table);
    }
}
