namespace PriorTransfer.Sampling;

/// <summary>What the cyclical schedule prescribes for one step.</summary>
/// <param name="Step">The 0-based step index.</param>
/// <param name="Cycle">The 0-based cycle the step belongs to.</param>
/// <param name="LearningRate">The learning rate for this step.</param>
/// <param name="NoiseEnabled">False in the exploration phase (optimisation), true in the sampling phase.</param>
/// <param name="CollectSample">True when the parameters after this step are a sample to keep.</param>
public readonly record struct CyclicalStep(int Step, int Cycle, double LearningRate, bool NoiseEnabled, bool CollectSample);

/// <summary>
/// Cyclical learning rate for SG-MCMC (Zhang, Li, Zhang, Chen &amp; Wilson, "Cyclical Stochastic Gradient MCMC for
/// Bayesian Deep Learning", ICLR 2020, eq. 1): with K steps in M cycles of ⌈K/M⌉ steps each and k = 1..K,
/// <c>lr(k) = lr₀/2 · (cos(π·mod(k−1, ⌈K/M⌉)/⌈K/M⌉) + 1)</c> — lr₀ at the start of every cycle, decaying to just
/// above 0 at its end.
/// </summary>
/// <remarks>
/// <para>Each cycle has two phases. <b>Exploration</b>: the first ⌈β·C⌉ steps of a C-step cycle (β =
/// <see cref="ExplorationFraction"/>, default 0.8; Zhang et al. treat β as a per-task choice), noise off, i.e. an optimiser
/// moving to a new mode at a large step size. <b>Sampling</b>: the remaining steps, noise on; samples are collected
/// at its end, at <see cref="SamplesPerCycle"/> steps spaced evenly backwards from the cycle's last step
/// (spacing ⌊(sampling steps)/(samples per cycle)⌋), so the last step of every cycle — the smallest learning rate —
/// is always a sample.</para>
/// <para><b>Default: 10 BMA samples</b>, as in the paper: 10 cycles × 1 sample per cycle. 5 cycles × 2 samples
/// also gives 10 with half the restarts (more correlated samples, each cycle twice as long for the same budget).</para>
/// <para>Steps are 0-based here (step s is Zhang's k = s + 1). A "step" is whatever the caller advances per
/// <see cref="At"/> call: one mini-batch (the usual choice) or one epoch. The total is always
/// <see cref="Cycles"/> × <see cref="StepsPerCycle"/>: <see cref="FromTotalSteps"/> rounds a budget K up to
/// M·⌈K/M⌉ so that the last cycle also completes and yields its samples.</para>
/// </remarks>
public sealed class CyclicalSchedule
{
    /// <summary>Default number of cycles (10 cycles × 1 sample = 10 BMA samples).</summary>
    public const int DefaultCycles = 10;

    /// <summary>Default number of samples collected per cycle.</summary>
    public const int DefaultSamplesPerCycle = 1;

    /// <summary>Default exploration proportion β.</summary>
    public const double DefaultExplorationFraction = 0.8;

    private readonly int[] _collectOffsets;

    /// <param name="initialLearningRate">lr₀ (&gt; 0), the rate at the start of each cycle.</param>
    /// <param name="stepsPerCycle">C, the number of steps in one cycle.</param>
    /// <param name="cycles">M, the number of cycles.</param>
    /// <param name="samplesPerCycle">Samples collected at the end of each cycle.</param>
    /// <param name="explorationFraction">β in [0, 1): the noise-free share of each cycle.</param>
    public CyclicalSchedule(double initialLearningRate, int stepsPerCycle, int cycles = DefaultCycles,
        int samplesPerCycle = DefaultSamplesPerCycle, double explorationFraction = DefaultExplorationFraction)
    {
        if (!(initialLearningRate > 0) || double.IsInfinity(initialLearningRate))
            throw new ArgumentOutOfRangeException(nameof(initialLearningRate), initialLearningRate, "The initial learning rate must be finite and > 0.");
        if (stepsPerCycle < 1)
            throw new ArgumentOutOfRangeException(nameof(stepsPerCycle), stepsPerCycle, "A cycle needs at least one step.");
        if (cycles < 1)
            throw new ArgumentOutOfRangeException(nameof(cycles), cycles, "At least one cycle is needed.");
        if (samplesPerCycle < 1)
            throw new ArgumentOutOfRangeException(nameof(samplesPerCycle), samplesPerCycle, "At least one sample per cycle is needed.");
        if (!(explorationFraction >= 0 && explorationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(explorationFraction), explorationFraction, "The exploration fraction must be in [0, 1).");

        InitialLearningRate = initialLearningRate;
        StepsPerCycle = stepsPerCycle;
        Cycles = cycles;
        SamplesPerCycle = samplesPerCycle;
        ExplorationFraction = explorationFraction;
        // The small tolerance keeps e.g. β·C = 0.8·10 at 8 despite rounding in the product.
        ExplorationSteps = Math.Min(stepsPerCycle - 1, (int)Math.Ceiling(explorationFraction * stepsPerCycle - 1e-9));
        var samplingSteps = stepsPerCycle - ExplorationSteps;
        if (samplesPerCycle > samplingSteps)
            throw new ArgumentException(
                $"{samplesPerCycle} samples per cycle do not fit in the {samplingSteps}-step sampling phase of a {stepsPerCycle}-step cycle " +
                $"(exploration fraction {explorationFraction}); use longer cycles, fewer samples per cycle or a smaller exploration fraction.",
                nameof(samplesPerCycle));
        var spacing = samplingSteps / samplesPerCycle;
        _collectOffsets = Enumerable.Range(0, samplesPerCycle).Select(j => stepsPerCycle - 1 - j * spacing).Reverse().ToArray();
    }

    /// <summary>
    /// Zhang et al.'s form: a budget of <paramref name="totalSteps"/> K in M cycles of ⌈K/M⌉ steps
    /// (<see cref="TotalSteps"/> is then M·⌈K/M⌉ ≥ K).
    /// </summary>
    public static CyclicalSchedule FromTotalSteps(double initialLearningRate, int totalSteps, int cycles = DefaultCycles,
        int samplesPerCycle = DefaultSamplesPerCycle, double explorationFraction = DefaultExplorationFraction)
    {
        if (totalSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "The step budget must be positive.");
        if (cycles < 1)
            throw new ArgumentOutOfRangeException(nameof(cycles), cycles, "At least one cycle is needed.");
        var stepsPerCycle = (totalSteps + cycles - 1) / cycles;
        return new CyclicalSchedule(initialLearningRate, stepsPerCycle, cycles, samplesPerCycle, explorationFraction);
    }

    /// <summary>lr₀.</summary>
    public double InitialLearningRate { get; }

    /// <summary>C = steps per cycle.</summary>
    public int StepsPerCycle { get; }

    /// <summary>M = number of cycles.</summary>
    public int Cycles { get; }

    /// <summary>Samples collected per cycle.</summary>
    public int SamplesPerCycle { get; }

    /// <summary>β, the exploration proportion.</summary>
    public double ExplorationFraction { get; }

    /// <summary>Noise-free steps at the start of each cycle: ⌈β·C⌉, at most C − 1.</summary>
    public int ExplorationSteps { get; }

    /// <summary>M·C, the number of steps the schedule covers.</summary>
    public int TotalSteps => Cycles * StepsPerCycle;

    /// <summary>M × samples per cycle: the size of the Bayesian model average.</summary>
    public int TotalSamples => Cycles * SamplesPerCycle;

    /// <summary>The learning rate at 0-based step <paramref name="step"/> (Zhang et al., eq. 1).</summary>
    public double LearningRate(int step)
    {
        CheckStep(step);
        var position = step % StepsPerCycle;
        return InitialLearningRate / 2 * (Math.Cos(Math.PI * position / StepsPerCycle) + 1);
    }

    /// <summary>Learning rate, noise switch and collection flag for 0-based step <paramref name="step"/>.</summary>
    public CyclicalStep At(int step)
    {
        CheckStep(step);
        var position = step % StepsPerCycle;
        return new CyclicalStep(step, step / StepsPerCycle, LearningRate(step), position >= ExplorationSteps,
            Array.IndexOf(_collectOffsets, position) >= 0);
    }

    /// <summary>
    /// Sets <paramref name="sampler"/>'s learning rate and noise switch for step <paramref name="step"/> (call before
    /// its <c>step()</c>); collect a sample after that step when the returned <see cref="CyclicalStep.CollectSample"/>
    /// is true. With <paramref name="injectNoise"/> false the noise stays off throughout (the snapshot-ensemble
    /// ablation: same schedule and collection, no posterior noise).
    /// </summary>
    public CyclicalStep ApplyTo(SgmcmcOptimizer sampler, int step, bool injectNoise = true)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        var at = At(step);
        sampler.LearningRate = at.LearningRate;
        sampler.NoiseEnabled = injectNoise && at.NoiseEnabled;
        return at;
    }

    /// <summary>All steps after which a sample is collected, in order (<see cref="TotalSamples"/> of them).</summary>
    public IReadOnlyList<int> SampleSteps() =>
        Enumerable.Range(0, Cycles).SelectMany(c => _collectOffsets.Select(o => c * StepsPerCycle + o)).ToArray();

    private void CheckStep(int step)
    {
        if (step < 0 || step >= TotalSteps)
            throw new ArgumentOutOfRangeException(nameof(step), step, $"The schedule covers steps 0..{TotalSteps - 1} ({Cycles} cycles × {StepsPerCycle} steps).");
    }
}
