namespace PriorTransfer.Training;

/// <summary>The loss became NaN or infinite: the run diverged (usually a too large learning rate or a too stiff prior).</summary>
public class TrainingDivergedException : Exception
{
    public TrainingDivergedException(string stage, int step, double loss)
        : this(stage, step, loss,
            $"{stage}: the loss became {loss} at step {step}; the run diverged. Lower the learning rate, or (for a learned prior) raise the prior scale λ.")
    {
    }

    public TrainingDivergedException(string stage, int step, double loss, string message) : base(message)
    {
        Stage = stage;
        Step = step;
        Loss = loss;
    }

    public string Stage { get; }
    public int Step { get; }
    public double Loss { get; }
}
