namespace PriorTransfer.SelfSupervised;

/// <summary>One linear-probe measurement: which features, their dimension, and the probe's train and test figures.</summary>
public sealed record LinearProbeResult(string Features, int Dimension, double TrainAccuracy, double TestAccuracy, double TestNll);
