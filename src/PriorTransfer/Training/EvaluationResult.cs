namespace PriorTransfer.Training;

/// <summary>Test metrics of a classifier on a labelled set.</summary>
public sealed record EvaluationResult(double Accuracy, double Nll, long Count);
