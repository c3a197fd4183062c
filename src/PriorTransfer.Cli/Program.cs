using System.CommandLine;
using PriorTransfer.Cli;
using PriorTransfer.Cli.Commands;
using Spectre.Console;

// Redirected output (logs, CI) has no terminal width: give tables room instead of wrapping them at 80 columns.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;

var root = new RootCommand(
    "PriorTransfer: Bayesian transfer learning with learned, informative priors (Shwartz-Ziv et al., 'Pre-Train Your Loss', 2022).");
root.Subcommands.Add(DataCommand.Create());
root.Subcommands.Add(PretrainCommand.Create());
root.Subcommands.Add(FinetuneCommand.Create());
root.Subcommands.Add(LearnPriorCommand.Create());
root.Subcommands.Add(InspectPriorCommand.Create());
root.Subcommands.Add(EvaluateCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
// Other namespaces (e.g. segmentation) register their experiments in this registry before the commands are built.
var experiments = PriorTransfer.Experiments.ExperimentRegistry.CreateDefault();
root.Subcommands.Add(ExperimentCommand.Create(experiments));
root.Subcommands.Add(ReportCommand.Create());
return CommandRunner.Invoke(root, args);
