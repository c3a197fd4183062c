using System.Diagnostics;
using System.Text;

namespace PriorTransfer.Tests.Reliability;

/// <summary>What a finished CLI run printed.</summary>
public sealed record CliResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    public IEnumerable<string> AllLines =>
        (StandardOutput + "\n" + StandardError).Split('\n').Select(l => l.TrimEnd('\r'));

    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:F1} s\n--- stdout\n{StandardOutput}\n--- stderr\n{StandardError}";
}

/// <summary>
/// Runs <c>priortransfer</c> as a child process: the CLI's build output is copied next to the tests by the project
/// reference, so the child uses the same (patched) native libraries as the tests.
/// </summary>
public static class CliProcess
{
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "PriorTransfer.Cli.dll");

    public static Process Start(string workingDirectory, params string[] args)
    {
        Assert.True(File.Exists(CliDll), $"the CLI is not next to the tests: {CliDll}");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(CliDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["NO_COLOR"] = "1";
        info.Environment.Remove("PRIORTRANSFER_DATA");
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return Process.Start(info) ?? throw new InvalidOperationException("could not start the CLI");
    }

    public static CliResult Run(string workingDirectory, params string[] args)
    {
        var clock = Stopwatch.StartNew();
        using var process = Start(workingDirectory, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill();
            Assert.Fail($"priortransfer {string.Join(' ', args)} did not finish within 3 minutes.");
        }
        process.WaitForExit();
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result, clock.Elapsed);
    }
}
