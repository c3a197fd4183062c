namespace PriorTransfer.Training;

/// <summary>Cosine annealing (Loshchilov and Hutter, 2017) from a base learning rate to a final fraction of it over a fixed number of steps.</summary>
public sealed class CosineSchedule(double baseLearningRate, int totalSteps, double finalFraction = 0.0)
{
    public double At(int step)
    {
        double progress = totalSteps <= 1 ? 0.0 : Math.Clamp((double)step / (totalSteps - 1), 0.0, 1.0);
        double low = baseLearningRate * finalFraction;
        return low + (baseLearningRate - low) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
