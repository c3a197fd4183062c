namespace PriorTransfer.Data;

/// <summary>
/// Where <see cref="DataLocator"/> looks, with defaults read from the process (environment variable, current and
/// application directories, home). Tests and embedding applications override any of them.
/// </summary>
public sealed record DataLocatorOptions
{
    /// <summary>The explicit data folder (the CLI's <c>--data</c>); searched first.</summary>
    public string? DataPath { get; init; }

    /// <summary>The folder named by <c>PRIORTRANSFER_DATA</c>; searched second.</summary>
    public string? EnvironmentDataPath { get; init; } = Environment.GetEnvironmentVariable(DataLocator.EnvironmentVariable);

    /// <summary>Start of the upward search for the project folder (the one holding <c>PriorTransfer.slnx</c>).</summary>
    public string? WorkingDirectory { get; init; } = Environment.CurrentDirectory;

    /// <summary>Second start of that search: where the running application lives.</summary>
    public string? BaseDirectory { get; init; } = AppContext.BaseDirectory;

    /// <summary>Home folder; <c>~/.priortransfer/data</c> is searched last.</summary>
    public string? HomeDirectory { get; init; } = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the files.</summary>
    public string? SystemFashionMnistDirectory { get; init; } = DataLocator.DebianFashionMnistDirectory;
}
