using System.CommandLine;
using PriorTransfer.Data;
using PriorTransfer.SelfSupervised;
using PriorTransfer.Serialization;
using PriorTransfer.Workflows;
using Spectre.Console;

namespace PriorTransfer.Cli.Commands;

/// <summary>
/// <c>priortransfer pretrain</c>: pre-training on a task's source part, supervised (cross-entropy on the labels) or
/// self-supervised (<c>--loss simclr</c>: SimCLR on the images alone, then a linear-probe report).
/// </summary>
internal static class PretrainCommand
{
    public static Command Create()
    {
        var supervised = new PretrainOptions().Sgd;
        var simclr = new SimclrOptions();
        var data = CommonOptions.Data();
        var task = CommonOptions.Task();
        var arch = CommonOptions.Architecture();
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var loss = CommonOptions.Loss("Source loss: supervised (cross-entropy on the source labels) or simclr (SimCLR's InfoNCE on the source images, no labels).");
        // Defaults depend on the loss, so an option left out is null and the loss's own default applies.
        var epochs = new Option<int?>("--epochs") { Description = $"Training epochs (default {supervised.Epochs} supervised, {simclr.Epochs} simclr)." };
        var batch = new Option<int?>("--batch-size") { Description = $"Minibatch size in images (default {supervised.BatchSize} supervised, {simclr.BatchSize} simclr: 2 views each)." };
        var lr = new Option<double?>("--lr") { Description = $"Peak learning rate, cosine-annealed (default {supervised.LearningRate} supervised, {simclr.LearningRate} simclr after {simclr.WarmupSteps} warm-up steps)." };
        var wd = new Option<double?>("--weight-decay") { Description = $"L2 weight decay (default {supervised.WeightDecay} supervised, {simclr.WeightDecay} simclr)." };
        var temperature = new Option<double?>("--temperature") { Description = $"NT-Xent temperature τ (simclr only; default {simclr.Temperature})." };
        var output = new Option<string?>("--out")
        {
            Description = "Checkpoint to write (default: runs/<task>/<arch>-source.ckpt, or <arch>-simclr.ckpt with the SimCLR state beside it as .simclr).",
            HelpName = "file",
        };
        var command = new Command("pretrain",
            "Pre-train a network on the task's source part and save a checkpoint: supervised, or SimCLR (--loss simclr) followed by a linear-probe report.")
        {
            data, task, arch, loss, epochs, batch, lr, wd, temperature, seed, output, threads,
        };
        command.SetAction(r => CommandRunner.Run(r.GetValue(threads), ct =>
        {
            var sourceLoss = CommonOptions.ParseLoss(r.GetValue(loss)!);
            if (sourceLoss != PriorLoss.SimClr && r.GetValue(temperature) is not null)
                throw new ArgumentException("--temperature applies to --loss simclr only.");
            using var transferTask = TaskCatalog.Create(r.GetValue(task)!, new DataLocator(r.GetValue(data)));
            return sourceLoss == PriorLoss.SimClr
                ? RunSimclr(r, transferTask, arch, epochs, batch, lr, wd, temperature, seed, output, ct)
                : RunSupervised(r, transferTask, arch, epochs, batch, lr, wd, seed, output, ct);
        }));
        return command;
    }

    private static int RunSupervised(ParseResult r, TransferTask task, Option<string> arch, Option<int?> epochs, Option<int?> batch,
        Option<double?> lr, Option<double?> wd, Option<int> seed, Option<string?> output, CancellationToken ct)
    {
        var defaults = new PretrainOptions();
        var options = defaults with
        {
            Architecture = r.GetValue(arch)!,
            Sgd = defaults.Sgd with
            {
                Epochs = r.GetValue(epochs) ?? defaults.Sgd.Epochs,
                BatchSize = r.GetValue(batch) ?? defaults.Sgd.BatchSize,
                LearningRate = r.GetValue(lr) ?? defaults.Sgd.LearningRate,
                WeightDecay = r.GetValue(wd) ?? defaults.Sgd.WeightDecay,
                Seed = r.GetValue(seed),
            },
        };
        string path = r.GetValue(output) ?? RunPaths.SourceCheckpoint(task.Name, options.Architecture);
        Console.WriteLine($"Pre-training {options.Architecture} on {task.Name} source: {task.SourceTrain.Count:N0} images, {task.SourceTrain.ClassCount} classes.");
        var result = SourcePretraining.Run(task, options, path, new ConsoleProgress(), ct);
        var table = new Table().AddColumns("figure", "value");
        table.AddRow("source test accuracy", $"{result.SourceTest.Accuracy:F4}");
        table.AddRow("source test NLL", $"{result.SourceTest.NegativeLogLikelihood:F4}");
        table.AddRow("training throughput", $"{result.ImagesPerSecond:F0} images/s");
        table.AddRow("training time", $"{result.Elapsed:hh\\:mm\\:ss}");
        table.AddRow("checkpoint", Markup.Escape(result.CheckpointPath));
        AnsiConsole.Write(table);
        return CommandRunner.Ok;
    }

    private static int RunSimclr(ParseResult r, TransferTask task, Option<string> arch, Option<int?> epochs, Option<int?> batch,
        Option<double?> lr, Option<double?> wd, Option<double?> temperature, Option<int> seed, Option<string?> output, CancellationToken ct)
    {
        var defaults = new SimclrPretrainOptions();
        var options = defaults with
        {
            Architecture = r.GetValue(arch)!,
            Simclr = defaults.Simclr with
            {
                Epochs = r.GetValue(epochs) ?? defaults.Simclr.Epochs,
                BatchSize = r.GetValue(batch) ?? defaults.Simclr.BatchSize,
                LearningRate = r.GetValue(lr) ?? defaults.Simclr.LearningRate,
                WeightDecay = r.GetValue(wd) ?? defaults.Simclr.WeightDecay,
                Temperature = r.GetValue(temperature) ?? defaults.Simclr.Temperature,
                Seed = r.GetValue(seed),
            },
            Probe = defaults.Probe with { Seed = r.GetValue(seed) },
        };
        string path = r.GetValue(output) ?? RunPaths.SimclrCheckpoint(task.Name, options.Architecture);
        var s = options.Simclr;
        Console.WriteLine($"SimCLR pre-training of {options.Architecture} on {task.Name} source images (labels unused): {task.SourceTrain.Count:N0} images, " +
            $"{s.Epochs} epochs, batch {s.BatchSize} (×2 views), lr {s.LearningRate}, τ {s.Temperature}. Progress counts images; views are twice that.");
        var result = SimclrPretraining.Run(task, options, path, new ConsoleProgress(), ct);

        var probe = new Table().Title("linear probe on the source classes (frozen features)")
            .AddColumns("features", "dim", "train accuracy", "test accuracy", "test NLL");
        foreach (var row in result.Probe.Rows)
            probe.AddRow(Markup.Escape(ProbeName(row.Features)), $"{row.Dimension}", $"{row.TrainAccuracy:F4}", $"{row.TestAccuracy:F4}", $"{row.TestNll:F4}");
        AnsiConsole.Write(probe);
        var t = result.Training;
        var table = new Table().AddColumns("figure", "value");
        table.AddRow("NT-Xent loss by epoch", string.Join(" ", t.EpochLosses.Select(l => l.ToString("F3", System.Globalization.CultureInfo.InvariantCulture))));
        table.AddRow("training throughput", $"{t.ViewsPerSecond:F0} views/s ({t.ImagesPerSecond:F0} images/s)");
        table.AddRow("training time", $"{t.Elapsed:hh\\:mm\\:ss} ({t.Steps} steps)");
        table.AddRow("total time (with probes)", $"{result.Elapsed:hh\\:mm\\:ss}");
        table.AddRow("checkpoint (backbone + probe head)", Markup.Escape(result.CheckpointPath));
        table.AddRow("SimCLR state (backbone + projection)", Markup.Escape(result.StatePath));
        AnsiConsole.Write(table);
        Console.WriteLine("Next: `learn-prior --loss simclr --checkpoint <checkpoint>` (uses the SimCLR state beside it), or `finetune --checkpoint <checkpoint>`.");
        return CommandRunner.Ok;
    }

    private static string ProbeName(string features) => features == ProbeReport.TrainedBackboneName ? "SimCLR backbone" : features;
}
