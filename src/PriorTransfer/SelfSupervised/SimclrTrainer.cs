using System.Diagnostics;
using PriorTransfer.Data;
using PriorTransfer.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PriorTransfer.SelfSupervised;

/// <summary>
/// SimCLR training (Chen et al., 2020, algorithm 1): minibatches of unlabelled images, two augmented views each, the
/// NT-Xent loss of their projections (<see cref="SimclrObjective"/>), SGD with momentum (or Adam) with L2 weight
/// decay, linear warm-up and cosine decay. The batch order and the views come from one generator seeded by
/// <see cref="SimclrOptions.Seed"/>; torch's global RNG is never used. A non-finite loss raises
/// <see cref="TrainingDivergedException"/>. Progress is reported with stage <see cref="Stage"/>.
/// </summary>
public static class SimclrTrainer
{
    public const string Stage = "simclr";

    /// <summary>Number of optimiser steps a run of these options makes on <paramref name="count"/> images.</summary>
    public static int StepCount(long count, SimclrOptions options)
    {
        int batchSize = (int)Math.Min(options.BatchSize, count);
        return options.Steps ?? options.Epochs * (int)(count / batchSize);
    }

    /// <summary>Learning rate at <paramref name="step"/>: linear warm-up, then cosine decay.</summary>
    public static double LearningRateAt(int step, int totalSteps, SimclrOptions options)
    {
        int warmup = Math.Min(options.WarmupSteps, Math.Max(totalSteps - 1, 0));
        if (step < warmup) return options.LearningRate * (step + 1) / (warmup + 1);
        return new CosineSchedule(options.LearningRate, totalSteps - warmup, options.FinalLearningRateFraction).At(step - warmup);
    }

    /// <summary>
    /// Trains <paramref name="model"/> in place on <paramref name="images"/> (labels ignored); leaves it in eval mode.
    /// <paramref name="afterStep"/> runs after every optimiser step with the 0-based step index (the model is in train
    /// mode; a callback that evaluates must restore it).
    /// </summary>
    public static SimclrTrainingResult Train(
        SimclrModel model,
        ImageSet images,
        SimclrOptions options,
        IProgress<TrainingProgress>? progress = null,
        Action<int>? afterStep = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        options.Validate();
        if (images.Count < 2) throw new ArgumentException($"SimCLR needs at least 2 images; got {images.Count}.", nameof(images));
        int batchSize = (int)Math.Min(options.BatchSize, images.Count);
        int batchesPerEpoch = (int)(images.Count / batchSize);
        int totalSteps = StepCount(images.Count, options);
        int totalEpochs = (totalSteps + batchesPerEpoch - 1) / batchesPerEpoch;
        var objective = new SimclrObjective(options);

        using var generator = new Generator((ulong)options.Seed);
        using var optimizer = CreateOptimizer(model, options);
        model.train();

        var batches = new BatchIterator(images, batchSize, shuffle: true, dropLast: true);
        var epochLosses = new List<double>();
        var clock = Stopwatch.StartNew();
        var reportClock = Stopwatch.StartNew();
        double runningLoss = double.NaN;
        int step = 0;
        for (int epoch = 0; step < totalSteps; epoch++)
        {
            double epochSum = 0;
            int epochSteps = 0;
            foreach (var batch in batches.Epoch(generator))
            {
                if (step >= totalSteps) break;
                cancellationToken.ThrowIfCancellationRequested();
                foreach (var group in optimizer.ParamGroups) group.LearningRate = LearningRateAt(step, totalSteps, options);
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var loss = objective.Loss(model, batch.Images, generator);
                loss.backward();
                double value = loss.item<float>();
                if (!double.IsFinite(value)) throw new TrainingDivergedException(Stage, step + 1, value);
                optimizer.step();
                afterStep?.Invoke(step);
                epochSum += value;
                epochSteps++;
                runningLoss = double.IsNaN(runningLoss) ? value : 0.95 * runningLoss + 0.05 * value;

                bool last = step == totalSteps - 1;
                if (progress is not null && (last || step == 0 || reportClock.ElapsedMilliseconds >= 500))
                {
                    double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                    progress.Report(new TrainingProgress(Stage, step + 1, totalSteps, epoch + 1, totalEpochs,
                        runningLoss, (step + 1) * (double)batchSize / seconds, clock.Elapsed));
                    reportClock.Restart();
                }
                step++;
            }
            if (epochSteps > 0) epochLosses.Add(epochSum / epochSteps);
        }
        model.eval();
        var elapsed = clock.Elapsed;
        return new SimclrTrainingResult(step, epochLosses.Count, epochLosses,
            step * (double)batchSize / Math.Max(elapsed.TotalSeconds, 1e-9), elapsed);
    }

    private static OptimizerHelper CreateOptimizer(SimclrModel model, SimclrOptions options) => options.Optimizer switch
    {
        SimclrOptimizer.Sgd => new Sgd(model.parameters(), options.LearningRate, options.Momentum,
            weightDecay: options.WeightDecay, nesterov: options.Nesterov && options.Momentum > 0),
        SimclrOptimizer.Adam => optim.Adam(model.parameters(), options.LearningRate, weight_decay: options.WeightDecay),
        _ => throw new ArgumentOutOfRangeException(nameof(options), $"unknown optimiser {options.Optimizer}."),
    };
}
