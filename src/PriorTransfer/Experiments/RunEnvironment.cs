using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace PriorTransfer.Experiments;

/// <summary>Where a run ran: enough to tell two result lines' machines and software apart.</summary>
public sealed record RunEnvironment(string Machine, int Cores, string Os, string DotNet, string TorchSharp, int Threads)
{
    /// <summary>The current process' environment.</summary>
    public static RunEnvironment Current() => new(
        System.Environment.MachineName,
        System.Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        TorchSharpVersion(),
        global::TorchSharp.torch.get_num_threads());

    private static string TorchSharpVersion()
    {
        var assembly = typeof(global::TorchSharp.torch).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return (informational ?? assembly.GetName().Version?.ToString() ?? "unknown").Split('+')[0];
    }

    /// <summary>
    /// The commit this library was built from (the SDK stamps it into the informational version, "0.1.0+&lt;sha&gt;",
    /// when it builds inside a git repository), so a copied binary run from any folder still names its code;
    /// otherwise <c>git rev-parse HEAD</c> in <paramref name="folder"/> (default: the current folder), with "-dirty"
    /// when tracked files have uncommitted changes, or "unknown".
    /// </summary>
    public static string GitCommit(string? folder = null)
    {
        var informational = typeof(RunEnvironment).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        int plus = informational?.IndexOf('+') ?? -1;
        if (plus >= 0 && informational!.Length - plus - 1 >= 7) return informational[(plus + 1)..];
        string? head = Git("rev-parse HEAD", folder);
        if (head is null || head.Length < 7) return "unknown";
        string? status = Git("status --porcelain --untracked-files=no", folder);
        return string.IsNullOrWhiteSpace(status) ? head : head + "-dirty";
    }

    private static string? Git(string arguments, string? folder)
    {
        try
        {
            var start = new ProcessStartInfo("git", arguments)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                WorkingDirectory = folder ?? System.Environment.CurrentDirectory,
            };
            using var process = Process.Start(start);
            if (process is null) return null;
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit(10_000);
            return process.ExitCode == 0 ? output.Trim() : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return null;
        }
    }
}
