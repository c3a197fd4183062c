namespace PriorTransfer.SelfSupervised;

/// <summary>The optimiser of SimCLR training.</summary>
public enum SimclrOptimizer
{
    /// <summary>SGD with momentum and L2 weight decay.</summary>
    Sgd,

    /// <summary>Adam with L2 weight decay added to the gradient (not AdamW).</summary>
    Adam,
}
