using System.Text.RegularExpressions;
using PriorTransfer.Models;
using PriorTransfer.Tests.Data;
using Xunit.Abstractions;

namespace PriorTransfer.Tests.Reliability;

/// <summary>
/// User errors through the real command line: exit code 1, exactly one <c>error:</c> line on stderr that says what is
/// wrong, and no stack trace.
/// </summary>
public sealed partial class CliErrorTests(Workspace workspace, ITestOutputHelper output) : IClassFixture<Workspace>
{
    /// <summary>(case, arguments with {data}, {ckpt}, {prior}, {file}, {dir} placeholders, fragments of the error line).</summary>
    public static TheoryData<string, string, string> Cases => new()
    {
        { "unknown-task", "finetune --task nope --from-scratch", "Unknown task 'nope'|fashion-split" },
        { "missing-checkpoint", "evaluate --checkpoint {dir}/none.ckpt --data {data}", "none.ckpt|does not exist" },
        { "corrupt-checkpoint", "evaluate --checkpoint {garbage} --data {data}", "garbage.ckpt|not a PriorTransfer checkpoint" },
        { "truncated-checkpoint", "evaluate --checkpoint {cut} --data {data}", "cut.ckpt|truncated or corrupt" },
        { "prior-as-checkpoint", "finetune --checkpoint {prior} --data {data}", "resnet8.prior.safetensors|not a checkpoint" },
        { "n-not-divisible", "finetune --from-scratch --n 7 --data {data}", "n = 7|multiple of the 5 classes" },
        { "unknown-option", "finetune --from-scratch --bogus", "Unrecognized command or argument '--bogus'|priortransfer finetune --help" },
        { "bad-option-value", "finetune --from-scratch --n many", "Cannot parse argument 'many' for option '--n'" },
        { "unknown-method", "finetune --method nope --data {data}", "unknown method 'nope'|map-learned" },
        { "unknown-command", "learn-everything", "Unrecognized command or argument 'learn-everything'|priortransfer --help" },
        { "negative-seed", "finetune --from-scratch --seed -1 --data {data}", "seed must be ≥ 0; got -1" },
        { "nan-learning-rate", "finetune --from-scratch --lr NaN --data {data}", "learning rate must be positive and finite; got NaN" },
        { "zero-threads", "pretrain --threads 0 --data {data}", "--threads must be at least 1; got 0" },
        { "output-under-a-file", "pretrain --data {data} --out {file}/x.ckpt", "x.ckpt|is a file, not a folder" },
        { "missing-idx-folder", "finetune --from-scratch --task idx:{dir}/no-such-folder", "no-such-folder|was not found" },
        { "downstream-only-task-pretrain", "pretrain --task idx:{idx}", "is downstream-only|fashion-to-digits" },
        { "learn-prior-rank-zero", "learn-prior --checkpoint {ckpt} --rank 0 --data {data}", "rank K must be at least 1; got 0" },
        { "inspect-prior-given-a-checkpoint", "inspect-prior {ckpt}", "resnet8.ckpt|not a prior file|--checkpoint" },
        { "inspect-prior-truncated", "inspect-prior {cutprior}", "cut.safetensors|truncated data" },
        { "pretrain-unknown-loss", "pretrain --loss contrastive --data {data}", "'contrastive'|supervised|simclr" },
        { "pretrain-temperature-without-simclr", "pretrain --temperature 0.2 --data {data}", "--temperature applies to --loss simclr only" },
        { "learn-prior-unknown-loss", "learn-prior --checkpoint {ckpt} --loss byol --data {data}", "'byol'|supervised|simclr" },
        { "learn-prior-simclr-from-supervised-checkpoint", "learn-prior --checkpoint {ckpt} --loss simclr --data {data}", "resnet8.ckpt|supervised loss|pretrain --loss simclr" },
        { "finetune-prior-without-swa-checkpoint", "finetune --method map-learned --checkpoint {ckpt} --prior {prior} --data {data}", "no SWA-mean checkpoint beside it" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void UserErrorGivesOneErrorLineAndNoStackTrace(string name, string arguments, string fragments)
    {
        var result = CliProcess.Run(workspace.NewFolder("cwd"), Expand(arguments));
        output.WriteLine($"{name}: {result}");
        Assert.Equal(1, result.ExitCode);
        var errorLines = result.AllLines.Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(errorLines);
        Assert.StartsWith("error:", result.StandardError.TrimStart());
        Assert.DoesNotContain("error:", result.StandardOutput);
        foreach (var fragment in fragments.Split('|')) Assert.Contains(fragment, line);
        Assert.DoesNotContain(result.AllLines, l => StackFrame().IsMatch(l));
        Assert.DoesNotContain("Exception", result.StandardOutput + result.StandardError);
        // The one line is the whole message, except for a missing dataset's indented list of the places searched.
        var rest = result.StandardError.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0 && !l.StartsWith("error:", StringComparison.Ordinal));
        Assert.All(rest, l => Assert.True(l.StartsWith("  ", StringComparison.Ordinal) || l.StartsWith("To install it:", StringComparison.Ordinal), $"unexpected stderr line: {l}"));
    }

    [Fact]
    public void HelpAndASuccessfulCommandExitWithZero()
    {
        var help = CliProcess.Run(workspace.NewFolder("cwd"), "finetune", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--from-scratch", help.StandardOutput);
        Assert.Equal("", help.StandardError);
    }

    [Theory]
    [InlineData("pretrain")]
    [InlineData("learn-prior")]
    public void TheSourceLossIsAnOptionOfPretrainAndLearnPrior(string command)
    {
        var help = CliProcess.Run(workspace.NewFolder("cwd"), command, "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--loss", help.StandardOutput);
        Assert.Contains("simclr", help.StandardOutput);
    }

    private string[] Expand(string arguments)
    {
        var map = new Dictionary<string, Func<string>>
        {
            ["{data}"] = () => FakeData.Value,
            ["{dir}"] = () => workspace.NewFolder("dir"),
            ["{ckpt}"] = () => workspace.ValidCheckpoint,
            ["{prior}"] = () => workspace.ValidPrior,
            ["{file}"] = () => workspace.RegularFile,
            ["{garbage}"] = () => workspace.WriteBytes("garbage.ckpt", "definitely not a checkpoint"u8.ToArray()),
            ["{cut}"] = () =>
            {
                var bytes = File.ReadAllBytes(workspace.ValidCheckpoint);
                return workspace.WriteBytes("cut.ckpt", bytes[..(bytes.Length * 2 / 3)]);
            },
            ["{cutprior}"] = () =>
            {
                var bytes = File.ReadAllBytes(workspace.ValidPrior);
                return workspace.WriteBytes("cut.safetensors", bytes[..(bytes.Length - 100)]);
            },
            ["{idx}"] = () =>
            {
                string folder = workspace.NewFolder("idx");
                TestFiles.WriteIdxSplit(folder, "train", TestFiles.Labels(2, 3));
                TestFiles.WriteIdxSplit(folder, "t10k", TestFiles.Labels(2, 1));
                return folder;
            },
        };
        return arguments.Split(' ').Select(a =>
        {
            foreach (var (key, value) in map)
                if (a.Contains(key, StringComparison.Ordinal)) a = a.Replace(key, value(), StringComparison.Ordinal);
            return a;
        }).ToArray();
    }

    private Lazy<string> FakeData => fakeData ??= new(() =>
    {
        string data = workspace.NewFolder("data");
        TestFiles.WriteFakeFashionMnist(Path.Combine(data, "fashion-mnist"));
        return data;
    });

    private Lazy<string>? fakeData;

    [GeneratedRegex(@"^\s+at \S")]
    private static partial Regex StackFrame();
}
