using PriorTransfer.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PriorTransfer.Sampling;

/// <summary>
/// Common machinery of the stochastic-gradient MCMC samplers <see cref="Sgld"/> and <see cref="Sghmc"/>, written
/// as TorchSharp optimizers (same life cycle as <see cref="SGD"/>: <c>zero_grad()</c>, <c>backward()</c>, <c>step()</c>;
/// the learning rate lives in the parameter groups so that TorchSharp's schedulers can drive it).
/// </summary>
/// <remarks>
/// <para><b>Loss convention.</b> The gradient these samplers see is that of the <i>mean-per-example</i> loss
/// <c>loss(θ) = mean_batch NLL − log p(θ) / N</c> (DESIGN.md, "Objective"), i.e. U(θ)/N where U is the negative log
/// posterior. The posterior <c>p(θ|D)^(1/T) ∝ exp(−U/T)</c> is therefore sampled with the injected noise scaled by
/// 1/N: the SGLD step <c>θ ← θ − lr·∇loss + sqrt(2·lr·T/N)·ξ</c> is the Langevin step
/// <c>θ ← θ − ε·∇U + sqrt(2ε·T)·ξ</c> for exp(−U/T) with ε = lr/N (Welling &amp; Teh, ICML 2011, whose step size is
/// 2ε). Temperature T = 1 is the Bayes posterior; T &lt; 1 is a "cold" posterior (DESIGN.md's measured pitfalls:
/// treat T as a tuned hyperparameter).</para>
/// <para><b>Randomness.</b> All noise is drawn from one <see cref="Generator"/>: the one passed in (not owned), or,
/// when none is given, a private generator seeded with 0 (owned and disposed here). The global RNG is never used.
/// Pass a generator seeded from the run's seed to get independent chains per seed.</para>
/// <para><b>Cost.</b> Buffers (noise, and momentum for SGHMC) are allocated once per parameter when the parameter
/// group is added; <see cref="step"/> allocates no tensor storage and does not synchronise (no <c>item()</c>) except
/// in a health check, every <see cref="HealthCheckInterval"/> steps. Its managed garbage is a few hundred bytes per
/// step: one wrapper per parameter from TorchSharp's <c>grad</c> accessor and a dispose scope; the learning-rate and
/// momentum Scalars are cached until their value changes. Gradient clipping (<see cref="GradientClipNorm"/>, off by
/// default) adds a few small tensors per step but no synchronisation.</para>
/// <para><b>Health.</b> Every <see cref="HealthCheckInterval"/> steps (default 100; 0 turns it off) the sampler checks
/// that the parameters (and SGHMC's velocities) are finite and that the gradient norm (before clipping) is finite and
/// at most <see cref="DivergenceGradientNorm"/>; a failure is a <see cref="SamplerDivergedException"/> naming the step
/// and, after <see cref="NameParameters"/>, the parameter. A NaN born between two checks is caught by the next one:
/// it propagates through every later update.</para>
/// <para>As in TorchSharp's SGD, a parameter whose <c>grad</c> is null (frozen, or unused by the loss) is skipped
/// entirely: it receives no noise either.</para>
/// <para>The generator state is not part of <c>state_dict()</c>; save it separately with
/// <see cref="Generator.get_state"/> to resume a chain bit-for-bit.</para>
/// </remarks>
public abstract class SgmcmcOptimizer : OptimizerHelper
{
    private readonly List<ParameterState[]> _groupStates = new();
    private readonly List<CachedScalar> _negativeLearningRates = new();
    private readonly Generator _generator;
    private readonly bool _ownsGenerator;
    private readonly Dictionary<IntPtr, string> _names = new();
    private double _temperature;
    private bool _disposed;
    private int _healthCheckInterval = DefaultHealthCheckInterval;
    private double _divergenceGradientNorm = SamplerHealth.DefaultDivergenceGradientNorm;
    private double? _gradientClipNorm;
    private int _lastHealthyCheck;

    /// <summary>Default number of steps between two health checks.</summary>
    public const int DefaultHealthCheckInterval = 100;

    /// <param name="parameters">The parameters to sample (e.g. <c>model.parameters()</c>).</param>
    /// <param name="learningRate">Initial learning rate lr (≥ 0); change it per step through <see cref="LearningRate"/>.</param>
    /// <param name="datasetSize">N, the downstream training-set size used in the loss's prior term.</param>
    /// <param name="temperature">Posterior temperature T (≥ 0).</param>
    /// <param name="generator">Source of the noise; when null, a private generator seeded with 0.</param>
    private protected SgmcmcOptimizer(IEnumerable<Parameter> parameters, double learningRate, long datasetSize, double temperature, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckLearningRate(learningRate);
        if (datasetSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(datasetSize), datasetSize, "The dataset size N must be positive (it is the number of downstream training examples).");
        CheckTemperature(temperature);

        DatasetSize = datasetSize;
        _temperature = temperature;
        _ownsGenerator = generator is null;
        _generator = generator ?? new Generator(0, torch.CPU);
        _defaults = new OptimizerOptions { LearningRate = learningRate, InitialLearningRate = learningRate };
        _parameter_groups = new List<ParamGroup>();
        add_param_group(new ParamGroup { Parameters = parameters });
    }

    /// <summary>N, the downstream training-set size (the noise scale's 1/N, see the class remarks).</summary>
    public long DatasetSize { get; }

    /// <summary>Posterior temperature T (≥ 0); T = 1 is the Bayes posterior.</summary>
    public double Temperature
    {
        get => _temperature;
        set
        {
            CheckTemperature(value);
            _temperature = value;
        }
    }

    /// <summary>
    /// When false, no noise is injected: SGLD is then plain SGD and SGHMC heavy-ball momentum (the exploration
    /// phase of a cyclical schedule, or a snapshot ensemble). Default true.
    /// </summary>
    public bool NoiseEnabled { get; set; } = true;

    /// <summary>Name of the algorithm in messages ("SGLD", "SGHMC").</summary>
    public abstract string Name { get; }

    /// <summary>Number of <see cref="step"/> calls so far (the step a divergence message names, 1-based).</summary>
    public int StepCount { get; private set; }

    /// <summary>
    /// Steps between two health checks (NaN/Inf parameters, exploding gradient norm); each check synchronises with the
    /// device once. 0 turns the checks off. Default <see cref="DefaultHealthCheckInterval"/>.
    /// </summary>
    public int HealthCheckInterval
    {
        get => _healthCheckInterval;
        set
        {
            if (value < 0)
                throw new ArgumentOutOfRangeException(nameof(value), value, "The health-check interval must be ≥ 0 steps (0 turns the checks off).");
            _healthCheckInterval = value;
        }
    }

    /// <summary>
    /// Gradient norm (global L2 over all parameters, before clipping) above which a health check declares the chain
    /// diverged. Default <see cref="SamplerHealth.DefaultDivergenceGradientNorm"/>; +∞ checks only for NaN/Inf.
    /// </summary>
    public double DivergenceGradientNorm
    {
        get => _divergenceGradientNorm;
        set
        {
            SamplerHealth.CheckLimit(value);
            _divergenceGradientNorm = value;
        }
    }

    /// <summary>
    /// When set, each step first rescales the gradients so that their global L2 norm is at most this value (no host
    /// synchronisation). Off (null) by default: clipping changes the dynamics, so the chain no longer samples exactly
    /// the tempered posterior while it is active; use it to survive early transients, not as a permanent setting.
    /// </summary>
    public double? GradientClipNorm
    {
        get => _gradientClipNorm;
        set
        {
            if (value is { } v) SamplerHealth.CheckClipNorm(v);
            _gradientClipNorm = value;
        }
    }

    /// <summary>Uses <paramref name="module"/>'s parameter names in divergence messages (parameters are matched by identity).</summary>
    public void NameParameters(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        foreach (var (name, parameter) in module.named_parameters())
            _names[parameter.Handle] = name;
    }

    /// <summary>The generator the noise is drawn from.</summary>
    public Generator Generator => _generator;

    /// <summary>
    /// The learning rate of the first parameter group; setting it sets every group's (what a schedule does each step).
    /// </summary>
    public double LearningRate
    {
        get => _parameter_groups[0].LearningRate;
        set
        {
            CheckLearningRate(value);
            for (var g = 0; g < _parameter_groups.Count; g++)
                _parameter_groups[g].LearningRate = value;
        }
    }

    /// <summary>Standard deviation of the noise injected per coordinate at learning rate <paramref name="learningRate"/>.</summary>
    public abstract double NoiseStandardDeviation(double learningRate);

    /// <inheritdoc />
    public override void add_param_group(ParamGroup param_group)
    {
        ArgumentNullException.ThrowIfNull(param_group);
        ObjectDisposedException.ThrowIf(_disposed, this);
        param_group.Options ??= new OptimizerOptions();
        var options = param_group.Options;
        options.LearningRate ??= _defaults.LearningRate;
        CheckLearningRate(options.LearningRate!.Value);
        options.InitialLearningRate = options.LearningRate.Value;

        // Materialise once: step() then walks arrays, never a lazy enumerable.
        var parameters = param_group.Parameters.ToArray();
        param_group.Parameters = parameters;
        var states = new ParameterState[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            if (_state.ContainsKey(parameters[i].Handle))
                throw new ArgumentException($"Parameter {i} of the new group is already in another parameter group of this sampler.", nameof(param_group));
            states[i] = new ParameterState(parameters[i], UsesVelocity);
            _state[parameters[i].Handle] = states[i];
        }

        _parameter_groups.Add(param_group);
        _groupStates.Add(states);
        _negativeLearningRates.Add(new CachedScalar());
    }

    /// <summary>Performs one sampler step on every parameter that has a gradient.</summary>
    /// <param name="closure">Optional: re-evaluates the model and returns the loss (evaluated with grad enabled).</param>
    /// <returns>The closure's loss, or null.</returns>
    public override Tensor? step(Func<Tensor>? closure = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Tensor? loss = null;
        if (closure is not null)
        {
            using var _ = torch.enable_grad();
            loss = closure();
        }

        StepCount++;
        var check = _healthCheckInterval > 0 && StepCount % _healthCheckInterval == 0;

        // One scope per step, as TorchSharp's own optimizers do: gradient wrappers (and any wrapper an in-place op
        // hands back) are released here; the buffers were created outside and are not in it.
        using (torch.no_grad())
        using (NewDisposeScope())
        {
            Tensor? gradientNorm = null;
            if (check || _gradientClipNorm is not null)
            {
                var gradients = Gradients();
                gradientNorm = SamplerHealth.GradientNorm(gradients);
                if (_gradientClipNorm is { } maxNorm) SamplerHealth.ClipGradients(gradients, gradientNorm, maxNorm);
            }

            for (var g = 0; g < _parameter_groups.Count; g++)
            {
                var learningRate = _parameter_groups[g].LearningRate;
                var noiseStd = NoiseEnabled ? NoiseStandardDeviation(learningRate) : 0.0;
                var negativeLearningRate = _negativeLearningRates[g].Get(-learningRate);
                var states = _groupStates[g];
                for (var i = 0; i < states.Length; i++)
                {
                    var grad = states[i].Parameter.grad;
                    if (grad is null) continue;
                    Update(states[i], grad, negativeLearningRate, noiseStd);
                }
            }

            if (check) CheckHealth(gradientNorm!);
        }

        return loss;
    }

    private List<Tensor> Gradients()
    {
        var gradients = new List<Tensor>();
        foreach (var states in _groupStates)
            foreach (var state in states)
                if (state.Parameter.grad is { } grad) gradients.Add(grad);
        return gradients;
    }

    private void CheckHealth(Tensor gradientNorm)
    {
        var tensors = new List<(string, Tensor)>();
        for (var g = 0; g < _groupStates.Count; g++)
        {
            for (var i = 0; i < _groupStates[g].Length; i++)
            {
                var state = _groupStates[g][i];
                var name = _names.TryGetValue(state.Parameter.Handle, out var n)
                    ? $"parameter '{n}'"
                    : _groupStates.Count == 1 ? $"parameter #{i}" : $"parameter #{i} of group {g}";
                tensors.Add((name, state.Parameter));
                if (state.Velocity is { } velocity) tensors.Add(($"the velocity of {name}", velocity));
            }
        }
        var context = _lastHealthyCheck > 0
            ? $"checked every {_healthCheckInterval} steps; the check at step {_lastHealthyCheck} passed"
            : $"checked every {_healthCheckInterval} steps; first check";
        SamplerHealth.Check(Name, StepCount, tensors, gradientNorm, _divergenceGradientNorm, context);
        _lastHealthyCheck = StepCount;
    }

    /// <summary>Whether <see cref="ParameterState.Velocity"/> buffers are needed.</summary>
    private protected abstract bool UsesVelocity { get; }

    /// <summary>
    /// Applies the update to one parameter under no_grad. <paramref name="noiseStd"/> is 0 when noise is off.
    /// Implementations must work in place on the parameter and the state's buffers.
    /// </summary>
    private protected abstract void Update(ParameterState state, Tensor grad, Scalar negativeLearningRate, double noiseStd);

    private protected Generator NoiseGenerator => _generator;

    protected override void Dispose(bool disposing)
    {
        if (!_disposed && disposing)
        {
            foreach (var states in _groupStates)
                foreach (var state in states)
                    state.Dispose();
            _groupStates.Clear();
            foreach (var cached in _negativeLearningRates)
                cached.Dispose();
            _negativeLearningRates.Clear();
            _state.Clear();
            if (_ownsGenerator) _generator.Dispose();
        }

        _disposed = true;
        base.Dispose(disposing);
    }

    private static void CheckLearningRate(double learningRate)
    {
        if (!(learningRate >= 0) || double.IsInfinity(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be finite and ≥ 0.");
    }

    private static void CheckTemperature(double temperature)
    {
        if (!(temperature >= 0) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature T must be finite and ≥ 0.");
    }

    /// <summary>Per-parameter state: a noise buffer and, for SGHMC, the velocity v (both owned).</summary>
    public sealed class ParameterState : OptimizerState, IDisposable
    {
        internal ParameterState(Parameter parameter, bool withVelocity) : base(parameter)
        {
            Parameter = parameter;
            using (torch.no_grad())
            {
                Noise = torch.empty_like(parameter).DetachFromDisposeScope();
                _velocity = withVelocity ? torch.zeros_like(parameter).DetachFromDisposeScope() : null;
            }
        }

        /// <summary>The parameter this state belongs to (not owned).</summary>
        public Parameter Parameter { get; }

        /// <summary>Scratch buffer for ξ (contents meaningless between steps).</summary>
        internal Tensor Noise { get; }

        /// <summary>SGHMC's velocity v (starts at zero); null for SGLD.</summary>
        public Tensor? Velocity => _velocity;

        private Tensor? _velocity;

        public void Dispose()
        {
            Noise.Dispose();
            Velocity?.Dispose();
        }

        /// <summary>Nothing to initialise: the buffers are allocated with the state.</summary>
        public override void Initialize(OptimizerOptions options)
        {
        }

        public override void to(Device device)
        {
            if (device.type != DeviceType.CPU || Noise.device_type != DeviceType.CPU)
                throw new NotSupportedException("Moving sampler state between devices is not supported; create the sampler after moving the model.");
        }

        public override void SaveStateDict(BinaryWriter writer)
        {
            ArgumentNullException.ThrowIfNull(writer);
            SaveConditionalStateTensor(writer, Velocity!);
        }

        public override void LoadStateDict(BinaryReader reader)
        {
            ArgumentNullException.ThrowIfNull(reader);
            var hasVelocity = reader.ReadBoolean();
            if (hasVelocity != Velocity is not null)
                throw new InvalidDataException(hasVelocity
                    ? "The saved sampler state has a velocity buffer but this sampler has none (saved from SGHMC, loading into SGLD?)."
                    : "The saved sampler state has no velocity buffer but this sampler needs one (saved from SGLD, loading into SGHMC?).");
            if (_velocity is not null)
            {
                using var loaded = Tensor.Load(reader);
                if (!loaded.shape.SequenceEqual(_velocity.shape) || loaded.dtype != _velocity.dtype)
                    throw new InvalidDataException($"The saved velocity has shape [{string.Join(", ", loaded.shape)}] {loaded.dtype}; this parameter needs [{string.Join(", ", _velocity.shape)}] {_velocity.dtype}.");
                using (torch.no_grad())
                    _velocity.copy_(loaded);
            }
        }

        public override void LoadStateDict(OptimizerState source)
        {
            if (source is not ParameterState other)
                throw new ArgumentException($"Expected a {nameof(ParameterState)}, got {source?.GetType().Name ?? "null"}.", nameof(source));
            if (Velocity is not null && other.Velocity is not null)
                using (torch.no_grad())
                    Velocity.copy_(other.Velocity);
        }

        public override bool ApproximatelyEquals(OptimizerState other) =>
            other is ParameterState rhs && (Velocity is null ? rhs.Velocity is null : rhs.Velocity is not null && Velocity.allclose(rhs.Velocity));
    }
}
