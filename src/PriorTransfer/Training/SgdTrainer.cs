using System.Diagnostics;
using PriorTransfer.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PriorTransfer.Training;

/// <summary>The per-batch loss of a model: a scalar tensor to minimise (e.g. mean cross-entropy, or the negative log posterior / N).</summary>
public delegate Tensor BatchLoss(Module<Tensor, Tensor> model, Tensor images, Tensor labels);

/// <summary>
/// The minibatch loop of every training run: SGD with (Nesterov) momentum, L2 weight decay and cosine annealing by
/// default (source pre-training, fine-tuning, SWAG, MAP), or another optimiser with its own learning-rate schedule
/// and per-step hooks (the SG-MCMC samplers). Shuffling and augmentation draw from a generator seeded by
/// <see cref="SgdOptions.Seed"/>, never from torch's global RNG. The loss is checked for NaN/Inf at every progress
/// report and every <see cref="DivergenceCheckInterval"/> steps.
/// </summary>
public static class SgdTrainer
{
    /// <summary>Mean cross-entropy of the model's logits: the standard supervised loss.</summary>
    public static Tensor CrossEntropy(Module<Tensor, Tensor> model, Tensor images, Tensor labels) =>
        nn.functional.cross_entropy(model.forward(images), labels);

    /// <summary>Steps between two checks that the loss is finite when no progress is reported (each check synchronises).</summary>
    public const int DivergenceCheckInterval = 25;

    /// <summary>Number of optimiser steps a run of these options makes on <paramref name="count"/> examples.</summary>
    public static int StepCount(long count, SgdOptions options)
    {
        int batchSize = (int)Math.Min(options.BatchSize, count);
        return options.Steps ?? options.Epochs * (int)(count / batchSize);
    }

    public static void Train(
        Module<Tensor, Tensor> model,
        ImageSet data,
        SgdOptions options,
        BatchLoss? loss = null,
        Augmentation? augmentation = null,
        IProgress<TrainingProgress>? progress = null,
        string stage = "train",
        Action<int>? afterStep = null,
        Action<Module<Tensor, Tensor>>? afterBackward = null,
        Func<int, double>? learningRate = null,
        Func<Module<Tensor, Tensor>, OptimizerHelper>? optimizer = null,
        Action<int>? beforeStep = null,
        CancellationToken cancellationToken = default)
    {
        options.Validate();
        loss ??= CrossEntropy;
        int batchSize = (int)Math.Min(options.BatchSize, data.Count);
        int batchesPerEpoch = (int)(data.Count / batchSize);
        int totalSteps = StepCount(data.Count, options);
        int totalEpochs = (totalSteps + batchesPerEpoch - 1) / batchesPerEpoch;
        learningRate ??= new CosineSchedule(options.LearningRate, totalSteps, options.FinalLearningRateFraction).At;

        using var generator = new Generator((ulong)options.Seed);
        using var stepper = optimizer?.Invoke(model) ?? new Sgd(model.parameters(), options.LearningRate, options.Momentum,
            weightDecay: options.WeightDecay, nesterov: options.Nesterov && options.Momentum > 0);
        model.train();

        var batches = new BatchIterator(data, batchSize, shuffle: true, dropLast: true, augmentation);
        var clock = Stopwatch.StartNew();
        var reportClock = Stopwatch.StartNew();
        double runningLoss = double.NaN;
        int step = 0;
        for (int epoch = 0; step < totalSteps; epoch++)
        {
            foreach (var batch in batches.Epoch(generator))
            {
                if (step >= totalSteps) break;
                cancellationToken.ThrowIfCancellationRequested();
                foreach (var group in stepper.ParamGroups) group.LearningRate = learningRate(step);
                beforeStep?.Invoke(step);
                using var scope = NewDisposeScope();
                stepper.zero_grad();
                var value = loss(model, batch.Images, batch.Labels);
                value.backward();
                afterBackward?.Invoke(model);
                stepper.step();
                afterStep?.Invoke(step);

                bool last = step == totalSteps - 1;
                bool report = progress is not null && (last || reportClock.ElapsedMilliseconds >= 500 || step == 0);
                if (report || last || step % DivergenceCheckInterval == 0)
                {
                    // Reading the loss synchronises; do it only to report or to check for divergence.
                    double current = value.item<float>();
                    if (!double.IsFinite(current))
                        throw new TrainingDivergedException(stage, step + 1, current);
                    runningLoss = double.IsNaN(runningLoss) ? current : 0.8 * runningLoss + 0.2 * current;
                    if (report)
                    {
                        double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                        progress!.Report(new TrainingProgress(stage, step + 1, totalSteps, epoch + 1, totalEpochs,
                            runningLoss, (step + 1) * (double)batchSize / seconds, clock.Elapsed));
                        reportClock.Restart();
                    }
                }
                step++;
            }
        }
        model.eval();
    }
}
