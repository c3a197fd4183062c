namespace PriorTransfer.Training;

/// <summary>The loss became NaN or infinite: the run diverged (usually a too large learning rate or a too stiff prior).</summary>
public sealed class TrainingDivergedException(string stage, int step, double loss)
    : Exception($"{stage}: the loss became {loss} at step {step}; the run diverged. Lower the learning rate, or (for a learned prior) raise the prior scale λ.")
{
    public string Stage { get; } = stage;
    public int Step { get; } = step;
}
