using System.CommandLine;
using PriorTransfer.Cli;
using PriorTransfer.Cli.Commands;

var root = new RootCommand(
    "PriorTransfer: Bayesian transfer learning with learned, informative priors (Shwartz-Ziv et al., 'Pre-Train Your Loss', 2022).");
root.Subcommands.Add(DataCommand.Create());
root.Subcommands.Add(PretrainCommand.Create());
root.Subcommands.Add(FinetuneCommand.Create());
root.Subcommands.Add(EvaluateCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
return root.Parse(args).Invoke();
