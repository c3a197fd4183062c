namespace PriorTransfer.Swag;

/// <summary>Learning-rate shape of the SWAG phase.</summary>
public enum SwagLearningRateShape
{
    /// <summary>A constant learning rate; snapshots every <see cref="SwagSchedule.StepsPerSnapshot"/> steps (SWAG's default).</summary>
    Constant,

    /// <summary>
    /// Cosine from the maximum down to the minimum within each cycle of <see cref="SwagSchedule.StepsPerSnapshot"/>
    /// steps, restarted every cycle; the snapshot is taken at the end of the cycle, at the minimum (cyclical SWA).
    /// </summary>
    CyclicalCosine,
}

/// <summary>
/// The learning rate and snapshot times of the SWAG phase (a few more epochs of SGD from the pre-trained solution,
/// paper §3.1). Steps are 0-based optimizer steps counted from the start of the SWAG phase: use
/// <see cref="LearningRate(long)"/> before step s and collect a snapshot after it when <see cref="CollectsAfter"/> says so.
/// </summary>
public sealed record SwagSchedule
{
    private SwagSchedule(SwagLearningRateShape shape, double maxLearningRate, double minLearningRate, int stepsPerSnapshot)
    {
        if (!(maxLearningRate > 0) || double.IsInfinity(maxLearningRate))
            throw new ArgumentOutOfRangeException(nameof(maxLearningRate), maxLearningRate, "The learning rate must be positive and finite.");
        if (!(minLearningRate >= 0) || minLearningRate > maxLearningRate)
            throw new ArgumentOutOfRangeException(nameof(minLearningRate), minLearningRate, "The minimum learning rate must lie in [0, maximum].");
        if (stepsPerSnapshot < 1)
            throw new ArgumentOutOfRangeException(nameof(stepsPerSnapshot), stepsPerSnapshot, "Snapshots need a period of at least one step.");
        Shape = shape;
        MaxLearningRate = maxLearningRate;
        MinLearningRate = minLearningRate;
        StepsPerSnapshot = stepsPerSnapshot;
    }

    public SwagLearningRateShape Shape { get; }

    /// <summary>The constant learning rate, or the top of each cosine cycle.</summary>
    public double MaxLearningRate { get; }

    /// <summary>The bottom of each cosine cycle (equals the maximum for a constant schedule).</summary>
    public double MinLearningRate { get; }

    /// <summary>Snapshot period in optimizer steps (the cycle length of the cyclical schedule).</summary>
    public int StepsPerSnapshot { get; }

    /// <summary>Constant learning rate, one snapshot every <paramref name="steps"/> steps.</summary>
    public static SwagSchedule ConstantEvery(double learningRate, int steps) =>
        new(SwagLearningRateShape.Constant, learningRate, learningRate, steps);

    /// <summary>Constant learning rate, one snapshot per epoch of <paramref name="stepsPerEpoch"/> steps (SWAG's default).</summary>
    public static SwagSchedule ConstantPerEpoch(double learningRate, int stepsPerEpoch) => ConstantEvery(learningRate, stepsPerEpoch);

    /// <summary>Cosine cycles of <paramref name="cycleSteps"/> steps from <paramref name="maxLearningRate"/> to <paramref name="minLearningRate"/>; a snapshot at each cycle's end.</summary>
    public static SwagSchedule CyclicalCosine(double maxLearningRate, double minLearningRate, int cycleSteps) =>
        new(SwagLearningRateShape.CyclicalCosine, maxLearningRate, minLearningRate, cycleSteps);

    /// <summary>The learning rate for step <paramref name="step"/> (0-based).</summary>
    public double LearningRate(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (Shape == SwagLearningRateShape.Constant || StepsPerSnapshot == 1) return MaxLearningRate;
        // Position in the cycle from 0 (first step, maximum) to 1 (last step, minimum, where the snapshot is taken).
        var position = (double)(step % StepsPerSnapshot) / (StepsPerSnapshot - 1);
        return MinLearningRate + 0.5 * (MaxLearningRate - MinLearningRate) * (1 + Math.Cos(Math.PI * position));
    }

    /// <summary>True when a snapshot is due after step <paramref name="step"/> (0-based) has been taken.</summary>
    public bool CollectsAfter(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return (step + 1) % StepsPerSnapshot == 0;
    }

    /// <summary>Optimizer steps needed for <paramref name="snapshots"/> snapshots.</summary>
    public long StepsFor(int snapshots)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(snapshots);
        return (long)snapshots * StepsPerSnapshot;
    }
}
