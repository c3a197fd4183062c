using PriorTransfer.Metrics;
using System.CommandLine;
using PriorTransfer.Data;
using PriorTransfer.SelfSupervised;
using PriorTransfer.Serialization;
using PriorTransfer.Workflows;
using Spectre.Console;

namespace PriorTransfer.Cli.Commands;

/// <summary><c>priortransfer learn-prior</c>: SWAG on the source loss → a prior file.</summary>
internal static class LearnPriorCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var task = CommonOptions.Task();
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var checkpoint = new Option<string>("--checkpoint")
        {
            Description = "Pre-trained checkpoint (from `pretrain`; with --loss simclr, from `pretrain --loss simclr`, whose .simclr state beside it holds the projection head, or that state file itself).",
            Required = true, HelpName = "file",
        };
        var rank = new Option<int>("--rank") { Description = "Rank K of the covariance's low-rank part.", DefaultValueFactory = _ => 20 };
        var snapshots = new Option<int?>("--snapshots") { Description = "SWAG snapshots (default K + 1: a rank-K factor needs more than K)." };
        var every = new Option<int>("--steps-per-snapshot") { Description = "SGD steps between two snapshots.", DefaultValueFactory = _ => 100 };
        var lr = new Option<double>("--lr") { Description = "Constant SWAG learning rate.", DefaultValueFactory = _ => 0.01 };
        var loss = CommonOptions.Loss("Source loss SWAG runs on: supervised (cross-entropy on the source labels) or simclr (SimCLR's InfoNCE on the source images; the projection head is left out of the prior).");
        var output = new Option<string?>("--out") { Description = "Prior file to write (default: runs/<task>/<arch>-<loss>.prior).", HelpName = "file" };
        var command = new Command("learn-prior", "Learn a prior with SWAG on the source loss, starting from a pre-trained checkpoint, and save it as a prior file.")
        {
            data, task, checkpoint, rank, snapshots, every, lr, loss, seed, output, threads,
        };
        command.SetAction(r => CommandRunner.Run(r.GetValue(threads), ct =>
        {
            using var transferTask = TaskCatalog.Create(r.GetValue(task)!, new DataLocator(r.GetValue(data)));
            var sourceLoss = CommonOptions.ParseLoss(r.GetValue(loss)!);
            var options = new PriorLearningOptions
            {
                Rank = r.GetValue(rank), Snapshots = r.GetValue(snapshots), StepsPerSnapshot = r.GetValue(every),
                LearningRate = r.GetValue(lr), Loss = sourceLoss, Seed = r.GetValue(seed),
            };
            options.Validate();
            string ckpt = r.GetValue(checkpoint)!;
            string architecture = sourceLoss == PriorLoss.SimClr
                ? SimclrCheckpoint.ReadHeader(PriorLearning.SimclrStatePath(ckpt)).Spec.Architecture
                : Models.Checkpoint.ReadHeader(ckpt).Spec.Architecture;
            string path = r.GetValue(output) ?? Path.Combine(RunPaths.TaskFolder(transferTask.Name), $"{architecture}-{r.GetValue(loss)}.prior");
            Console.WriteLine($"SWAG on the {r.GetValue(loss)} loss of {transferTask.Name} source: rank {options.Rank}, {options.SnapshotCount} snapshots every {options.StepsPerSnapshot} steps at lr {options.LearningRate}.");
            var result = PriorLearning.Run(transferTask, ckpt, options, path, new ConsoleProgress(), ct);
            PriorTables.Write(result.Summary);
            string head = sourceLoss == PriorLoss.SimClr ? " (linear probe refitted on the SWA mean's features)" : "";
            Console.WriteLine($"SWA mean on the source test set{head}: accuracy {result.SwaSourceTest.Accuracy:F4}, NLL {result.SwaSourceTest.NegativeLogLikelihood:F4}; SWAG took {result.Elapsed:hh\\:mm\\:ss}.");
            Console.WriteLine($"Prior: {result.PriorPath}");
            Console.WriteLine($"SWA-mean checkpoint (start of downstream methods with this prior): {result.SwaCheckpointPath}");
            if (sourceLoss == PriorLoss.SimClr)
                Console.WriteLine($"SimCLR state of the SWA mean (with the projection head): {SimclrPretraining.StatePathFor(result.SwaCheckpointPath)}");
            return CommandRunner.Ok;
        }));
        return command;
    }
}
