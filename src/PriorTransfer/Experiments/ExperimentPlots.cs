using System.Globalization;
using PriorTransfer.IO;
using ScottPlot;

namespace PriorTransfer.Experiments;

/// <summary>A line of a plot: x values, means and standard errors (NaN: no error bar).</summary>
public sealed record PlotSeries(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Mean, IReadOnlyList<double> Error, bool Highlight = true);

/// <summary>
/// Line plots with error bars (headless ScottPlot, PNG, written atomically). ScottPlot 5 has no logarithmic axis:
/// a log x-axis plots log10(x) and labels the ticks with x.
/// </summary>
public static class ExperimentPlots
{
    public static void Lines(string path, string title, string xLabel, string yLabel, IReadOnlyList<PlotSeries> series, bool logX,
        int width = 720, int height = 480)
    {
        if (series.Count == 0 || series.All(s => s.X.Count == 0)) throw new ArgumentException($"nothing to plot for '{title}'.", nameof(series));
        using var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int colour = 0;
        foreach (var s in series)
        {
            double[] xs = s.X.Select(x => logX ? Math.Log10(x) : x).ToArray();
            double[] ys = s.Mean.ToArray();
            var color = s.Highlight ? palette.GetColor(colour++) : Colors.Gray.WithAlpha(0.5);
            var line = plot.Add.Scatter(xs, ys);
            line.Color = color;
            line.LineWidth = s.Highlight ? 2 : 1;
            line.MarkerSize = s.Highlight ? 6 : 3;
            line.LegendText = s.Label;
            double[] errors = s.Error.Select(e => double.IsNaN(e) ? 0 : e).ToArray();
            if (errors.Any(e => e > 0))
            {
                var bars = plot.Add.ErrorBar(xs, ys, errors);
                bars.Color = color;
            }
        }
        if (logX)
        {
            var all = series.SelectMany(s => s.X).Where(x => x > 0).Distinct().Order().ToArray();
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
                all.Select(Math.Log10).ToArray(), all.Select(x => x.ToString("G3", CultureInfo.InvariantCulture)).ToArray());
        }
        plot.Title(title);
        plot.XLabel(xLabel + (logX ? " (log scale)" : ""));
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.LowerRight);
        byte[] png = plot.GetImageBytes(width, height, ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(png));
    }
}
