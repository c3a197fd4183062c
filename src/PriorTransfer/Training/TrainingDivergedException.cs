namespace PriorTransfer.Training;

/// <summary>The loss became NaN or infinite: the run diverged (usually a too large learning rate or a too stiff prior).</summary>
public class TrainingDivergedException : Exception
{
    public TrainingDivergedException(string stage, int step, double loss)
        : this(stage, step, $"{stage}: the loss became {loss} at step {step}; the run diverged. Lower the learning rate, or (for a learned prior) raise the prior scale λ.")
    {
    }

    /// <summary>For derived exceptions with their own message (which must name the stage and the step).</summary>
    protected TrainingDivergedException(string stage, int step, string message) : base(message)
    {
        Stage = stage;
        Step = step;
    }

    public string Stage { get; }

    /// <summary>The 1-based optimiser step at which the divergence was detected.</summary>
    public int Step { get; }
}
