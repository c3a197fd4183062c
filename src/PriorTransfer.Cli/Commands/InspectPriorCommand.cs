using System.CommandLine;
using PriorTransfer.Serialization;

namespace PriorTransfer.Cli.Commands;

/// <summary><c>priortransfer inspect-prior</c>: what a prior file holds.</summary>
internal static class InspectPriorCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("prior") { Description = "Prior file." };
        var command = new Command("inspect-prior", "Show a prior file's manifest, dimension, rank (and numerical rank of its factor) and variance range.") { file };
        command.SetAction(r => CommandRunner.Run(1, _ =>
        {
            PriorTables.Write(PriorFile.Inspect(r.GetValue(file)!));
            return CommandRunner.Ok;
        }));
        return command;
    }
}
