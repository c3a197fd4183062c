using PriorTransfer.Metrics;
using System.CommandLine;
using PriorTransfer.Data;
using PriorTransfer.Models;
using PriorTransfer.Training;
using Spectre.Console;

namespace PriorTransfer.Cli.Commands;

/// <summary><c>priortransfer evaluate</c>: test accuracy and NLL of a saved checkpoint.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var task = CommonOptions.Task();
        var threads = CommonOptions.Threads();
        var checkpoint = new Option<string>("--checkpoint") { Description = "Checkpoint to evaluate.", Required = true, HelpName = "file" };
        var split = new Option<string>("--split") { Description = "Test set: source or downstream.", DefaultValueFactory = _ => "source" };
        split.AcceptOnlyFromAmong("source", "downstream");
        var command = new Command("evaluate", "Evaluate a checkpoint on the task's source or downstream test set.") { data, task, checkpoint, split, threads };
        command.SetAction(r => CommandRunner.Run(r.GetValue(threads), _ =>
        {
            using var model = Checkpoint.Load(r.GetValue(checkpoint)!);
            using var transferTask = TaskCatalog.Create(r.GetValue(task)!, new DataLocator(r.GetValue(data)));
            var test = r.GetValue(split) == "source" ? transferTask.SourceTest : transferTask.DownstreamTest;
            if (test.ClassCount != model.Spec.Classes || test.Channels != model.Spec.InChannels)
                throw new ArgumentException(
                    $"the checkpoint is a {model.Spec}, but the {r.GetValue(split)} test set of {transferTask.Name} has {test.Channels}-channel images of {test.ClassCount} classes.");
            var result = Evaluator.Evaluate(model, test);
            var table = new Table().AddColumns("test set", "images", "accuracy", "NLL");
            table.AddRow($"{transferTask.Name} {r.GetValue(split)}", result.Count.ToString("N0"), $"{result.Accuracy:F4}", $"{result.NegativeLogLikelihood:F4}");
            AnsiConsole.Write(table);
            return CommandRunner.Ok;
        }));
        return command;
    }
}
