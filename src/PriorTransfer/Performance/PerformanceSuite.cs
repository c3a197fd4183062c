using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using PriorTransfer.Data;
using PriorTransfer.Models;
using PriorTransfer.Parameters;
using PriorTransfer.Prediction;
using PriorTransfer.Priors;
using PriorTransfer.Sampling;
using PriorTransfer.Swag;
using PriorTransfer.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PriorTransfer.Performance;

/// <summary>
/// The performance suite of BENCHMARK.md ("Performance"): the cost of the method's extras as ratios against plain
/// training measured in the same process (<see cref="PairedTiming"/>), the prior's cost against P and K, training
/// throughput (optionally against PyTorch on the same machine) and the prior's memory. Every figure runs the library's
/// own code paths (<see cref="SgdTrainer"/>, <see cref="PosteriorObjective"/>, the samplers, <see cref="SwagCollector"/>,
/// <see cref="BmaPredictor"/>) on random data: speed does not depend on the pixels.
/// </summary>
public static class PerformanceSuite
{
    /// <summary>Target of MAP-with-learned-prior ÷ fine-tuning and of sampler ÷ SGD steps.</summary>
    public const double StepTarget = 1.05;

    /// <summary>Target of a source epoch with SWAG collection ÷ without.</summary>
    public const double SwagTarget = 1.03;

    /// <summary>Target of BMA over S samples ÷ S one-model evaluations.</summary>
    public const double BmaTarget = 1.10;

    /// <summary>Target of C# throughput ÷ PyTorch throughput.</summary>
    public const double PyTorchTarget = 0.95;

    /// <summary>Target R² of the fit time ≈ a·P·K + c·P + b.</summary>
    public const double LinearityTarget = 0.99;

    /// <summary>Target of (time per P·K at the largest P) ÷ (time per P·K at the next one): no super-linear growth.</summary>
    public const double ScalingTarget = 1.25;

    /// <summary>Target of the prior's peak memory ÷ (K+2)·P·4 bytes.</summary>
    public const double MemoryTarget = 1.25;

    private const int Classes = 10;
    private const long DownstreamSize = 1000;

    /// <summary>Measures every figure; <paramref name="progress"/> hears what is being measured.</summary>
    public static PerformanceReport Run(PerformanceOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var loadStart = PerformanceEnvironment.ReadLoadAverage();
        int previousThreads = get_num_threads();
        set_num_threads(options.Threads);
        bool retaining;
        if (options.RetainFreedNativeMemory) retaining = NativeAllocator.RetainFreedMemory();
        else
        {
            NativeAllocator.RestoreDefaults();   // the CLI retains by default; --malloc default measures without
            retaining = NativeAllocator.IsRetaining;
        }
        var figures = new List<PerformanceFigure>();
        PyTorchReference? pytorch = null;
        try
        {
            var context = new Context(options, progress, cancellationToken);
            if (options.Runs(PerformanceOptions.StepsGroup))
            {
                foreach (var arch in options.Architectures)
                    foreach (var batch in options.MapBatchSizes)
                        figures.Add(context.MapStep(arch, batch));
                figures.AddRange(context.SamplerSteps());
            }
            if (options.Runs(PerformanceOptions.SwagGroup)) figures.Add(context.SwagEpoch());
            if (options.Runs(PerformanceOptions.BmaGroup)) figures.Add(context.Bma());
            if (options.Runs(PerformanceOptions.PriorGroup)) figures.AddRange(context.PriorScaling());
            PyTorchReference? PyTorch()
            {
                if (!options.ComparePyTorch || pytorch is not null) return pytorch;
                progress?.Report($"starting the PyTorch reference ({options.Python}, {options.Threads} thread(s))");
                return pytorch = PyTorchReference.Start(options.Python, options.Threads, options.ThroughputBatchSize,
                    retaining ? NativeAllocator.EnvironmentVariables : null);
            }
            if (options.Runs(PerformanceOptions.ThroughputGroup))
            {
                figures.AddRange(context.Throughput(PyTorch()));
                figures.Add(context.ThreadEffect());
            }
            if (options.Runs(PerformanceOptions.LayersGroup)) figures.AddRange(context.Layers(PyTorch()));
            if (options.Runs(PerformanceOptions.MemoryGroup))
            {
                figures.AddRange(context.PriorMemory());
                figures.Add(context.AllocatorEffect(retaining));
            }
        }
        finally
        {
            pytorch?.Dispose();
            set_num_threads(previousThreads);
        }

        var environment = new PerformanceEnvironment
        {
            Profile = options.Profile,
            Threads = options.Threads,
            LogicalCores = Environment.ProcessorCount,
            TorchSharpVersion = typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "?",
            DotNetVersion = Environment.Version.ToString(),
            OperatingSystem = RuntimeInformation.OSDescription,
            Machine = Environment.MachineName,
            Started = started,
            ElapsedSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
            LoadAverageStart = loadStart,
            LoadAverageEnd = PerformanceEnvironment.ReadLoadAverage(),
            NativeAllocator = retaining ? NativeAllocator.Policy : "C allocator defaults",
            PyTorchVersion = pytorch?.TorchVersion,
            PyTorchThreads = pytorch?.Threads,
        };
        return new PerformanceReport(environment, figures);
    }

    /// <summary>The ids of every figure a run with <paramref name="options"/> reports, in order.</summary>
    public static IReadOnlyList<string> FigureIds(PerformanceOptions options)
    {
        var ids = new List<string>();
        if (options.Runs(PerformanceOptions.StepsGroup))
        {
            foreach (var arch in options.Architectures)
                foreach (var batch in options.MapBatchSizes)
                    ids.Add($"map-step/{arch}/batch{batch}");
            ids.Add("sghmc-step/resnet8/batch64");
            ids.Add("sgld-step/resnet8/batch64");
        }
        if (options.Runs(PerformanceOptions.SwagGroup)) ids.Add("swag-epoch/resnet8/batch128");
        if (options.Runs(PerformanceOptions.BmaGroup)) ids.Add($"bma/resnet8/samples{options.BmaSamples}");
        if (options.Runs(PerformanceOptions.PriorGroup))
        {
            foreach (var k in options.PriorRanks)
                foreach (var p in options.PriorDimensions)
                    ids.Add($"prior-time/P={FormatCount(p)}/K={k}");
            ids.Add("prior-linearity");
            foreach (var k in options.PriorRanks) ids.Add($"prior-scaling/K={k}");
        }
        if (options.Runs(PerformanceOptions.ThroughputGroup))
        {
            foreach (var arch in options.Architectures) ids.Add($"throughput/{arch}/batch{options.ThroughputBatchSize}");
            foreach (var arch in options.Architectures) ids.Add($"pytorch-ratio/{arch}/batch{options.ThroughputBatchSize}");
            foreach (var arch in options.Architectures) ids.Add($"pytorch-ratio-channels-last/{arch}/batch{options.ThroughputBatchSize}");
            foreach (var arch in options.Architectures) ids.Add($"channels-last/{arch}/batch{options.ThroughputBatchSize}");
            ids.Add($"threads/resnet8/batch{options.ThroughputBatchSize}");
        }
        if (options.Runs(PerformanceOptions.LayersGroup))
        {
            foreach (var layer in LayerCase.ResNet8) ids.Add(LayerFigureId(layer, options.ThroughputBatchSize));
            ids.Add($"layer-share-28px/resnet8/batch{options.ThroughputBatchSize}");
        }
        if (options.Runs(PerformanceOptions.MemoryGroup))
        {
            ids.Add("prior-memory/peak");
            ids.Add("prior-memory/held");
            ids.Add("native-allocator/resnet8/batch64");
        }
        return ids;
    }

    /// <summary>The id of a layer figure: <c>pytorch-layer-ratio/&lt;case&gt;/batch&lt;b&gt;</c>.</summary>
    internal static string LayerFigureId(LayerCase layer, int batch) => $"pytorch-layer-ratio/{layer.Name}/batch{batch}";

    /// <summary>10⁵ → "1e5", 25·10⁶ → "2.5e7".</summary>
    internal static string FormatCount(long value)
    {
        int exponent = (int)Math.Floor(Math.Log10(value));
        double mantissa = value / Math.Pow(10, exponent);
        return $"{mantissa.ToString("0.##", CultureInfo.InvariantCulture)}e{exponent}";
    }

    private sealed class Context(PerformanceOptions options, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        private int Rounds => options.Rounds;

        public PerformanceFigure MapStep(string arch, int batch)
        {
            int steps = batch < 32 ? 2 * options.StepsPerBlock : options.StepsPerBlock;
            progress?.Report($"MAP step with a learned K = {options.PriorRank} prior vs fine-tuning step: {arch}, batch {batch}");
            using var data = RandomImages(steps * batch, options.Seed + 1);
            using var plain = CreateModel(arch);
            using var map = CreateModel(arch);
            using var prior = LearnedPrior(map, options.PriorRank, options.Seed + 2);
            var objective = new PosteriorObjective(prior, DownstreamSize);
            var fineTuning = new SgdOptions { Steps = steps, BatchSize = batch, LearningRate = 0.01, WeightDecay = 5e-4, Seed = options.Seed };
            var mapOptions = fineTuning with { WeightDecay = 0 };
            var result = PairedTiming.Compare(
                () => SgdTrainer.Train(plain, data, fineTuning),
                () => SgdTrainer.Train(map, data, mapOptions, objective.DataLoss, afterBackward: objective.AddPriorGradient),
                Rounds, cancellationToken: cancellationToken);
            var details = result.Details("fine-tuning step (SGD, weight decay)", $"MAP step (SGD + closed-form gradient of the learned K = {options.PriorRank} prior / N)", steps, "Step");
            details["parameters"] = ParameterCount(map);
            details["stepsPerBlock"] = steps;
            return new PerformanceFigure
            {
                Id = $"map-step/{arch}/batch{batch}",
                Description = $"MAP step with learned low-rank prior (K = {options.PriorRank}) ÷ plain fine-tuning step, {arch}, batch {batch}",
                Value = result.MedianRatio,
                Unit = "ratio",
                TargetKind = batch == 64 ? TargetKind.AtMost : TargetKind.None,
                Target = batch == 64 ? StepTarget : null,
                Details = details,
                Note = batch == 64 ? null : "information: the prior's cost is per step, so its share grows as the batch shrinks",
            };
        }

        public IEnumerable<PerformanceFigure> SamplerSteps()
        {
            const string arch = "resnet8";
            const int batch = 64;
            int steps = options.StepsPerBlock;
            progress?.Report("SGHMC and SGLD steps vs SGD step: resnet8, batch 64, learned prior");
            using var data = RandomImages(steps * batch, options.Seed + 3);
            using var sgdModel = CreateModel(arch);
            using var sghmcModel = CreateModel(arch);
            using var sgldModel = CreateModel(arch);
            using var sgdPrior = LearnedPrior(sgdModel, options.PriorRank, options.Seed + 2);
            using var sghmcPrior = LearnedPrior(sghmcModel, options.PriorRank, options.Seed + 2);
            using var sgldPrior = LearnedPrior(sgldModel, options.PriorRank, options.Seed + 2);
            using var generator = new Generator((ulong)options.Seed + 4);
            using var noise = new Generator((ulong)options.Seed + 5);
            using var sgd = new Sgd(sgdModel.parameters(), 0.01, momentum: 0.9, nesterov: true);
            using var sghmc = new Sghmc(sghmcModel.parameters(), 0.01, DownstreamSize, temperature: 1.0, momentum: 0.9, generator: noise);
            using var sgld = new Sgld(sgldModel.parameters(), 0.01, DownstreamSize, temperature: 1.0, generator: noise);
            var sgdObjective = new PosteriorObjective(sgdPrior, DownstreamSize);
            var sghmcObjective = new PosteriorObjective(sghmcPrior, DownstreamSize);
            var sgldObjective = new PosteriorObjective(sgldPrior, DownstreamSize);
            var batches = new BatchIterator(data, batch, shuffle: true, dropLast: true);

            var hmc = PairedTiming.Compare(
                () => RunSteps(sgdModel, batches, generator, sgd, sgdObjective, steps),
                () => RunSteps(sghmcModel, batches, generator, sghmc, sghmcObjective, steps),
                Rounds, cancellationToken: cancellationToken);
            var ld = PairedTiming.Compare(
                () => RunSteps(sgdModel, batches, generator, sgd, sgdObjective, steps),
                () => RunSteps(sgldModel, batches, generator, sgld, sgldObjective, steps),
                Rounds, cancellationToken: cancellationToken);
            const string baseline = "SGD step (momentum 0.9, Nesterov) on the posterior objective";
            yield return new PerformanceFigure
            {
                Id = "sghmc-step/resnet8/batch64",
                Description = "SGHMC step ÷ SGD step (same objective with the learned prior), resnet8, batch 64",
                Value = hmc.MedianRatio,
                Unit = "ratio",
                TargetKind = TargetKind.AtMost,
                Target = StepTarget,
                Details = hmc.Details(baseline, "SGHMC step (friction 0.1, noise on, T = 1)", steps, "Step"),
            };
            yield return new PerformanceFigure
            {
                Id = "sgld-step/resnet8/batch64",
                Description = "SGLD step ÷ SGD step (same objective with the learned prior), resnet8, batch 64",
                Value = ld.MedianRatio,
                Unit = "ratio",
                TargetKind = TargetKind.AtMost,
                Target = StepTarget,
                Details = ld.Details(baseline, "SGLD step (noise on, T = 1)", steps, "Step"),
            };
        }

        public PerformanceFigure SwagEpoch()
        {
            const string arch = "resnet8";
            const int batch = 128;
            int steps = options.SwagEpochSteps;
            progress?.Report($"source epoch ({steps} steps) with SWAG collection vs without: resnet8, batch 128");
            using var data = RandomImages(steps * batch, options.Seed + 6);
            using var plain = CreateModel(arch);
            using var swag = CreateModel(arch);
            var schedule = SwagSchedule.ConstantPerEpoch(0.01, steps);
            using var collector = new SwagCollector(ParameterLayout.WithPrefixes(swag, "backbone"), options.PriorRank);
            var sgd = new SgdOptions { Steps = steps, BatchSize = batch, LearningRate = 0.01, WeightDecay = 5e-4, Seed = options.Seed };
            var result = PairedTiming.Compare(
                () => SgdTrainer.Train(plain, data, sgd, learningRate: s => schedule.LearningRate(s)),
                () => SgdTrainer.Train(swag, data, sgd, learningRate: s => schedule.LearningRate(s),
                    afterStep: s => { if (schedule.CollectsAfter(s)) collector.Collect(swag); }),
                Rounds, cancellationToken: cancellationToken);
            var details = result.Details("source epoch of SGD", $"the same epoch with a SWAG snapshot at its end (rank {options.PriorRank} ring buffer)", null, "Epoch");
            details["stepsPerEpoch"] = steps;
            details["snapshotsCollected"] = collector.SnapshotCount;
            return new PerformanceFigure
            {
                Id = "swag-epoch/resnet8/batch128",
                Description = $"source epoch with SWAG collection ÷ without, resnet8, batch 128, {steps} steps per epoch",
                Value = result.MedianRatio,
                Unit = "ratio",
                TargetKind = TargetKind.AtMost,
                Target = SwagTarget,
                Details = details,
                Note = steps < 234 ? $"an epoch of {steps} steps (a 30,000-image source epoch has 234): the snapshot's share is overstated" : null,
            };
        }

        public PerformanceFigure Bma()
        {
            int samples = options.BmaSamples;
            progress?.Report($"BMA of {samples} samples vs {samples} one-model evaluations: resnet8, {options.BmaImages} images");
            using var model = CreateModel("resnet8");
            using var store = new SampleStore();
            using var generator = new Generator((ulong)options.Seed + 7);
            using (no_grad())
            {
                for (int s = 0; s < samples; s++)
                {
                    foreach (var p in model.parameters())
                    {
                        using var scope = NewDisposeScope();
                        p.add_(empty_like(p).normal_(0, 0.01, generator));
                    }
                    store.Add(model);
                }
            }
            using var images = rand([options.BmaImages, 1, 28, 28], generator: generator);
            var result = PairedTiming.Compare(
                () => { using var scope = NewDisposeScope(); BmaPredictor.Predict(model, images); },
                () => { using var scope = NewDisposeScope(); BmaPredictor.Predict(model, store, images); },
                Rounds, cancellationToken: cancellationToken);
            var details = result.Details("one-model evaluation (softmax probabilities)", $"BMA of {samples} stored samples (each loaded into the model, own BatchNorm statistics)", null, "Evaluation");
            details["images"] = options.BmaImages;
            details["samples"] = samples;
            // Ratios against S one-model evaluations, like the figure.
            details["ratios"] = result.Ratios.Select(r => Math.Round(r / samples, 4)).ToArray();
            details["cpuTimeRatio"] = Math.Round(result.MedianCpuRatio / samples, 4);
            details["cpuTimeRatios"] = result.CpuRatios.Select(r => Math.Round(r / samples, 4)).ToArray();
            return new PerformanceFigure
            {
                Id = $"bma/resnet8/samples{samples}",
                Description = $"BMA evaluation of {samples} samples ÷ {samples} × one-model evaluation, resnet8, {options.BmaImages} images",
                Value = result.MedianRatio / samples,
                Unit = "ratio",
                TargetKind = TargetKind.AtMost,
                Target = BmaTarget,
                Details = details,
            };
        }

        public IEnumerable<PerformanceFigure> PriorScaling()
        {
            var points = new List<(long P, int K, double Seconds)>();
            var figures = new List<PerformanceFigure>();
            foreach (var k in options.PriorRanks)
            {
                foreach (var p in options.PriorDimensions)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    progress?.Report($"prior LogProb + AddGradient: P = {FormatCount(p)}, K = {k}");
                    using var prior = RandomPrior(p, k, options.Seed + 8);
                    using var theta = RandomPoint(prior, options.Seed + 11);
                    using var gradient = zeros(p);
                    double seconds = PairedTiming.MedianSeconds(() =>
                    {
                        using var scope = NewDisposeScope();
                        prior.LogProb(theta);
                        prior.AddGradient(theta, gradient, -1e-3);
                    }, options.PriorRepeats);
                    points.Add((p, k, seconds));
                    figures.Add(new PerformanceFigure
                    {
                        Id = $"prior-time/P={FormatCount(p)}/K={k}",
                        Description = $"LowRankGaussian LogProb + AddGradient (the training step's prior term, into an existing gradient vector), P = {p:N0}, K = {k}, float32",
                        Value = seconds * 1000,
                        Unit = "ms",
                        Details = new Dictionary<string, object?>
                        {
                            ["P"] = p,
                            ["K"] = k,
                            ["nanosecondsPerPK"] = Math.Round(seconds * 1e9 / (p * (double)k), 4),
                            ["repeats"] = options.PriorRepeats,
                        },
                    });
                }
            }
            foreach (var f in figures) yield return f;

            var (slope, intercept, r2) = FitLine(points.Select(t => (double)t.P * t.K).ToArray(), points.Select(t => t.Seconds).ToArray());
            var (coefficients, r2Full) = FitPlane(points);
            yield return new PerformanceFigure
            {
                Id = "prior-linearity",
                Description = "prior LogProb + AddGradient time fitted as a·P·K + c·P + b (products with U, element-wise work, fixed cost) over all sizes: R²",
                Value = r2Full,
                Unit = "R²",
                TargetKind = TargetKind.AtLeast,
                Target = LinearityTarget,
                Details = new Dictionary<string, object?>
                {
                    ["aNanosecondsPerPK"] = Math.Round(coefficients[0] * 1e9, 4),
                    ["cNanosecondsPerP"] = Math.Round(coefficients[1] * 1e9, 4),
                    ["bMs"] = Math.Round(coefficients[2] * 1000, 4),
                    ["fitPKOnly"] = new Dictionary<string, object?>
                    {
                        ["model"] = "time = a·P·K + b",
                        ["nanosecondsPerPK"] = Math.Round(slope * 1e9, 4),
                        ["interceptMs"] = Math.Round(intercept * 1000, 4),
                        ["r2"] = Math.Round(r2, 6),
                    },
                },
                Note = "the cost has an O(P) part too (θ−μ, scaling by 1/A, the update), so the plain a·P·K + b fit (in details) is lower at small K",
            };

            var dims = options.PriorDimensions.Order().ToArray();
            long large = dims[^1], middle = dims[^2];
            foreach (var k in options.PriorRanks)
            {
                double perLarge = points.Single(t => t.P == large && t.K == k).Seconds / large;
                double perMiddle = points.Single(t => t.P == middle && t.K == k).Seconds / middle;
                yield return new PerformanceFigure
                {
                    Id = $"prior-scaling/K={k}",
                    Description = $"prior time per P·K at P = {FormatCount(large)} ÷ at P = {FormatCount(middle)}, K = {k} (1 = linear)",
                    Value = perLarge / perMiddle,
                    Unit = "ratio",
                    TargetKind = TargetKind.AtMost,
                    Target = ScalingTarget,
                };
            }
        }

        public IEnumerable<PerformanceFigure> Throughput(PyTorchReference? pytorch)
        {
            int batch = options.ThroughputBatchSize;
            int steps = options.StepsPerBlock;
            var sameLayout = new List<PerformanceFigure>();
            foreach (var arch in options.Architectures)
            {
                progress?.Report($"training throughput: {arch}, batch {batch}{(pytorch is null ? "" : ", interleaved with PyTorch")}");
                using var data = RandomImages(steps * batch, options.Seed + 9);
                using var model = CreateModel(arch);
                var sgd = new SgdOptions { Steps = steps, BatchSize = batch, LearningRate = 0.01, WeightDecay = 5e-4, Nesterov = true, Seed = options.Seed };
                void Train() => SgdTrainer.Train(model, data, sgd);
                var details = new Dictionary<string, object?> { ["stepsPerBlock"] = steps, ["threads"] = options.Threads };
                string ratioId = $"pytorch-ratio/{arch}/batch{batch}";
                string sameLayoutId = $"pytorch-ratio-channels-last/{arch}/batch{batch}";
                string sameLayoutDescription = $"training throughput ÷ PyTorch's with the same channels-last activations, {arch}, batch {batch}";
                if (pytorch is null)
                {
                    double seconds = PairedTiming.MedianSeconds(Train, Rounds);
                    yield return ThroughputFigure(arch, batch, steps * batch / seconds, details);
                    yield return new PerformanceFigure
                    {
                        Id = ratioId,
                        Description = $"training throughput ÷ PyTorch's on the same network and step, {arch}, batch {batch}",
                        Unit = "ratio",
                        TargetKind = TargetKind.AtLeast,
                        Target = PyTorchTarget,
                        Note = "not measured: run with --compare-pytorch",
                    };
                    sameLayout.Add(new PerformanceFigure { Id = sameLayoutId, Description = sameLayoutDescription, Unit = "ratio", Note = "not measured: run with --compare-pytorch" });
                    continue;
                }

                var result = PairedTiming.Compare(() => pytorch.Run(arch, steps), () => { Train(); return (BlockTime?)null; }, Rounds, cancellationToken: cancellationToken);
                double csharp = steps * batch / result.MedianCandidateSeconds;
                double python = steps * batch / result.MedianBaselineSeconds;
                yield return ThroughputFigure(arch, batch, csharp, details);
                yield return PyTorchFigure(ratioId, $"training throughput ÷ PyTorch {pytorch.TorchVersion}'s on the same network and step, {arch}, batch {batch}, {options.Threads} thread(s)",
                    result, pytorch, python, csharp, steps, "PyTorch with its default memory format (idiomatic)", PyTorchTarget, null);

                progress?.Report($"training throughput: {arch}, batch {batch}, interleaved with PyTorch using channels-last activations");
                var cl = PairedTiming.Compare(() => pytorch.Run(arch, steps, channelsLast: true), () => { Train(); return (BlockTime?)null; }, Rounds, cancellationToken: cancellationToken);
                sameLayout.Add(PyTorchFigure(sameLayoutId, sameLayoutDescription, cl, pytorch, steps * batch / cl.MedianBaselineSeconds, steps * batch / cl.MedianCandidateSeconds,
                    steps, "PyTorch with the stages on channels-last activations, as PriorTransfer's CifarResNet", null,
                    "information: both sides with the same activation layout"));
            }
            foreach (var f in sameLayout) yield return f;
            foreach (var arch in options.Architectures) yield return LayoutEffect(arch);
        }

        private PerformanceFigure PyTorchFigure(string id, string description, PairedResult result, PyTorchReference pytorch, double python, double csharp,
            int steps, string baseline, double? target, string? note)
        {
            var details = result.Details($"PyTorch {pytorch.TorchVersion} (Python), {pytorch.Threads} thread(s): {baseline}", $"PriorTransfer SgdTrainer, {options.Threads} thread(s)", steps, "Step");
            details["pytorchImagesPerSecond"] = Math.Round(python, 1);
            details["csharpImagesPerSecond"] = Math.Round(csharp, 1);
            details["pytorchVersion"] = pytorch.TorchVersion;
            details["threads"] = options.Threads;
            // Throughput ratios are baseline time ÷ candidate time: the reciprocals of the step-time ratios.
            InvertRatios(details, result);
            return new PerformanceFigure
            {
                Id = id,
                Description = description,
                Value = PairedTiming.Median(result.Ratios.Select(r => 1 / r)),
                Unit = "ratio",
                TargetKind = target is null ? TargetKind.None : TargetKind.AtLeast,
                Target = target,
                Details = details,
                Note = note,
            };
        }

        /// <summary>
        /// Forward + backward of each resnet8 layer shape (<see cref="LayerCase.ResNet8"/>): PyTorch's time ÷ ours,
        /// interleaved block by block like the throughput figures, then the share of the layers' time at 28×28 input.
        /// </summary>
        public IEnumerable<PerformanceFigure> Layers(PyTorchReference? pytorch)
        {
            int batch = options.ThroughputBatchSize;
            int reps = options.LayerRepetitions, warmup = options.LayerWarmup;
            var perPass = new List<(LayerCase Layer, double Csharp, double? PyTorch)>();
            foreach (var layer in LayerCase.ResNet8)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report($"layer forward + backward: {layer.Name}, batch {batch}{(pytorch is null ? "" : ", interleaved with PyTorch")}");
                using var work = new LayerWorkload(layer, batch, options.Seed + 15);
                string id = LayerFigureId(layer, batch);
                string what = $"forward + backward of {layer.Description}, batch {batch}, {options.Threads} thread(s)";
                if (pytorch is null)
                {
                    double seconds = PairedTiming.Median(Enumerable.Range(0, Rounds).Select(_ => work.Block(reps, warmup).Seconds)) / reps;
                    perPass.Add((layer, seconds, null));
                    yield return new PerformanceFigure
                    {
                        Id = id,
                        Description = $"PyTorch's time ÷ ours for the {what} (above 1: we are faster)",
                        Unit = "ratio",
                        Details = new Dictionary<string, object?> { ["csharpMsPerPass"] = Math.Round(seconds * 1000, 3), ["repetitionsPerBlock"] = reps },
                        Note = $"not measured: run with --compare-pytorch (ours: {seconds * 1000:F2} ms per pass)",
                    };
                    continue;
                }

                var result = PairedTiming.Compare(() => pytorch.RunLayer(layer, reps, warmup), () => work.Block(reps, warmup), Rounds, cancellationToken: cancellationToken);
                double csharp = result.MedianCandidateSeconds / reps, python = result.MedianBaselineSeconds / reps;
                perPass.Add((layer, csharp, python));
                var details = result.Details($"PyTorch {pytorch.TorchVersion} (Python), {pytorch.Threads} thread(s)", $"PriorTransfer's TorchSharp, {options.Threads} thread(s)", reps, "Pass");
                details["repetitionsPerBlock"] = reps;
                details["untimedWarmupPerBlock"] = warmup;
                details["countInResNet8"] = layer.CountInResNet8;
                InvertRatios(details, result);
                yield return new PerformanceFigure
                {
                    Id = id,
                    Description = $"PyTorch {pytorch.TorchVersion}'s time ÷ ours for the {what} (above 1: we are faster)",
                    Value = PairedTiming.Median(result.Ratios.Select(r => 1 / r)),
                    Unit = "ratio",
                    Details = details,
                    Note = $"information: ours {csharp * 1000:F2} ms, PyTorch {python * 1000:F2} ms per pass",
                };
            }
            yield return LayerShare(batch, perPass, ResNet8Step(pytorch));
        }

        /// <summary>
        /// The resnet8 training step the share figure divides by: SgdTrainer on channels-last activations, against
        /// PyTorch running the same channels-last network (interleaved), as the layer cases use those layouts.
        /// </summary>
        private (double Csharp, double? PyTorch) ResNet8Step(PyTorchReference? pytorch)
        {
            int batch = options.ThroughputBatchSize;
            int steps = options.StepsPerBlock;
            progress?.Report($"resnet8 training step for the 28×28 share, batch {batch}{(pytorch is null ? "" : ", interleaved with PyTorch using channels-last activations")}");
            using var data = RandomImages(steps * batch, options.Seed + 16);
            using var model = CreateModel("resnet8");
            var sgd = new SgdOptions { Steps = steps, BatchSize = batch, LearningRate = 0.01, WeightDecay = 5e-4, Nesterov = true, Seed = options.Seed };
            void Train() => SgdTrainer.Train(model, data, sgd);
            if (pytorch is null) return (PairedTiming.MedianSeconds(Train, Rounds) / steps, null);
            var result = PairedTiming.Compare(() => pytorch.Run("resnet8", steps, channelsLast: true), () => { Train(); return (BlockTime?)null; }, Rounds, cancellationToken: cancellationToken);
            return (result.MedianCandidateSeconds / steps, result.MedianBaselineSeconds / steps);
        }

        /// <summary>
        /// The share of resnet8's training step spent in forward + backward of its layers at 28×28 input (each shape
        /// times its count), and the per-step difference to PyTorch split into those layers, the 14×14 and 7×7 ones and
        /// the rest of the step.
        /// </summary>
        private static PerformanceFigure LayerShare(int batch, List<(LayerCase Layer, double Csharp, double? PyTorch)> perPass, (double Csharp, double? PyTorch) step)
        {
            static double Sum(IEnumerable<(LayerCase Layer, double Seconds)> items) => items.Sum(t => t.Layer.CountInResNet8 * t.Seconds) * 1000;
            double csharpLarge = Sum(perPass.Where(t => t.Layer.Size == 28).Select(t => (t.Layer, t.Csharp)));
            double csharpAll = Sum(perPass.Select(t => (t.Layer, t.Csharp)));
            double csharpStep = step.Csharp * 1000;
            var details = new Dictionary<string, object?>
            {
                ["counted"] = "forward + backward of each resnet8 convolution and BatchNorm + ReLU, timed alone, times its count in the network; " +
                              "the rest of the step is the training step minus all layers: residual adds, pooling, head, loss, optimiser, batch selection (and any difference between a layer alone and in the network)",
                ["csharpStepMs"] = Math.Round(csharpStep, 3),
                ["csharpLayersMs28px"] = Math.Round(csharpLarge, 3),
                ["csharpLayersMsAll"] = Math.Round(csharpAll, 3),
                ["csharpRestMs"] = Math.Round(csharpStep - csharpAll, 3),
            };
            string note = $"information: ours {csharpLarge:F1} of a {csharpStep:F1} ms step at 28×28 ({csharpAll:F1} ms in all layers)";
            if (step.PyTorch is { } pytorchSeconds && perPass.All(t => t.PyTorch is not null))
            {
                double pytorchLarge = Sum(perPass.Where(t => t.Layer.Size == 28).Select(t => (t.Layer, t.PyTorch!.Value)));
                double pytorchAll = Sum(perPass.Select(t => (t.Layer, t.PyTorch!.Value)));
                double pytorchStep = pytorchSeconds * 1000;
                details["pytorchStepMs"] = Math.Round(pytorchStep, 3);
                details["pytorchLayersMs28px"] = Math.Round(pytorchLarge, 3);
                details["pytorchLayersMsAll"] = Math.Round(pytorchAll, 3);
                details["pytorchRestMs"] = Math.Round(pytorchStep - pytorchAll, 3);
                details["pytorchSharePercent"] = Math.Round(100 * pytorchLarge / pytorchStep, 1);
                note += $", PyTorch {pytorchLarge:F1} of {pytorchStep:F1} ms ({100 * pytorchLarge / pytorchStep:F0} %); ours − PyTorch per step: " +
                        $"{csharpLarge - pytorchLarge:+0.0;-0.0} ms in the 28×28 layers, {csharpAll - csharpLarge - (pytorchAll - pytorchLarge):+0.0;-0.0} ms in the 14×14 and 7×7 layers, " +
                        $"{csharpStep - csharpAll - (pytorchStep - pytorchAll):+0.0;-0.0} ms in the rest of the step";
            }
            return new PerformanceFigure
            {
                Id = $"layer-share-28px/resnet8/batch{batch}",
                Description = $"share of resnet8's training step (batch {batch}, channels-last) spent in forward + backward of its layers at 28×28 input, ours (PyTorch's, same network, in the note)",
                Value = 100 * csharpLarge / csharpStep,
                Unit = "%",
                Details = details,
                Note = note,
            };
        }

        /// <summary>CifarResNet's channels-last activations ÷ the default memory format (interleaved in-process).</summary>
        private PerformanceFigure LayoutEffect(string arch)
        {
            int batch = options.ThroughputBatchSize;
            int steps = options.StepsPerBlock;
            progress?.Report($"activation layout: channels-last vs default, {arch}, batch {batch}");
            using var data = RandomImages(steps * batch, options.Seed + 14);
            using var model = CreateModel(arch);
            var backbone = (CifarResNet)model.Backbone;
            var sgd = new SgdOptions { Steps = steps, BatchSize = batch, LearningRate = 0.01, WeightDecay = 5e-4, Seed = options.Seed };
            PairedResult result;
            try
            {
                result = PairedTiming.Compare(
                    () => { backbone.ChannelsLast = false; SgdTrainer.Train(model, data, sgd); },
                    () => { backbone.ChannelsLast = true; SgdTrainer.Train(model, data, sgd); },
                    Rounds, cancellationToken: cancellationToken);
            }
            finally
            {
                backbone.ChannelsLast = true;
            }
            return new PerformanceFigure
            {
                Id = $"channels-last/{arch}/batch{batch}",
                Description = $"training step with channels-last activations ÷ with the default memory format, {arch}, batch {batch}",
                Value = result.MedianRatio,
                Unit = "ratio",
                Details = result.Details("stages on NCHW (default) activations", "stages on channels-last activations (CifarResNet default)", steps, "Step"),
                Note = "information: below 1 means the channels-last default makes training faster",
            };
        }

        public IEnumerable<PerformanceFigure> PriorMemory()
        {
            long p = options.MemoryDimension;
            int k = options.MemoryRank;
            progress?.Report($"prior memory: P = {FormatCount(p)}, K = {k}");
            double ideal = (k + 2.0) * p * sizeof(float);
            string? note = p < 25_000_000 ? $"P = {FormatCount(p)} in this profile (BENCHMARK asks for 2.5e7)" : null;
            if (!ProcessMemory.IsAvailable)
            {
                foreach (var id in new[] { "prior-memory/peak", "prior-memory/held" })
                    yield return new PerformanceFigure { Id = id, Description = "prior memory", Unit = "ratio", Note = "not measured: /proc/self/status is not available on this system" };
                yield break;
            }

            // Warm-up at a small size: libtorch's code pages and thread pools are not the prior's memory.
            using (var small = RandomPrior(200_000, k, options.Seed + 10))
            using (var smallTheta = RandomPoint(small, options.Seed + 11))
            using (var smallGradient = zeros(200_000))
            using (NewDisposeScope())
            {
                small.LogProb(smallTheta).item<float>();
                small.AddGradient(smallTheta, smallGradient, -1e-3);
            }
            // θ and its gradient stand for the model's parameters and gradients, which exist anyway: made before the baseline.
            using var theta = RandomVector(p, options.Seed + 11);
            using var gradient = zeros(p);
            // Every temporary counted: with freed memory retained, a temporary could reuse pages freed earlier.
            bool restored = NativeAllocator.IsRetaining && NativeAllocator.RestoreDefaults();
            long held, peak;
            double seconds;
            bool peakReset;
            long managedBefore;
            try
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                // Free heap kept by the retaining policy would otherwise be returned (or reused) inside the window.
                NativeAllocator.ReleaseFreeMemory();
                peakReset = ProcessMemory.TryResetPeak();
                var (before, _) = ProcessMemory.Read();
                managedBefore = GC.GetTotalAllocatedBytes(precise: true);
                using var prior = RandomPrior(p, k, options.Seed + 10);
                held = ProcessMemory.Read().Resident - before;
                var clock = Stopwatch.StartNew();
                using (NewDisposeScope())
                {
                    prior.LogProb(theta).item<float>();
                    prior.AddGradient(theta, gradient, -1e-3);
                }
                seconds = clock.Elapsed.TotalSeconds;
                peak = ProcessMemory.Read().Peak - before;
            }
            finally
            {
                if (restored) NativeAllocator.RetainFreedMemory();
            }
            long managed = GC.GetTotalAllocatedBytes(precise: true) - managedBefore;
            var details = new Dictionary<string, object?>
            {
                ["P"] = p,
                ["K"] = k,
                ["idealBytes"] = (long)ideal,
                ["heldBytes"] = held,
                ["peakBytes"] = peak,
                ["managedAllocatedBytes"] = managed,
                ["logProbPlusAddGradientSeconds"] = Math.Round(seconds, 3),
                ["peakResetByClearRefs"] = peakReset,
                ["includes"] = "peak: building the prior from fresh tensors (mean, diagonal, factor) with its constants (1/A, K×K factors), then LogProb and AddGradient (with the prior's two work vectors) at a θ and into a gradient made beforehand; measured with glibc's default thresholds so that every temporary counts",
            };
            yield return new PerformanceFigure
            {
                Id = "prior-memory/peak",
                Description = $"peak resident memory of building a LowRankGaussian and one LogProb + AddGradient ÷ (K+2)·P·4 bytes, P = {p:N0}, K = {k}",
                Value = peakReset ? peak / ideal : null,
                Unit = "ratio",
                TargetKind = TargetKind.AtMost,
                Target = MemoryTarget,
                Details = details,
                Note = peakReset ? note : "not measured: the kernel refused to reset the peak (/proc/self/clear_refs)",
            };
            yield return new PerformanceFigure
            {
                Id = "prior-memory/held",
                Description = $"resident memory held by the built prior ÷ (K+2)·P·4 bytes, P = {p:N0}, K = {k}",
                Value = held / ideal,
                Unit = "ratio",
                Details = new Dictionary<string, object?> { ["heldBytes"] = held, ["idealBytes"] = (long)ideal, ["managedAllocatedBytes"] = managed },
                Note = note,
            };
        }

        /// <summary>Training step with the configured thread count ÷ with one thread (interleaved in-process).</summary>
        public PerformanceFigure ThreadEffect()
        {
            int batch = options.ThroughputBatchSize;
            string id = $"threads/resnet8/batch{batch}";
            string description = $"training step with {options.Threads} threads ÷ with 1 thread, resnet8, batch {batch}";
            if (options.Threads == 1)
                return new PerformanceFigure { Id = id, Description = description, Unit = "ratio", Note = "not measured: the run uses one thread" };
            progress?.Report($"thread count: {options.Threads} threads vs 1, resnet8, batch {batch}");
            int steps = options.StepsPerBlock;
            using var data = RandomImages(steps * batch, options.Seed + 13);
            using var model = CreateModel("resnet8");
            var sgd = new SgdOptions { Steps = steps, BatchSize = batch, LearningRate = 0.01, WeightDecay = 5e-4, Seed = options.Seed };
            PairedResult result;
            try
            {
                result = PairedTiming.Compare(
                    () => { set_num_threads(1); SgdTrainer.Train(model, data, sgd); },
                    () => { set_num_threads(options.Threads); SgdTrainer.Train(model, data, sgd); },
                    Rounds, cancellationToken: cancellationToken);
            }
            finally
            {
                set_num_threads(options.Threads);
            }
            return new PerformanceFigure
            {
                Id = id,
                Description = description,
                Value = result.MedianRatio,
                Unit = "ratio",
                Details = result.Details("1 thread", $"{options.Threads} threads", steps, "Step"),
                Note = $"information: {1 / result.MedianRatio:F2}× speed-up from {options.Threads} threads (on a loaded machine threads compete with other processes)",
            };
        }

        /// <summary>Training step with freed native memory retained ÷ with glibc's default thresholds (interleaved in-process).</summary>
        public PerformanceFigure AllocatorEffect(bool retaining)
        {
            const string id = "native-allocator/resnet8/batch64";
            const string description = "training step with freed native memory retained ÷ with glibc's default malloc thresholds, resnet8, batch 64";
            if (!retaining)
                return new PerformanceFigure { Id = id, Description = description, Unit = "ratio", Note = "not measured: the run uses the C allocator's defaults (or the C library is not glibc)" };
            progress?.Report("native allocator policy: freed memory retained vs glibc defaults, resnet8, batch 64");
            int steps = options.StepsPerBlock;
            using var data = RandomImages(steps * 64, options.Seed + 12);
            using var model = CreateModel("resnet8");
            var sgd = new SgdOptions { Steps = steps, BatchSize = 64, LearningRate = 0.01, WeightDecay = 5e-4, Seed = options.Seed };
            PairedResult result;
            try
            {
                result = PairedTiming.Compare(
                    () => { NativeAllocator.RestoreDefaults(); SgdTrainer.Train(model, data, sgd); },
                    () => { NativeAllocator.RetainFreedMemory(); SgdTrainer.Train(model, data, sgd); },
                    Rounds, cancellationToken: cancellationToken);
            }
            finally
            {
                NativeAllocator.RetainFreedMemory();
            }
            return new PerformanceFigure
            {
                Id = id,
                Description = description,
                Value = result.MedianRatio,
                Unit = "ratio",
                Details = result.Details($"glibc malloc with fixed default thresholds ({NativeAllocator.DefaultThresholdBytes / 1024} KB)", NativeAllocator.Policy, steps, "Step"),
                Note = "information: below 1 means retaining freed memory makes steps faster (page faults avoided)",
            };
        }

        private PerformanceFigure ThroughputFigure(string arch, int batch, double imagesPerSecond, Dictionary<string, object?> details) => new()
        {
            Id = $"throughput/{arch}/batch{batch}",
            Description = $"training throughput (SgdTrainer: SGD momentum 0.9 Nesterov, weight decay 5e-4), {arch}, batch {batch} of 1×28×28, {options.Threads} thread(s)",
            Value = imagesPerSecond,
            Unit = "images/s",
            Details = details,
        };

        private Classifier CreateModel(string arch) => ModelFactory.Create(new ModelSpec(arch, 1, Classes), options.Seed);
    }

    /// <summary>
    /// Figures against PyTorch read PyTorch's time ÷ ours (above 1: we are faster), the reciprocal of the paired
    /// candidate ÷ baseline ratios: the details' per-round and CPU-time ratios are turned the same way.
    /// </summary>
    private static void InvertRatios(Dictionary<string, object?> details, PairedResult result)
    {
        details["cpuTimeRatio"] = Math.Round(PairedTiming.Median(result.CpuRatios.Select(r => 1 / r)), 4);
        details["ratios"] = result.Ratios.Select(r => Math.Round(1 / r, 4)).ToArray();
        details["cpuTimeRatios"] = result.CpuRatios.Select(r => Math.Round(1 / r, 4)).ToArray();
    }

    /// <summary>The sampler figures' loop: SgdTrainer's step with another optimiser.</summary>
    private static void RunSteps(Classifier model, BatchIterator batches, Generator generator, OptimizerHelper optimizer, PosteriorObjective objective, int steps)
    {
        model.train();
        int step = 0;
        foreach (var batch in batches.Epoch(generator))
        {
            if (step++ >= steps) break;
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = objective.DataLoss(model, batch.Images, batch.Labels);
            loss.backward();
            objective.AddPriorGradient(model);
            optimizer.step();
        }
    }

    private static ImageSet RandomImages(int count, long seed)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        var images = rand([count, 1, 28, 28], generator: generator);
        var labels = randint(0, Classes, [count], ScalarType.Int64, generator: generator);
        return new ImageSet(images, labels, Enumerable.Range(0, Classes).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>
    /// A learned-prior stand-in of realistic scale: mean at the model's backbone weights, diagonal in [0.005, 0.05],
    /// factor entries of standard deviation √(0.01/K); N(0, 1) on the head.
    /// </summary>
    private static CompositePrior LearnedPrior(Classifier model, int rank, long seed)
    {
        var layout = ParameterLayout.WithPrefixes(model, "backbone");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed);
        var mean = layout.Flatten(model).detach();
        var diagonal = rand(layout.Dimension, generator: generator).mul_(0.045).add_(0.005);
        var factor = randn([layout.Dimension, rank], generator: generator).mul_(Math.Sqrt(0.01 / rank));
        var prior = new LowRankGaussian(mean, diagonal, factor);
        return CompositePrior.WithIsotropicRemainder(model, layout, prior, 1.0);
    }

    /// <summary>A prior over P coordinates built from fresh tensors without copies (what a prior file load produces).</summary>
    private static LowRankGaussian RandomPrior(long p, int k, long seed)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed);
        var mean = randn(p, generator: generator).mul_(0.1);
        var diagonal = rand(p, generator: generator).mul_(0.045).add_(0.005);
        var factor = randn([p, k], generator: generator).mul_(Math.Sqrt(0.01 / k));
        return LowRankGaussian.Adopt(mean, diagonal, factor, ScalarType.Float32);
    }

    private static Tensor RandomPoint(LowRankGaussian prior, long seed)
    {
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        return randn(prior.Dimension, generator: generator).mul_(0.1).add_(prior.Mean);
    }

    private static Tensor RandomVector(long p, long seed)
    {
        using var generator = new Generator((ulong)seed);
        return randn(p, generator: generator).mul_(0.1);
    }

    private static long ParameterCount(nn.Module module) => module.parameters().Sum(p => p.numel());

    /// <summary>Least squares y ≈ slope·x + intercept and its R².</summary>
    public static (double Slope, double Intercept, double R2) FitLine(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        double slope = sxx == 0 ? 0 : sxy / sxx;
        double intercept = my - slope * mx;
        double r2 = syy == 0 ? 1 : sxy * sxy / (sxx * syy);
        return (slope, intercept, r2);
    }

    /// <summary>Least squares t ≈ a·P·K + c·P + b (the O(P·K) and O(P) parts of the cost) and its R².</summary>
    private static (double[] Coefficients, double R2) FitPlane(List<(long P, int K, double Seconds)> points)
    {
        var rows = points.Select(t => new[] { (double)t.P * t.K, t.P, 1.0 }).ToArray();
        var y = points.Select(t => t.Seconds).ToArray();
        // Normal equations, 3×3, solved by Gaussian elimination with partial pivoting.
        var a = new double[3, 4];
        for (int i = 0; i < rows.Length; i++)
            for (int r = 0; r < 3; r++)
            {
                for (int c = 0; c < 3; c++) a[r, c] += rows[i][r] * rows[i][c];
                a[r, 3] += rows[i][r] * y[i];
            }
        var solution = new double[3];
        for (int col = 0; col < 3; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < 3; r++) if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col])) pivot = r;
            for (int c = 0; c < 4; c++) (a[col, c], a[pivot, c]) = (a[pivot, c], a[col, c]);
            if (Math.Abs(a[col, col]) < 1e-300) return (new double[3], double.NaN);
            for (int r = 0; r < 3; r++)
            {
                if (r == col) continue;
                double f = a[r, col] / a[col, col];
                for (int c = col; c < 4; c++) a[r, c] -= f * a[col, c];
            }
        }
        for (int r = 0; r < 3; r++) solution[r] = a[r, 3] / a[r, r];
        double mean = y.Average(), total = 0, residual = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double fit = solution[0] * rows[i][0] + solution[1] * rows[i][1] + solution[2];
            residual += (y[i] - fit) * (y[i] - fit);
            total += (y[i] - mean) * (y[i] - mean);
        }
        return (solution, total == 0 ? 1 : 1 - residual / total);
    }
}
