using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace PriorTransfer.Performance;

/// <summary>
/// The PyTorch side of the throughput and layer comparisons: <c>bench/pytorch/bench_resnet.py</c> (embedded in this
/// assembly) run as a long-lived child process in its serve mode. Each <see cref="Run"/> asks it for one block of
/// training steps, each <see cref="RunLayer"/> for one block of a layer's forward + backward passes, and returns the
/// time the script measured itself (excluding the pipe). While the C# side measures, the child waits
/// on its standard input and uses no CPU, so the two sides can be interleaved block by block.
/// </summary>
public sealed class PyTorchReference : IDisposable
{
    /// <summary>The embedded script's resource name.</summary>
    public const string ScriptResource = "PriorTransfer.Performance.bench_resnet.py";

    /// <summary>Debian's python3-torch lives under the system interpreter, not necessarily the one on PATH.</summary>
    public const string DefaultPython = "/usr/bin/python3";

    private readonly Process process;
    private readonly string scriptPath;

    private PyTorchReference(Process process, string scriptPath, string torchVersion, int threads)
    {
        this.process = process;
        this.scriptPath = scriptPath;
        TorchVersion = torchVersion;
        Threads = threads;
    }

    /// <summary>The torch version that runs (from the script's header line).</summary>
    public string TorchVersion { get; }

    /// <summary>torch.get_num_threads() in the child.</summary>
    public int Threads { get; }

    /// <summary>The script's text (as shipped in bench/pytorch/bench_resnet.py).</summary>
    public static string ScriptText()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ScriptResource)
            ?? throw new InvalidOperationException($"The embedded resource {ScriptResource} is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Starts the child with <paramref name="threads"/> threads; throws <see cref="PyTorchUnavailableException"/> saying what is missing.</summary>
    /// <param name="python">The interpreter.</param>
    /// <param name="threads">torch.set_num_threads in the child (and OMP_NUM_THREADS).</param>
    /// <param name="batchSize">Images per step.</param>
    /// <param name="environment">Extra environment variables of the child (e.g. <see cref="NativeAllocator.EnvironmentVariables"/>).</param>
    public static PyTorchReference Start(string python, int threads, int batchSize = 128, IReadOnlyDictionary<string, string>? environment = null)
    {
        var scriptPath = Path.Combine(Path.GetTempPath(), $"priortransfer-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.py");
        File.WriteAllText(scriptPath, ScriptText());
        var info = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(scriptPath);
        info.ArgumentList.Add("--threads");
        info.ArgumentList.Add(threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        info.ArgumentList.Add("--batch");
        info.ArgumentList.Add(batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        info.ArgumentList.Add("--serve");
        info.Environment["OMP_NUM_THREADS"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new PyTorchUnavailableException($"Could not start {python}.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            File.Delete(scriptPath);
            throw new PyTorchUnavailableException($"Could not start '{python}' for the PyTorch comparison ({e.Message}). Pass --python with an interpreter that has torch.", e);
        }
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        var line = process.StandardOutput.ReadLine();
        if (line is null)
        {
            process.WaitForExit();
            File.Delete(scriptPath);
            string message;
            lock (stderr) message = stderr.ToString().Trim();
            throw new PyTorchUnavailableException($"'{python}' could not run the PyTorch reference (is torch installed for it? Debian: apt install python3-torch, then --python /usr/bin/python3): {LastLine(message)}");
        }
        using var header = JsonDocument.Parse(line);
        var version = header.RootElement.GetProperty("torch").GetString() ?? "?";
        var childThreads = header.RootElement.GetProperty("threads").GetInt32();
        return new PyTorchReference(process, scriptPath, version, childThreads);
    }

    /// <summary>
    /// One block: a fresh optimiser and <paramref name="steps"/> steps of <paramref name="architecture"/>, timed by the
    /// child; with <paramref name="channelsLast"/> the stages run on channels-last activations (as CifarResNet does).
    /// </summary>
    public BlockTime Run(string architecture, int steps, bool channelsLast = false) => Ask(StepsRequest(architecture, steps, channelsLast));

    /// <summary>
    /// One block of <paramref name="repetitions"/> forward + backward passes of <paramref name="layer"/> on a batch of
    /// the child's batch size, timed by the child after <paramref name="warmup"/> untimed ones (the same work as
    /// <see cref="LayerWorkload.Block"/>).
    /// </summary>
    public BlockTime RunLayer(LayerCase layer, int repetitions, int warmup = 0) => Ask(LayerRequest(layer, repetitions, warmup));

    /// <summary>The serve protocol's request for a block of training steps: <c>&lt;arch&gt; &lt;steps&gt; [cl]</c>.</summary>
    public static string StepsRequest(string architecture, int steps, bool channelsLast = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(architecture);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{architecture} {steps}{(channelsLast ? " cl" : "")}");
    }

    /// <summary>The serve protocol's request for a block of one layer's passes: <c>layer &lt;case&gt; &lt;reps&gt; [&lt;warmup&gt;]</c>.</summary>
    public static string LayerRequest(LayerCase layer, int repetitions, int warmup = 0)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"layer {layer.Name} {repetitions}{(warmup == 0 ? "" : $" {warmup}")}");
    }

    private BlockTime Ask(string request)
    {
        process.StandardInput.WriteLine(request);
        process.StandardInput.Flush();
        var line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("The PyTorch reference exited unexpectedly.");
        using var answer = JsonDocument.Parse(line);
        var root = answer.RootElement;
        if (root.GetProperty("kind").GetString() != "result")
            throw new InvalidOperationException($"The PyTorch reference failed: {root.GetProperty("message").GetString()}");
        return new BlockTime(root.GetProperty("seconds").GetDouble(), root.GetProperty("cpu_seconds").GetDouble());
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.StandardInput.WriteLine("quit");
                process.StandardInput.Flush();
                if (!process.WaitForExit(10_000)) process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (IOException)
        {
        }
        process.Dispose();
        try
        {
            File.Delete(scriptPath);
        }
        catch (IOException)
        {
        }
    }

    private static string LastLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 0 ? "(no output)" : lines[^1].Trim();
    }
}

/// <summary>The PyTorch reference could not run: no such interpreter, or no torch for it.</summary>
public sealed class PyTorchUnavailableException : Exception
{
    public PyTorchUnavailableException(string message) : base(message)
    {
    }

    public PyTorchUnavailableException(string message, Exception inner) : base(message, inner)
    {
    }
}
