using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.SelfSupervised;

/// <summary>
/// A self-supervised per-batch loss: a scalar to minimise, computed from unlabelled images, drawing its randomness
/// (the augmented views) from <paramref name="generator"/>. <see cref="SimclrObjective.Loss"/> is one.
/// </summary>
public delegate Tensor SelfSupervisedLoss(SimclrModel model, Tensor images, Generator generator);
