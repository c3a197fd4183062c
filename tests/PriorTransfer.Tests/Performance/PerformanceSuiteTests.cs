using System.Text.Json;
using PriorTransfer.Performance;
using PriorTransfer.Tests.Training;

namespace PriorTransfer.Tests.Performance;

/// <summary>Functional tests of the performance suite: it runs, reports every figure and writes valid JSON. No timing thresholds.</summary>
public class PerformanceSuiteTests
{
    /// <summary>Every figure of the suite at toy sizes (seconds, not minutes).</summary>
    private static readonly PerformanceOptions Tiny = new()
    {
        Profile = "test",
        Threads = 1,
        Rounds = 1,
        StepsPerBlock = 1,
        Architectures = ["resnet8"],
        MapBatchSizes = [8, 4],
        PriorRank = 2,
        SwagEpochSteps = 2,
        BmaSamples = 2,
        BmaImages = 8,
        PriorDimensions = [1_000, 2_000, 4_000],
        PriorRanks = [1, 3],
        PriorRepeats = 1,
        MemoryDimension = 20_000,
        MemoryRank = 2,
        ThroughputBatchSize = 8,
        RetainFreedNativeMemory = false,
    };

    [Fact]
    public void OnlyTheSelectedGroupsAreMeasured()
    {
        var options = Tiny with { Only = new HashSet<string> { PerformanceOptions.PriorGroup } };
        var ids = PerformanceSuite.FigureIds(options);
        Assert.All(ids, id => Assert.StartsWith("prior-", id, StringComparison.Ordinal));
        Assert.Contains("prior-linearity", ids);
        var report = PerformanceSuite.Run(options);
        Assert.Equal(ids, report.Figures.Select(f => f.Id));
        Assert.Throws<ArgumentOutOfRangeException>(() => PerformanceSuite.Run(Tiny with { Only = new HashSet<string> { "gpu" } }));
    }

    [Fact]
    public void GroupSelectionsAreParsedAndValidated()
    {
        Assert.Equal(new HashSet<string> { "layers", "throughput" }, PerformanceOptions.ParseGroups("layers,throughput"));
        Assert.Equal(new HashSet<string> { "prior", "memory" }, PerformanceOptions.ParseGroups(" prior , memory,, prior"));
        Assert.Contains("'gpu'", Assert.Throws<ArgumentException>(() => PerformanceOptions.ParseGroups("prior,gpu")).Message);
        Assert.Contains("layers", Assert.Throws<ArgumentException>(() => PerformanceOptions.ParseGroups(" , ")).Message);
        Assert.Throws<ArgumentException>(() => PerformanceOptions.ParseGroups("Layers"));

        // Without a selection every group but the layer diagnosis runs; a selection runs exactly its groups.
        var all = new PerformanceOptions();
        Assert.All(PerformanceOptions.Groups, g => Assert.Equal(g != PerformanceOptions.LayersGroup, all.Runs(g)));
        var layers = new PerformanceOptions { Only = PerformanceOptions.ParseGroups("layers") };
        Assert.All(PerformanceOptions.Groups, g => Assert.Equal(g == PerformanceOptions.LayersGroup, layers.Runs(g)));
        Assert.DoesNotContain(PerformanceSuite.FigureIds(Tiny), id => id.Contains("layer", StringComparison.Ordinal));
        Assert.Throws<ArgumentOutOfRangeException>(() => PerformanceSuite.Run(Tiny with { Only = layers.Only, LayerRepetitions = 0 }));
    }

    /// <summary>Without --compare-pytorch the layer figures time our side only and say so; the share figure needs no PyTorch.</summary>
    [Fact]
    public void LayersGroupReportsEveryCaseAndTheShare()
    {
        var options = Tiny with { Only = PerformanceOptions.ParseGroups("layers"), LayerRepetitions = 1 };
        var ids = PerformanceSuite.FigureIds(options);
        Assert.Equal(LayerCase.ResNet8.Count + 1, ids.Count);
        Assert.Contains("pytorch-layer-ratio/conv3x3-16-32-s2-28-cl/batch8", ids);
        var report = PerformanceSuite.Run(options);
        Assert.Equal(ids, report.Figures.Select(f => f.Id));
        foreach (var f in report.Figures.Where(f => f.Id.StartsWith("pytorch-layer-ratio/", StringComparison.Ordinal)))
        {
            Assert.Null(f.Value);
            Assert.Contains("--compare-pytorch", f.Note);
            Assert.True(f.Details["csharpMsPerPass"] is double ms && ms > 0, f.Id);
        }
        var share = report.Figures[^1];
        Assert.Equal("layer-share-28px/resnet8/batch8", share.Id);
        Assert.True(share.Value is { } v && double.IsFinite(v) && v > 0, $"share {share.Value}");
        Assert.True(share.Details["csharpStepMs"] is double step && step > 0);
        Assert.False(share.Details.ContainsKey("pytorchStepMs"));
        Assert.EndsWith(" %", PerformanceReport.FormatValue(share));
    }

    [Fact]
    public void TinyRunReportsEveryFigureAndWritesValidJson()
    {
        var messages = new List<string>();
        var report = PerformanceSuite.Run(Tiny, new SynchronousProgress<string>(messages.Add));

        Assert.Equal(PerformanceSuite.FigureIds(Tiny), report.Figures.Select(f => f.Id));
        Assert.NotEmpty(messages);
        foreach (var f in report.Figures)
        {
            bool optional = f.Id.StartsWith("pytorch-ratio", StringComparison.Ordinal) || f.Id.StartsWith("native-allocator/", StringComparison.Ordinal)
                            || f.Id.StartsWith("threads/", StringComparison.Ordinal) // not measured when the run uses one thread
                            || f.Id.StartsWith("prior-memory/", StringComparison.Ordinal) && !ProcessMemory.IsAvailable;
            if (optional && f.Value is null)
                Assert.False(string.IsNullOrEmpty(f.Note), $"{f.Id} has neither a value nor a note saying why");
            else if (!f.Id.StartsWith("prior-memory/", StringComparison.Ordinal))
                Assert.True(f.Value is { } v && double.IsFinite(v) && v > 0, $"{f.Id} = {f.Value}");
        }
        Assert.Contains(report.Figures, f => f.Id == "sghmc-step/resnet8/batch64" && f.Target == PerformanceSuite.StepTarget);
        Assert.Contains(report.Figures, f => f.Id == "map-step/resnet8/batch8" && f.Target is null);

        using var document = JsonDocument.Parse(report.ToJson());
        var root = document.RootElement;
        Assert.Equal(PerformanceReport.Schema, root.GetProperty("schema").GetString());
        Assert.Equal(1, root.GetProperty("environment").GetProperty("threads").GetInt32());
        var figures = root.GetProperty("figures").EnumerateArray().ToList();
        Assert.Equal(PerformanceSuite.FigureIds(Tiny), figures.Select(f => f.GetProperty("id").GetString()));
        var map = figures.First(f => f.GetProperty("id").GetString() == "sghmc-step/resnet8/batch64");
        Assert.Equal("atMost", map.GetProperty("targetKind").GetString());
        Assert.True(map.GetProperty("pass").ValueKind is JsonValueKind.True or JsonValueKind.False);
        Assert.Equal(JsonValueKind.Array, map.GetProperty("details").GetProperty("ratios").ValueKind);

        var markdown = report.ToMarkdown();
        foreach (var id in PerformanceSuite.FigureIds(Tiny)) Assert.Contains($"`{id}`", markdown);
    }

    [Fact]
    public void PairedTimingAlternatesTheOrderAndTakesTheMedianRatio()
    {
        var order = new List<char>();
        var candidateTimes = new Queue<double>([2.0, 3.0, 30.0]);
        var result = PairedTiming.Compare(
            () => { order.Add('b'); return new BlockTime(1.0, 1.0); },
            () => { order.Add('c'); return new BlockTime(candidateTimes.Dequeue(), 1.0); },
            rounds: 2, warmup: 1);
        // Warm-up (b, c), round 0 (b, c), round 1 (c, b).
        Assert.Equal("bcbccb", new string(order.ToArray()));
        Assert.Equal([3.0, 30.0], result.Ratios);
        Assert.Equal(16.5, result.MedianRatio, 12);
        Assert.Equal(1.0, result.MedianCpuRatio, 12);
    }

    [Fact]
    public void LineFitRecoversAnExactLine()
    {
        var (slope, intercept, r2) = PerformanceSuite.FitLine([1, 2, 3, 4], [3, 5, 7, 9]);
        Assert.Equal(2, slope, 12);
        Assert.Equal(1, intercept, 12);
        Assert.Equal(1, r2, 12);
    }

    [Fact]
    public void TheEmbeddedPyTorchScriptIsTheOneInTheRepository()
    {
        var text = PyTorchReference.ScriptText();
        Assert.Contains("class CifarResNet(nn.Module)", text);
        Assert.Contains("--serve", text);
    }

    /// <summary>Runs only where Debian's python3-torch is installed; elsewhere it checks that the failure says what is missing.</summary>
    [Fact]
    public void PyTorchReferenceAnswersOneBlockOrExplainsWhatIsMissing()
    {
        if (!File.Exists(PyTorchReference.DefaultPython))
        {
            var e = Assert.Throws<PyTorchUnavailableException>(() => PyTorchReference.Start("/nonexistent/python3", 1));
            Assert.Contains("--python", e.Message);
            return;
        }
        PyTorchReference reference;
        try
        {
            reference = PyTorchReference.Start(PyTorchReference.DefaultPython, threads: 1, batchSize: 4);
        }
        catch (PyTorchUnavailableException e)
        {
            Assert.Contains("torch", e.Message);
            return;
        }
        using (reference)
        {
            Assert.False(string.IsNullOrEmpty(reference.TorchVersion));
            Assert.Equal(1, reference.Threads);
            var time = reference.Run("resnet8", 2);
            Assert.True(time.Seconds > 0 && time.CpuSeconds > 0);
            // The script parses every case the C# side defines; a bad one is an error and the child keeps serving.
            foreach (var layer in LayerCase.ResNet8)
            {
                var pass = reference.RunLayer(layer, 1);
                Assert.True(pass.Seconds > 0, layer.Name);
            }
            var e = Assert.Throws<InvalidOperationException>(() => reference.RunLayer(LayerCase.Parse("conv3x3-1-16-s1-28-cl") with { Kernel = 2 }, 1));
            Assert.Contains("conv2x2", e.Message);
            Assert.True(reference.Run("resnet8", 1, channelsLast: true).Seconds > 0);
        }
    }
}
