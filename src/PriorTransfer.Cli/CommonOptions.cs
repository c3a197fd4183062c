using System.CommandLine;
using PriorTransfer.Data;
using PriorTransfer.Serialization;

namespace PriorTransfer.Cli;

/// <summary>Options shared by several commands, defined once.</summary>
internal static class CommonOptions
{
    public static Option<string?> Data() => new("--data")
    {
        Description = $"Folder holding the datasets (else ${DataLocator.EnvironmentVariable}, then the standard locations).",
        HelpName = "folder",
    };

    public static Option<string> Task() => new("--task")
    {
        Description = $"Transfer task: {TaskCatalog.ValidNames}.",
        DefaultValueFactory = _ => TaskCatalog.DefaultTaskName,
        HelpName = "name",
    };

    public static Option<int> Seed() => new("--seed")
    {
        Description = "Random seed (subset, initialisation, shuffling, augmentation).",
        DefaultValueFactory = _ => 0,
    };

    public static Option<int> Threads() => new("--threads")
    {
        Description = "CPU threads for libtorch (default: all cores).",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    public static Option<string> Architecture() => new("--arch")
    {
        Description = "Network: resnet8, resnet20 (28×28 grayscale), resnet18, resnet50 (3-channel images).",
        DefaultValueFactory = _ => "resnet8",
        HelpName = "name",
    };

    public const string SupervisedLoss = "supervised";
    public const string SimclrLoss = "simclr";

    /// <summary><c>--loss supervised|simclr</c>: the source loss of pre-training and of SWAG.</summary>
    public static Option<string> Loss(string description)
    {
        var option = new Option<string>("--loss") { Description = description, DefaultValueFactory = _ => SupervisedLoss, HelpName = "name" };
        option.AcceptOnlyFromAmong(SupervisedLoss, SimclrLoss);
        return option;
    }

    public static PriorLoss ParseLoss(string name) => name switch
    {
        SupervisedLoss => PriorLoss.Supervised,
        SimclrLoss => PriorLoss.SimClr,
        _ => throw new ArgumentException($"unknown loss '{name}'; use {SupervisedLoss} or {SimclrLoss}."),
    };
}
