namespace PriorTransfer.Cli;

/// <summary>Default locations of the files commands write, under ./runs.</summary>
internal static class RunPaths
{
    public static string Root => Path.Combine(Environment.CurrentDirectory, "runs");

    public static string TaskFolder(string task) => Path.Combine(Root, Sanitize(task));

    public static string SourceCheckpoint(string task, string architecture) => Path.Combine(TaskFolder(task), $"{architecture}-source.ckpt");

    /// <summary>Where <c>pretrain --loss simclr</c> writes its classifier checkpoint (the SimCLR state goes beside it).</summary>
    public static string SimclrCheckpoint(string task, string architecture) => Path.Combine(TaskFolder(task), $"{architecture}-simclr.ckpt");

    private static string Sanitize(string name) =>
        string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}
