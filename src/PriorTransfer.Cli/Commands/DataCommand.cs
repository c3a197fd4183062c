using System.CommandLine;
using PriorTransfer.Data;

namespace PriorTransfer.Cli.Commands;

/// <summary><c>priortransfer data</c>: where each dataset was found, and its sizes.</summary>
internal static class DataCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var command = new Command("data", "Report where each dataset was found (or where it was looked for) and its sizes.") { data };
        command.SetAction(r => CommandRunner.Run(1, _ =>
        {
            Console.WriteLine(new DataLocator(r.GetValue(data)).Describe());
            return CommandRunner.Ok;
        }));
        return command;
    }
}
