using PriorTransfer.Metrics;
using System.CommandLine;
using PriorTransfer.Data;
using PriorTransfer.Training;
using PriorTransfer.Workflows;
using Spectre.Console;

namespace PriorTransfer.Cli.Commands;

/// <summary><c>priortransfer pretrain</c>: supervised pre-training on a task's source part.</summary>
internal static class PretrainCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var task = CommonOptions.Task();
        var arch = CommonOptions.Architecture();
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => 5 };
        var batch = new Option<int>("--batch-size") { Description = "Minibatch size.", DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "Initial learning rate (cosine-annealed to 0).", DefaultValueFactory = _ => 0.1 };
        var wd = new Option<double>("--weight-decay") { Description = "L2 weight decay.", DefaultValueFactory = _ => 5e-4 };
        var output = new Option<string?>("--out") { Description = "Checkpoint to write (default: runs/<task>/<arch>-source.ckpt).", HelpName = "file" };
        var command = new Command("pretrain", "Pre-train a network with cross-entropy on the task's source classes and save a checkpoint.")
        {
            data, task, arch, epochs, batch, lr, wd, seed, output, threads,
        };
        command.SetAction(r => CommandRunner.Run(r.GetValue(threads), ct =>
        {
            using var transferTask = TaskCatalog.Create(r.GetValue(task)!, new DataLocator(r.GetValue(data)));
            var options = new PretrainOptions
            {
                Architecture = r.GetValue(arch)!,
                Sgd = new SgdOptions
                {
                    Epochs = r.GetValue(epochs), BatchSize = r.GetValue(batch), LearningRate = r.GetValue(lr),
                    WeightDecay = r.GetValue(wd), Seed = r.GetValue(seed),
                },
            };
            string path = r.GetValue(output) ?? RunPaths.SourceCheckpoint(transferTask.Name, options.Architecture);
            Console.WriteLine($"Pre-training {options.Architecture} on {transferTask.Name} source: {transferTask.SourceTrain.Count:N0} images, {transferTask.SourceTrain.ClassCount} classes.");
            var result = SourcePretraining.Run(transferTask, options, path, new ConsoleProgress(), ct);
            var table = new Table().AddColumns("figure", "value");
            table.AddRow("source test accuracy", $"{result.SourceTest.Accuracy:F4}");
            table.AddRow("source test NLL", $"{result.SourceTest.NegativeLogLikelihood:F4}");
            table.AddRow("training throughput", $"{result.ImagesPerSecond:F0} images/s");
            table.AddRow("training time", $"{result.Elapsed:hh\\:mm\\:ss}");
            table.AddRow("checkpoint", Markup.Escape(result.CheckpointPath));
            AnsiConsole.Write(table);
            return CommandRunner.Ok;
        }));
        return command;
    }
}
