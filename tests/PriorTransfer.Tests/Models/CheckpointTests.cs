using PriorTransfer.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Models;

public class CheckpointTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("pt-ckpt-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static Classifier TrainedLikeModel()
    {
        var model = ModelFactory.Create(new ModelSpec("resnet8", 1, 5), seed: 7);
        // Move BatchNorm statistics away from their defaults so the round trip covers buffers too.
        model.train();
        using (no_grad())
        using (var x = rand(16, 1, 28, 28, generator: new Generator(1)))
            model.forward(x).Dispose();
        model.eval();
        return model;
    }

    [Fact]
    public void RoundTripGivesIdenticalOutputs()
    {
        using var model = TrainedLikeModel();
        string path = Path.Combine(folder, "m.ckpt");
        Checkpoint.Save(model, path, new Dictionary<string, string> { ["task"] = "fashion-split" });
        using var loaded = Checkpoint.Load(path);
        Assert.Equal(model.Spec, loaded.Spec);
        Assert.Equal("fashion-split", Checkpoint.ReadHeader(path).Metadata["task"]);
        using var x = rand(4, 1, 28, 28, generator: new Generator(2));
        using var a = model.forward(x);
        using var b = loaded.forward(x);
        Assert.True(a.equal(b).all().item<bool>());
        Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
    }

    [Fact]
    public void BackboneTransfersWithANewHead()
    {
        using var model = TrainedLikeModel();
        string path = Path.Combine(folder, "m.ckpt");
        Checkpoint.Save(model, path);
        using var downstream = ModelFactory.Create(new ModelSpec("resnet8", 1, 10), seed: 9);
        Checkpoint.LoadBackbone(downstream, path);
        using var x = rand(4, 1, 28, 28, generator: new Generator(2));
        using (no_grad())
        {
            downstream.eval();
            using var fa = model.Features(x);
            using var fb = downstream.Features(x);
            Assert.True(fa.equal(fb).all().item<bool>());
        }
        Assert.Equal(new long[] { 10, 64 }, downstream.Head.weight!.shape);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(20)]
    [InlineData(200)]
    [InlineData(5000)]
    public void TruncatedFileGivesAClearError(int keepBytes)
    {
        using var model = TrainedLikeModel();
        string path = Path.Combine(folder, "m.ckpt");
        Checkpoint.Save(model, path);
        var bytes = File.ReadAllBytes(path);
        string bad = Path.Combine(folder, "bad.ckpt");
        File.WriteAllBytes(bad, bytes[..Math.Min(keepBytes, bytes.Length - 1)]);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(bad));
        Assert.Contains("bad.ckpt", e.Message);
    }

    [Fact]
    public void MissingFileNamesThePath()
    {
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(Path.Combine(folder, "none.ckpt")));
        Assert.Contains("does not exist", e.Message);
    }
}
