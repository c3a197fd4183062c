using System.CommandLine;
using PriorTransfer.Data;
using PriorTransfer.IO;
using PriorTransfer.Workflows;

namespace PriorTransfer.Cli.Commands;

/// <summary><c>priortransfer finetune</c>: one downstream method on n images, tuned on the validation holdout, tested.</summary>
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
        var method = new Option<string>("--method") { Description = $"Downstream method: {DownstreamMethods.Ids}.", DefaultValueFactory = _ => "finetune", HelpName = "id" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Pre-trained checkpoint (from `pretrain`).", HelpName = "file" };
        var prior = new Option<string?>("--prior") { Description = "Learned prior file (from `learn-prior`), for methods with a learned prior.", HelpName = "file" };
        var scratch = new Option<bool>("--from-scratch") { Description = "Start from random weights (same as --method from-scratch)." };
        var tune = new Option<string>("--tune") { Description = "Tuning on the validation holdout: none (use --lr/--lambda/...), quick (3 configurations), full (6).", DefaultValueFactory = _ => "none" };
        tune.AcceptOnlyFromAmong("none", "quick", "full");
        var lr = new Option<double>("--lr") { Description = "Learning rate (without --tune).", DefaultValueFactory = _ => 0.01 };
        var wd = new Option<double>("--weight-decay") { Description = "L2 weight decay for methods without a prior (without --tune).", DefaultValueFactory = _ => 5e-4 };
        var lambda = new Option<double>("--lambda") { Description = "Prior scale λ (covariance λΣ), or the zero-mean prior's variance (without --tune).", DefaultValueFactory = _ => 1e6 };
        var headVariance = new Option<double>("--head-variance") { Description = "Variance of the head's zero-mean isotropic prior.", DefaultValueFactory = _ => 1.0 };
        var temperature = new Option<double>("--temperature") { Description = "Posterior temperature T of the samplers (without --tune).", DefaultValueFactory = _ => 1e-3 };
        var precondition = new Option<bool?>("--precondition") { Description = "MAP methods: step along M·∇ with M = λΣ(λΣ + c·I)⁻¹, c = lr/N, stable at every λ (docs/conventions.md). On by default for MAP; `--precondition false` for plain SGD steps.", HelpName = "true|false" };
        var steps = new Option<int>("--steps") { Description = "SGD/MAP steps per fit.", DefaultValueFactory = _ => new DownstreamBudget().Steps };
        var samplerSteps = new Option<int>("--sampler-steps") { Description = "Steps of a cyclical sampler run (10 cycles, one BMA sample each). From n ≈ 1000 on, 500 leaves the samples short of MAP and the BMA underconfident; 1500 fixed that in docs/results.md's diagnostic runs, at 3× the time.", DefaultValueFactory = _ => new DownstreamBudget().SamplerSteps };
        var batch = new Option<int>("--batch-size") { Description = "Minibatch size (capped at n).", DefaultValueFactory = _ => 64 };
        var json = new Option<string?>("--json") { Description = "Write the result (metrics, chosen hyperparameters, tuning grid) as JSON here (default: runs/<task>/<method>-n<n>-seed<seed>.json).", HelpName = "file" };
        var command = new Command("finetune", "Train one downstream method on n images (optionally tuned on the 500-image validation holdout) and report test accuracy, NLL, ECE and Brier score.")
        {
            data, task, n, seed, method, checkpoint, prior, scratch, arch, tune, lr, wd, lambda, headVariance, temperature, precondition, steps, samplerSteps, batch, threads, json,
        };
        command.SetAction(r => CommandRunner.Run(r.GetValue(threads), ct =>
        {
            var chosen = DownstreamMethods.Get(r.GetValue(scratch) ? DownstreamMethods.FromScratch.Id : r.GetValue(method)!);
            if (r.GetValue(scratch) && r.GetValue(checkpoint) is not null)
                throw new ArgumentException("--checkpoint and --from-scratch exclude each other.");
            string jsonPath = r.GetValue(json) ?? Path.Combine(RunPaths.TaskFolder(r.GetValue(task)!), $"{chosen.Id}-n{r.GetValue(n)}-seed{r.GetValue(seed)}.json");
            AtomicFile.EnsureWritable(jsonPath);
            using var transferTask = TaskCatalog.Create(r.GetValue(task)!, new DataLocator(r.GetValue(data)));
            using var setup = new DownstreamSetup(transferTask, r.GetValue(checkpoint), r.GetValue(prior), r.GetValue(arch)!);
            var grid = r.GetValue(tune) switch
            {
                "quick" => TuningGrids.For(chosen, TuningBudget.Quick, r.GetValue(precondition)),
                "full" => TuningGrids.For(chosen, TuningBudget.Full, r.GetValue(precondition)),
                _ => [new DownstreamHyperparameters(r.GetValue(lr), chosen.Prior == BackbonePrior.None ? r.GetValue(wd) : 0,
                    chosen.Prior == BackbonePrior.None ? null : r.GetValue(lambda), r.GetValue(headVariance),
                    chosen.IsBayesian ? r.GetValue(temperature) : null, r.GetValue(precondition) ?? chosen.Inference == InferenceKind.Map)],
            };
            var budget = new DownstreamBudget { Steps = r.GetValue(steps), SamplerSteps = r.GetValue(samplerSteps), BatchSize = r.GetValue(batch) };
            var result = DownstreamRun.Run(setup, chosen, r.GetValue(n), r.GetValue(seed), budget, grid, new ConsoleProgress(), ResultTables.WriteGridPoint, ct);
            ResultTables.Write([result]);
            AtomicFile.WriteAllText(jsonPath, result.ToJson());
            Console.WriteLine($"Result: {jsonPath}");
            return CommandRunner.Ok;
        }));
        return command;
    }
}
