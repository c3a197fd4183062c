namespace PriorTransfer.Data;

/// <summary>
/// Whether a dataset was found, where (<see cref="Location"/>, null when missing), every place searched, how to
/// install it, its parts and sizes, and the problem if it was found but could not be read.
/// </summary>
public sealed record DatasetStatus(
    string Name,
    string? Location,
    IReadOnlyList<string> Searched,
    string InstallHint,
    IReadOnlyList<DatasetPart> Parts,
    string? Problem)
{
    public bool Found => Location is not null;

    public bool Usable => Found && Problem is null;
}
