using System.CommandLine;
using PriorTransfer.Data;
using PriorTransfer.Training;
using PriorTransfer.Workflows;

namespace PriorTransfer.Cli.Commands;

/// <summary><c>priortransfer finetune</c>: train on n downstream images and report test accuracy and NLL.</summary>
internal static class FinetuneCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var task = CommonOptions.Task();
        var arch = CommonOptions.Architecture();
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var n = new Option<int>("--n") { Description = "Downstream training images (balanced over classes).", DefaultValueFactory = _ => 100 };
        var method = new Option<string>("--method") { Description = "Downstream method: finetune.", DefaultValueFactory = _ => "finetune" };
        method.AcceptOnlyFromAmong("finetune");
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Pre-trained checkpoint (from `pretrain`).", HelpName = "file" };
        var scratch = new Option<bool>("--from-scratch") { Description = "Start from random weights instead of a checkpoint." };
        var steps = new Option<int>("--steps") { Description = "SGD steps.", DefaultValueFactory = _ => 300 };
        var batch = new Option<int>("--batch-size") { Description = "Minibatch size (capped at n).", DefaultValueFactory = _ => 64 };
        var lr = new Option<double>("--lr") { Description = "Initial learning rate (cosine-annealed).", DefaultValueFactory = _ => 0.01 };
        var wd = new Option<double>("--weight-decay") { Description = "L2 weight decay.", DefaultValueFactory = _ => 5e-4 };
        var command = new Command("finetune", "Fine-tune on n downstream images (new head) and report test accuracy and NLL.")
        {
            data, task, n, seed, method, checkpoint, scratch, arch, steps, batch, lr, wd, threads,
        };
        command.SetAction(r => CommandRunner.Run(r.GetValue(threads), ct =>
        {
            string? ckpt = r.GetValue(checkpoint);
            bool fromScratch = r.GetValue(scratch);
            if (ckpt is null && !fromScratch)
                throw new ArgumentException("give a pre-trained --checkpoint (from `priortransfer pretrain`) or --from-scratch.");
            if (ckpt is not null && fromScratch)
                throw new ArgumentException("--checkpoint and --from-scratch exclude each other.");
            using var transferTask = TaskCatalog.Create(r.GetValue(task)!, new DataLocator(r.GetValue(data)));
            var options = new FineTuneOptions
            {
                Checkpoint = ckpt,
                Architecture = r.GetValue(arch)!,
                Sgd = new SgdOptions { Steps = r.GetValue(steps), BatchSize = r.GetValue(batch), LearningRate = r.GetValue(lr), WeightDecay = r.GetValue(wd) },
            };
            var result = FineTuning.Run(transferTask, r.GetValue(n), r.GetValue(seed), options, new ConsoleProgress(), ct);
            ResultTables.Write([result]);
            return CommandRunner.Ok;
        }));
        return command;
    }
}
