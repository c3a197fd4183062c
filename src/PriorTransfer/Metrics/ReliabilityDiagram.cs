using ScottPlot;

namespace PriorTransfer.Metrics;

/// <summary>
/// Reliability diagram (Guo et al. 2017, Fig. 1; DeGroot &amp; Fienberg 1983): per confidence bin, the accuracy as
/// a bar against the diagonal of perfect calibration, with the fraction of examples per bin drawn as narrower grey
/// bars on the same [0, 1] axis so that sparsely populated bins are visible as such. Rendered headless with
/// ScottPlot (SkiaSharp) as PNG.
/// </summary>
public static class ReliabilityDiagram
{
    /// <summary>
    /// Writes the diagram of <paramref name="bins"/> as a PNG to <paramref name="path"/> atomically (a temporary file in
    /// the same directory, then a rename), so that the file is either the previous one or the complete new one.
    /// </summary>
    /// <param name="bins">Bins from <see cref="ClassificationMetrics.ReliabilityBins"/>.</param>
    /// <param name="path">Destination file (created or replaced; its directory is created if missing).</param>
    /// <param name="title">Plot title.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    public static void SavePng(IReadOnlyList<ReliabilityBin> bins, string path, string title, int width = 640, int height = 560)
    {
        ArgumentNullException.ThrowIfNull(bins);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(title);
        if (bins.Count == 0) throw new ArgumentException("No bins to draw.", nameof(bins));
        if (width < 16 || height < 16) throw new ArgumentOutOfRangeException(nameof(width), "The image must be at least 16×16 pixels.");

        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileNameWithoutExtension(fullPath)}.{Guid.NewGuid():N}.tmp.png");
        try
        {
            using (var plot = Build(bins, title))
                plot.SavePng(temporary, width, height);
            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    private static Plot Build(IReadOnlyList<ReliabilityBin> bins, string title)
    {
        var total = bins.Sum(b => b.Count);
        var plot = new Plot();

        var accuracy = bins.Where(b => b.Count > 0).Select(b => new Bar
        {
            Position = (b.Lower + b.Upper) / 2,
            Value = b.Accuracy,
            Size = (b.Upper - b.Lower) * 0.9,
            FillColor = Colors.SteelBlue,
        }).ToList();
        var accuracyBars = plot.Add.Bars(accuracy);
        accuracyBars.LegendText = "accuracy";

        var fraction = bins.Where(b => b.Count > 0).Select(b => new Bar
        {
            Position = (b.Lower + b.Upper) / 2,
            Value = total == 0 ? 0 : (double)b.Count / total,
            Size = (b.Upper - b.Lower) * 0.35,
            FillColor = Colors.Gray.WithAlpha(0.6),
        }).ToList();
        var fractionBars = plot.Add.Bars(fraction);
        fractionBars.LegendText = "fraction of examples";

        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.Color = Colors.Black;
        diagonal.LegendText = "perfect calibration";

        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.Title(title);
        plot.XLabel("confidence");
        plot.YLabel("accuracy / fraction of examples");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }
}
