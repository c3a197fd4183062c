using PriorTransfer.Data;
using PriorTransfer.Models;
using PriorTransfer.Training;
using Spectre.Console;
using TorchSharp;

namespace PriorTransfer.Cli;

/// <summary>
/// Runs a command body: sets the thread count, turns Ctrl+C into cancellation, and maps failures to exit codes.
/// User errors (bad input, missing data, a diverged run) print one clear message and no stack trace.
/// </summary>
internal static class CommandRunner
{
    public const int Ok = 0;
    public const int UserError = 1;
    public const int Interrupted = 130;
    public const int InternalError = 70;

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
        try
        {
            if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), $"--threads must be at least 1; got {threads}.");
            torch.set_num_threads(threads);
            return body(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("Interrupted. Files already written are complete; nothing half-written was left behind.");
            return Interrupted;
        }
        catch (Exception e) when (IsUserError(e))
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return UserError;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static bool IsUserError(Exception e) => e is ArgumentException or DataFormatException or DatasetNotFoundException
        or CheckpointException or TrainingDivergedException or Serialization.PriorFileException or Parameters.LayoutMismatchException or FileNotFoundException or DirectoryNotFoundException
        or UnauthorizedAccessException;
}
