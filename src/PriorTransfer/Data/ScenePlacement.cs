namespace PriorTransfer.Data;

/// <summary>One object of a scene: the index of its image in the source set and the top-left corner of its patch.</summary>
public readonly record struct ScenePlacement(long Image, int Row, int Column);
