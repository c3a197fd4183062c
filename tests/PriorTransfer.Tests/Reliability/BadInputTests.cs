using System.Buffers.Binary;
using PriorTransfer.Models;
using PriorTransfer.Parameters;
using PriorTransfer.Serialization;
using Xunit.Abstractions;

namespace PriorTransfer.Tests.Reliability;

/// <summary>
/// Issue 9's bad-input suite: every row of <see cref="BadInputCases"/> must raise exactly its exception type with a
/// message that names the problem (and, where one exists, the file) and says what to do.
/// </summary>
public sealed class BadInputTests(Workspace workspace, ITestOutputHelper output) : IClassFixture<Workspace>
{
    public static TheoryData<string> CaseNames => [.. BadInputCases.All.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void IsRejectedWithASpecificMessage(string name)
    {
        var bad = BadInputCases.ByName[name];
        var e = Assert.Throws(bad.Exception, () => bad.Act(workspace));
        output.WriteLine(e.Message);
        foreach (var fragment in bad.Fragments)
            Assert.True(e.Message.Contains(fragment, StringComparison.OrdinalIgnoreCase), $"'{fragment}' is not in: {e.Message}");
    }

    [Fact]
    public void CaseNamesAreUniqueAndEveryKindIsCovered()
    {
        Assert.Equal(BadInputCases.All.Count, BadInputCases.ByName.Count);
        var kinds = BadInputCases.All.GroupBy(c => c.Name.Split('/')[0]).ToDictionary(g => g.Key, g => g.Count());
        foreach (var kind in new[] { "prior", "checkpoint", "dataset", "options", "output", "sampler" })
            Assert.True(kinds.GetValueOrDefault(kind) >= 5, $"{kind}: {kinds.GetValueOrDefault(kind)} cases");
        output.WriteLine(string.Join(", ", kinds.Select(k => $"{k.Key} {k.Value}")) + $"; total {BadInputCases.All.Count}");
    }

    /// <summary>
    /// Random bytes, random mutations and truncations of a real resnet8 prior, loaded against a resnet8: only the two
    /// documented exception types may come out, never an IndexOutOfRange, OverflowException or native error.
    /// </summary>
    [Fact]
    public void FuzzedPriorFilesOnlyRaiseDocumentedErrors()
    {
        var valid = File.ReadAllBytes(workspace.ValidPrior);
        long headerEnd = 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        using var model = ModelFactory.Create(Workspace.Resnet8, seed: 0);
        var random = new Random(2026);
        string folder = workspace.NewFolder("fuzz");
        int accepted = 0;
        for (int i = 0; i < 150; i++)
        {
            byte[] bytes = (i % 3) switch
            {
                0 => RandomBytes(random),
                1 => Mutate(valid, random, headerEnd),
                _ => valid[..random.Next(valid.Length)],
            };
            string path = Path.Combine(folder, $"{i}.safetensors");
            File.WriteAllBytes(path, bytes);
            try
            {
                using var contents = PriorFile.Load(path, model);
                accepted++;   // a mutated data byte can still be a valid prior
            }
            catch (Exception e) when (e is PriorFileException or LayoutMismatchException)
            {
                Assert.Contains(path, e.Message);
            }
        }
        output.WriteLine($"{accepted} of 150 fuzzed files were valid priors");
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 600)];
        random.NextBytes(bytes);
        if (bytes.Length > 16 && random.Next(2) == 0)
        {
            // A plausible header length and an opening brace, to get past the first checks.
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)random.Next(1, bytes.Length - 8));
            bytes[8] = (byte)'{';
        }
        return bytes;
    }

    /// <summary>1–4 random bytes replaced, mostly inside the JSON header where they matter most.</summary>
    private static byte[] Mutate(byte[] valid, Random random, long headerEnd)
    {
        var bytes = (byte[])valid.Clone();
        int flips = random.Next(1, 5);
        for (int f = 0; f < flips; f++)
        {
            int at = random.Next(4) == 0 ? random.Next(bytes.Length) : random.Next(0, (int)headerEnd);
            bytes[at] = (byte)random.Next(256);
        }
        return bytes;
    }
}
