using System.Globalization;
using System.Text;
using PriorTransfer.Data;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PriorTransfer.SelfSupervised;

/// <summary>
/// The same linear probe on three feature sets side by side, so a user can see whether pre-trained features are any
/// good: raw pixels, the randomly initialised backbone (the same architecture and seed before training) and the
/// trained backbone. A useful backbone clearly beats both baselines. Either baseline may be skipped (null).
/// </summary>
public sealed record ProbeReport(LinearProbeResult? RawPixels, LinearProbeResult? RandomBackbone, LinearProbeResult TrainedBackbone)
{
    public const string RawPixelsName = "raw pixels";
    public const string RandomBackboneName = "random-init backbone";
    public const string TrainedBackboneName = "trained backbone";

    /// <summary>The measured rows in display order.</summary>
    public IReadOnlyList<LinearProbeResult> Rows => new[] { RawPixels, RandomBackbone, TrainedBackbone }.OfType<LinearProbeResult>().ToArray();

    /// <summary>
    /// Probes <paramref name="trainedBackbone"/>, and when asked raw pixels and <paramref name="randomBackbone"/>, fitted on
    /// <paramref name="train"/> and tested on <paramref name="test"/> with the same options.
    /// </summary>
    public static ProbeReport Create(Module<Tensor, Tensor> trainedBackbone, Module<Tensor, Tensor>? randomBackbone, ImageSet train, ImageSet test,
        LinearProbeOptions? options = null, bool rawPixels = true)
    {
        ArgumentNullException.ThrowIfNull(trainedBackbone);
        options ??= new LinearProbeOptions();
        LinearProbeResult? pixels = null;
        if (rawPixels)
        {
            using var scope = NewDisposeScope();
            pixels = LinearProbe.Measure(RawPixelsName, LinearProbe.Pixels(train.Images), train.Labels,
                LinearProbe.Pixels(test.Images), test.Labels, train.ClassCount, options);
        }
        var random = randomBackbone is null ? null : LinearProbe.Measure(RandomBackboneName, randomBackbone, train, test, options);
        var trained = LinearProbe.Measure(TrainedBackboneName, trainedBackbone, train, test, options);
        return new ProbeReport(pixels, random, trained);
    }

    /// <summary>A plain-text table: features, dimension, train and test accuracy, test NLL.</summary>
    public string ToTable()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"features",-22} {"dim",5} {"train acc",9} {"test acc",9} {"test NLL",9}");
        foreach (var row in Rows)
            text.AppendLine(CultureInfo.InvariantCulture, $"{row.Features,-22} {row.Dimension,5} {row.TrainAccuracy,9:F4} {row.TestAccuracy,9:F4} {row.TestNll,9:F4}");
        return text.ToString();
    }
}
