using System.Text;
using PriorTransfer.Experiments;

namespace PriorTransfer.Tests.Experiments;

public sealed class ResultsStoreTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("priortransfer-results-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void AppendedRunsReadBackCompletely()
    {
        var store = ResultsStore.Open(folder);
        var a = SyntheticResults.Record("data-efficiency", "finetune", 10, 0, 0.5);
        var b = SyntheticResults.Record("scale", "map-learned", 10, 0, 0.6, extra: new() { ["lambda"] = "100" });
        store.Append(a);
        store.Append(b);
        var read = ResultsStore.Read(store.Path);
        Assert.Equal([a.Key, b.Key], read.Select(r => r.Key));
        Assert.Equal(0.6, read[1].Metrics["accuracy"]);
        Assert.Equal("100", read[1].Extra["lambda"]);
        Assert.Equal(2, read[0].Reliability.Count);
        Assert.Equal(2, File.ReadAllLines(store.Path).Length);
        Assert.Throws<InvalidOperationException>(() => store.Append(a));
    }

    [Fact]
    public void AKilledWriteLeavesAValidFile()
    {
        var store = ResultsStore.Open(folder);
        store.Append(SyntheticResults.Record("data-efficiency", "finetune", 10, 0, 0.5));
        store.Append(SyntheticResults.Record("data-efficiency", "finetune", 10, 1, 0.6));
        // A kill in the middle of the third line's write: half a line, no newline.
        string third = System.Text.Json.JsonSerializer.Serialize(SyntheticResults.Record("data-efficiency", "finetune", 10, 2, 0.7), ResultsStore.JsonOptions);
        File.AppendAllText(store.Path, third[..(third.Length / 2)], Encoding.UTF8);

        Assert.Equal(2, ResultsStore.Read(store.Path).Count);   // readers ignore the partial line
        var reopened = ResultsStore.Open(folder);                 // the writer cuts it off
        Assert.Equal(2, reopened.Records.Count);
        Assert.EndsWith("\n", File.ReadAllText(store.Path));
        reopened.Append(SyntheticResults.Record("data-efficiency", "finetune", 10, 2, 0.7));
        Assert.Equal(3, ResultsStore.Read(store.Path).Count);
        Assert.All(File.ReadAllLines(store.Path), line => Assert.StartsWith("{", line));
    }

    [Fact]
    public void ACorruptCompleteLineIsAnErrorNamingTheLine()
    {
        var store = ResultsStore.Open(folder);
        store.Append(SyntheticResults.Record("data-efficiency", "finetune", 10, 0, 0.5));
        File.AppendAllText(store.Path, "not json\n");
        var e = Assert.Throws<InvalidDataException>(() => ResultsStore.Read(store.Path));
        Assert.Contains("line 2", e.Message);
    }
}
