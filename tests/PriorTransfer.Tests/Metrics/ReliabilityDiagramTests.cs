using PriorTransfer.Metrics;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Metrics;

public class ReliabilityDiagramTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void WritesAValidPngAtomically()
    {
        var directory = Directory.CreateTempSubdirectory("priortransfer-reliability-").FullName;
        try
        {
            using var logits = randn(new long[] { 200, 5 }, ScalarType.Float64, generator: new Generator(1, CPU)) * 3;
            using var p = logits.softmax(1);
            using var y = randint(0, 5, [200], generator: new Generator(2, CPU));
            var metrics = new ClassificationMetrics();
            metrics.Update(p, y);
            var path = Path.Combine(directory, "plots", "reliability.png");

            ReliabilityDiagram.SavePng(metrics.ReliabilityBins(), path, "test: ECE");
            var first = File.ReadAllBytes(path);
            Assert.True(first.Length > 1000);
            Assert.Equal(PngSignature, first.Take(8));

            // Replacing an existing file works and leaves no temporary files behind.
            ReliabilityDiagram.SavePng(metrics.ReliabilityBins(), path, "again", width: 320, height: 240);
            Assert.Equal(PngSignature, File.ReadAllBytes(path).Take(8));
            Assert.Equal(["reliability.png"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(f => Path.GetFileName(f)!));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
