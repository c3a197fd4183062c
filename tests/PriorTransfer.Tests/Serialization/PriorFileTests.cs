using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using PriorTransfer.Parameters;
using PriorTransfer.Priors;
using PriorTransfer.Serialization;
using PriorTransfer.Swag;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Serialization;

public sealed class PriorFileTests : IDisposable
{
    private static readonly PriorSource Source = new("fashion-split/source", PriorLoss.Supervised, "tinynet");
    private static readonly DateTimeOffset Created = new(2026, 11, 26, 12, 30, 0, TimeSpan.Zero);

    private readonly string folder = Directory.CreateTempSubdirectory("priorfile-tests-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string PathOf(string name) => Path.Combine(folder, name);

    /// <summary>A SWAG Gaussian over TinyNet's backbone from a few perturbed snapshots (float32, K = 3).</summary>
    private static SwagGaussian MakeGaussian(TinyNet net, int rank = 3, int snapshots = 5)
    {
        var layout = ParameterLayout.WithPrefixes(net, "backbone");
        using var swag = new SwagCollector(layout, rank);
        var g = new Generator(21);
        for (var t = 0; t < snapshots; t++)
        {
            using (no_grad())
            {
                foreach (var p in net.parameters())
                {
                    using var noise = randn(p.shape, generator: g) * 0.01;
                    p.add_(noise);
                }
            }
            swag.Collect(net);
        }
        return swag.ToGaussian();
    }

    private string WriteValid(string name = "prior.safetensors")
    {
        using var net = new TinyNet();
        using var gaussian = MakeGaussian(net);
        var path = PathOf(name);
        PriorFile.Write(path, gaussian, Source, Created);
        return path;
    }

    [Fact]
    public void RoundTripGivesIdenticalTensorsMetadataAndLogProb()
    {
        using var net = new TinyNet();
        using var gaussian = MakeGaussian(net);
        var path = PathOf("round.safetensors");
        PriorFile.Write(path, gaussian, Source, Created, new Dictionary<string, string> { ["swag_epochs"] = "5" });

        using var contents = PriorFile.Load(path, net);
        var read = contents.Gaussian;
        Assert.True(Dense.Same(gaussian.Mean, read.Mean));
        Assert.True(Dense.Same(gaussian.Variance, read.Variance));
        Assert.True(Dense.Same(gaussian.CovFactor, read.CovFactor));
        Assert.Equal(3, read.Rank);
        Assert.Equal(5, read.SnapshotCount);
        Assert.Equal(1.0, read.Scale);

        var m = contents.Manifest;
        Assert.Equal(PriorFile.FormatVersion, m.FormatVersion);
        Assert.Equal(3, m.Rank);
        Assert.Equal(5, m.SnapshotCount);
        Assert.Equal(SwagCovariance.Convention, m.CovarianceConvention);
        Assert.Equal(Source, m.Source);
        Assert.Equal(Created, m.Created);
        Assert.Equal("5", m.Extra["swag_epochs"]);
        Assert.Single(m.Extra);
        gaussian.Layout.Validate(m.Layout);
        Assert.Equal(gaussian.Layout.Selection, m.Layout.Selection);

        using var before = gaussian.ToPrior();
        using var after = contents.ToPrior();
        using var theta = ParameterLayout.WithPrefixes(net, "backbone").Flatten(net).detach();
        using var lp1 = before.LogProb(theta);
        using var lp2 = after.LogProb(theta);
        Assert.Equal(lp1.item<float>(), lp2.item<float>());
        using var g1 = before.Gradient(theta);
        using var g2 = after.Gradient(theta);
        Assert.True(Dense.Same(g1, g2));
    }

    [Fact]
    public void FileFollowsTheSafetensorsLayout()
    {
        var path = WriteValid();
        var bytes = File.ReadAllBytes(path);
        var n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, n % 8);
        var headerText = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.StartsWith("{", headerText);
        var header = JsonNode.Parse(headerText)!.AsObject();
        var metadata = header["__metadata__"]!.AsObject();
        Assert.All(metadata, kv => Assert.Equal(System.Text.Json.JsonValueKind.String, kv.Value!.GetValueKind()));
        Assert.Equal(PriorFile.FormatVersion, (string?)metadata["format"]);
        var p = (long)header["mean"]!["shape"]![0]!;
        Assert.Equal("F32", (string?)header["cov_factor"]!["dtype"]);
        Assert.Equal(3, (long)header["cov_factor"]!["shape"]![1]!);
        Assert.Equal(8 + n + 4 * (2 * p + 3 * p), bytes.Length);
        // The mean's first element is the float at the start of the data section.
        var first = BitConverter.ToSingle(bytes, (int)(8 + n + (long)header["mean"]!["data_offsets"]![0]!));
        using var contents = PriorFile.Read(path);
        Assert.Equal(contents.Gaussian.Mean[0].item<float>(), first);
    }

    [Fact]
    public void WriteIsAtomicAndOverwrites()
    {
        var path = WriteValid("same.safetensors");
        var firstBytes = File.ReadAllBytes(path);
        using var net = new TinyNet(channels: 2);
        using var gaussian = MakeGaussian(net, rank: 2);
        PriorFile.Write(path, gaussian, Source with { Architecture = "tinynet-2" }, Created);
        Assert.NotEqual(firstBytes.Length, new FileInfo(path).Length);
        Assert.Equal("tinynet-2", PriorFile.ReadManifest(path).Source.Architecture);
        Assert.Equal(["same.safetensors"], Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void RescaledGaussianRecordsItsScale()
    {
        using var net = new TinyNet();
        using var gaussian = MakeGaussian(net);
        using var scaled = gaussian.Rescale(1000);
        var path = PathOf("scaled.safetensors");
        PriorFile.Write(path, scaled, Source, Created);
        using var contents = PriorFile.Read(path);
        Assert.Equal(1000, contents.Manifest.Scale);
        Assert.Equal(1000, contents.Gaussian.Scale);
    }

    [Fact]
    public void LoadRejectsAModelWithAnotherArchitecture()
    {
        var path = WriteValid();
        using var other = new TinyNet(channels: 5);
        var ex = Assert.Throws<LayoutMismatchException>(() => PriorFile.Load(path, other));
        Assert.Equal("backbone.conv.weight", ex.ParameterName);
        Assert.Contains(path, ex.Message);
        Assert.Contains("tinynet", ex.Message);
        Assert.Contains("[5, 1, 3, 3]", ex.Message);
        // A new head is fine: the prior covers the backbone only.
        using var wide = new TinyNetWideHead();
        using var contents = PriorFile.Load(path, wide);
    }

    [Fact]
    public void InspectSummarisesTheFile()
    {
        var path = WriteValid();
        var summary = PriorFile.Inspect(path);
        using var contents = PriorFile.Read(path);
        Assert.Equal(contents.Gaussian.Dimension, summary.Dimension);
        Assert.Equal(3, summary.Rank);
        Assert.Equal(3, summary.Spectrum.NumericalRank);   // 5 snapshots in the mean, 3 columns: full rank
        Assert.Equal(3, summary.Spectrum.SingularValues.Count);
        Assert.True(summary.Spectrum.SingularValues[0] >= summary.Spectrum.SingularValues[2]);
        Assert.Equal(contents.Gaussian.Variance.min().item<float>(), summary.VarianceMin, 1e-12);
        Assert.Equal(contents.Gaussian.Variance.max().item<float>(), summary.VarianceMax, 1e-12);
        Assert.InRange(summary.VarianceMedian, summary.VarianceMin, summary.VarianceMax);
        Assert.Equal(new FileInfo(path).Length, summary.FileBytes);
        Assert.Equal("tinynet", summary.Manifest.Source.Architecture);
    }

    // ---- malformed files: each has its own clear message ----

    private static byte[] Header(byte[] file, out long n)
    {
        n = (long)BinaryPrimitives.ReadUInt64LittleEndian(file);
        return file[8..(int)(8 + n)];
    }

    /// <summary>A copy of <paramref name="file"/> with its JSON header edited (and re-padded), data unchanged.</summary>
    private static byte[] RewriteHeader(byte[] file, Action<JsonObject> edit)
    {
        var header = JsonNode.Parse(Encoding.UTF8.GetString(Header(file, out var n)))!.AsObject();
        edit(header);
        var text = header.ToJsonString();
        text = text.PadRight((text.Length + 7) / 8 * 8);
        var newHeader = Encoding.UTF8.GetBytes(text);
        var result = new byte[8 + newHeader.Length + (file.Length - 8 - n)];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)newHeader.Length);
        newHeader.CopyTo(result, 8);
        file.AsSpan((int)(8 + n)).CopyTo(result.AsSpan(8 + newHeader.Length));
        return result;
    }

    /// <summary>A copy with one float of tensor <paramref name="name"/> (element <paramref name="index"/>) replaced.</summary>
    private static byte[] SetFloat(byte[] file, string name, long index, float value)
    {
        var header = JsonNode.Parse(Encoding.UTF8.GetString(Header(file, out var n)))!.AsObject();
        var begin = (long)header[name]!["data_offsets"]![0]!;
        var result = (byte[])file.Clone();
        BinaryPrimitives.WriteSingleLittleEndian(result.AsSpan((int)(8 + n + begin + 4 * index)), value);
        return result;
    }

    private void AssertRejected(byte[] bytes, params string[] fragments)
    {
        var path = PathOf($"bad-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<PriorFileException>(() => PriorFile.Read(path));
        Assert.Contains(path, ex.Message);
        foreach (var fragment in fragments) Assert.Contains(fragment, ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void MalformedFilesRaiseSpecificErrors()
    {
        var valid = File.ReadAllBytes(WriteValid());
        Header(valid, out var n);

        AssertRejected([], "empty");
        AssertRejected(valid[..5], "truncated", "8-byte");
        var huge = (byte[])valid.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(huge, 1UL << 40);
        AssertRejected(huge, "bad header length");
        var zero = (byte[])valid.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(zero, 0);
        AssertRejected(zero, "bad header length");
        AssertRejected(valid[..(int)(8 + n / 2)], "truncated header");
        AssertRejected(valid[..^10], "truncated data", "cov_factor");
        AssertRejected([.. valid, 1, 2, 3, 4], "unexpected bytes");

        var notJson = (byte[])valid.Clone();
        for (var i = 8; i < 8 + n; i++) notJson[i] = (byte)'x';
        AssertRejected(notJson, "not valid JSON");
        var notUtf8 = (byte[])valid.Clone();
        notUtf8[9] = 0xFF;
        AssertRejected(notUtf8, "UTF-8");

        AssertRejected(RewriteHeader(valid, h => h["__metadata__"]!["format"] = "priortransfer-prior/2"), "unsupported format version", "priortransfer-prior/2");
        AssertRejected(RewriteHeader(valid, h => h["__metadata__"]!.AsObject().Remove("format")), "no format version");
        AssertRejected(RewriteHeader(valid, h => h.Remove("__metadata__")), "no __metadata__");
        AssertRejected(RewriteHeader(valid, h => h.Remove("cov_factor")), "'cov_factor' is missing");
        AssertRejected(RewriteHeader(valid, h => h["variance"]!["dtype"] = "F64"), "'variance'", "dtype F64");
        AssertRejected(RewriteHeader(valid, h => h["mean"]!["shape"]![0] = 7), "'mean'", "shape [7]");
        AssertRejected(RewriteHeader(valid, h => h["cov_factor"]!["shape"]![1] = 4), "'cov_factor'", "shape");
        AssertRejected(RewriteHeader(valid, h => h["mean"]!["data_offsets"]![1] = 8), "'mean'", "bytes");
        AssertRejected(RewriteHeader(valid, h => h["extra"] = new JsonObject { ["dtype"] = "F32" }), "unexpected tensor 'extra'");
        AssertRejected(RewriteHeader(valid, h => h["__metadata__"]!["layout"] = "{oops"), "layout");
        AssertRejected(RewriteHeader(valid, h => h["__metadata__"]!["rank"] = "three"), "'rank'");
        AssertRejected(RewriteHeader(valid, h => h["__metadata__"]!["loss"] = "mse"), "unknown loss 'mse'");
        AssertRejected(RewriteHeader(valid, h => h["__metadata__"]!["covariance"] = "full"), "covariance convention");
        AssertRejected(RewriteHeader(valid, h => h["__metadata__"]!["scale"] = "-1"), "scale");
        AssertRejected(RewriteHeader(valid, h => h["__metadata__"]!["snapshot_count"] = 5), "not a string");
        AssertRejected(RewriteHeader(valid, h => h["__metadata__"]!.AsObject().Remove("created")), "'created'");

        AssertRejected(SetFloat(valid, "mean", 3, float.NaN), "'mean'", "NaN", "backbone.conv.weight");
        AssertRejected(SetFloat(valid, "cov_factor", 3 * 37 + 1, float.PositiveInfinity), "'cov_factor'", "infinite", "backbone.conv.bias");
        AssertRejected(SetFloat(valid, "variance", 41, -1e-3f), "'variance'", "non-positive", "backbone.bn.weight");
        AssertRejected(SetFloat(valid, "variance", 0, 0f), "'variance'", "non-positive");

        var missing = PathOf("nowhere.safetensors");
        Assert.Contains("no such file", Assert.Throws<PriorFileException>(() => PriorFile.Read(missing)).Message);
        Assert.Contains("folder", Assert.Throws<PriorFileException>(() => PriorFile.Read(folder)).Message);
    }

    [Fact]
    public void RandomBytesAndMutationsNeverEscapeAsOtherExceptions()
    {
        var valid = File.ReadAllBytes(WriteValid());
        var random = new Random(1234);
        var path = PathOf("fuzz.safetensors");
        for (var i = 0; i < 300; i++)
        {
            var bytes = new byte[random.Next(0, 400)];
            random.NextBytes(bytes);
            if (i % 3 == 0 && bytes.Length >= 8) BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)random.Next(0, bytes.Length));
            if (i % 5 == 0 && bytes.Length > 9) bytes[8] = (byte)'{';
            File.WriteAllBytes(path, bytes);
            Assert.Throws<PriorFileException>(() => PriorFile.Read(path));
        }
        for (var i = 0; i < 300; i++)
        {
            var bytes = (byte[])valid.Clone();
            var flips = random.Next(1, 4);
            for (var f = 0; f < flips; f++) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            if (i % 4 == 0) bytes = bytes[..random.Next(bytes.Length)];
            File.WriteAllBytes(path, bytes);
            try
            {
                using var contents = PriorFile.Read(path);   // a flipped data byte can still be a valid prior
            }
            catch (PriorFileException)
            {
            }
        }
    }

    [Fact]
    public void ReadingDoesNotLeakTensors()
    {
        var path = WriteValid();
        using (PriorFile.Read(path))
        {
        }
        var baseline = Dense.LiveTensorsAfterCollection();
        for (var i = 0; i < 10; i++)
        {
            using (PriorFile.Read(path))
            {
            }
            Assert.Equal(baseline, torch.Tensor.TotalCount);
            using (var contents = PriorFile.Read(path))
            using (var prior = contents.ToPrior())
            using (var scaled = prior.Rescale(10))
            using (var diagonal = prior.ToDiagonal())
            using (var isotropic = prior.ToIsotropic())
            {
            }
            Assert.Equal(baseline, torch.Tensor.TotalCount);
        }
    }
}
