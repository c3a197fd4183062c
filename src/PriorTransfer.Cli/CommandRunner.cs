using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using PriorTransfer.Data;
using PriorTransfer.IO;
using PriorTransfer.Models;
using PriorTransfer.Parameters;
using PriorTransfer.Performance;
using PriorTransfer.Serialization;
using PriorTransfer.Training;
using TorchSharp;

namespace PriorTransfer.Cli;

/// <summary>
/// Runs a command body: sets the thread count and the native allocator's policy, turns Ctrl+C and SIGTERM into
/// cancellation (the run stops after the current step or batch), and maps failures to exit codes.
/// User errors (bad input, missing data, a file that cannot be written, a diverged run) print one line
/// <c>error: …</c> on stderr and no stack trace, exit code 1; command-line syntax errors do the same. Anything else
/// is a bug: it prints the stack trace and exits with 70.
/// </summary>
internal static partial class CommandRunner
{
    public const int Ok = 0;
    public const int UserError = 1;
    public const int Interrupted = 130;
    public const int InternalError = 70;

    /// <summary>Parses and runs the command line; syntax errors become one <c>error:</c> line instead of the help text.</summary>
    public static int Invoke(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count == 0) return parse.Invoke();
        var command = parse.CommandResult.Command;
        string help = command is RootCommand ? "priortransfer --help" : $"priortransfer {command.Name} --help";
        WriteError($"{string.Join(" ", parse.Errors.Select(e => Whitespace().Replace(e.Message, " ").Trim()))} Run `{help}` for the valid options.");
        return UserError;
    }

    public static int Run(int threads, Func<CancellationToken, int> body)
    {
        using var cancellation = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
            Console.Error.WriteLine();
            Console.Error.WriteLine("Interrupted: stopping after the current step…");
        };
        Console.CancelKeyPress += onCancel;
        // `kill` (and a background job, where the shell ignores SIGINT) stops as gracefully as Ctrl+C.
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            cancellation.Cancel();
            Console.Error.WriteLine("Terminated: stopping after the current step…");
        });
        try
        {
            if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), $"--threads must be at least 1; got {threads}.");
            torch.set_num_threads(threads);
            // Without this, every step's activations are fresh mmaps, and on this kind of VM a training run spent 40 %
            // of its CPU time in the kernel on page faults (see NativeAllocator). `bench --malloc default` undoes it.
            NativeAllocator.RetainFreedMemory();
            Nnpack.Disable();   // unsupported on many CPUs, where libtorch logs a warning per convolution instead
            return body(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("Interrupted. Files already written are complete; nothing half-written was left behind.");
            return Interrupted;
        }
        catch (Exception e) when (IsUserError(e))
        {
            WriteError(UserMessage(e));
            return UserError;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"internal error: {e}");
            Console.Error.WriteLine("This is a bug in PriorTransfer; please report it with the command line and the text above.");
            return InternalError;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>
    /// The message a user sees: one line (a missing dataset keeps its indented list of the places searched), without
    /// .NET's " (Parameter 'x')" and "Actual value was …" decorations.
    /// </summary>
    internal static string UserMessage(Exception e)
    {
        string message = e.Message;
        if (e is ArgumentException argument && !string.IsNullOrEmpty(argument.ParamName))
        {
            string decoration = $" (Parameter '{argument.ParamName}')";
            int at = message.IndexOf(decoration, StringComparison.Ordinal);
            if (at >= 0) message = message[..at];
            if (e is ArgumentOutOfRangeException { ActualValue: { } actual } && !message.Contains(actual.ToString() ?? "", StringComparison.Ordinal))
                message = $"{message.TrimEnd()} (got {actual})";
        }
        return e is DatasetNotFoundException ? message.TrimEnd() : Whitespace().Replace(message, " ").Trim();
    }

    /// <summary>Writes <c>error: message</c> to stderr, in red on a terminal.</summary>
    internal static void WriteError(string message)
    {
        bool color = !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;
        Console.Error.WriteLine(color ? $"\u001b[31merror:\u001b[0m {message}" : $"error: {message}");
    }

    // IOException covers DataFormatException, DatasetNotFoundException and OutputPathException, and the environment's
    // own failures (disk full, permissions) that a user fixes without a stack trace.
    private static bool IsUserError(Exception e) => e is ArgumentException or IOException or CheckpointException
        or PriorFileException or LayoutMismatchException or TrainingDivergedException or UnauthorizedAccessException
        or TaskHasNoSourceException;

    [GeneratedRegex(@"\s*\r?\n\s*")]
    private static partial Regex Whitespace();
}
