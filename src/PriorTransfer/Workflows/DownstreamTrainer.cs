using PriorTransfer.Data;
using PriorTransfer.Models;
using PriorTransfer.Priors;
using PriorTransfer.Sampling;
using PriorTransfer.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Workflows;

/// <summary>
/// Fits one downstream method at one hyperparameter setting on a training subset: builds the start model and the
/// posterior (prior on the backbone, zero-mean isotropic prior on the head), then runs SGD, MAP, a cyclical sampler
/// or a deep ensemble under the same <see cref="DownstreamBudget"/>.
/// </summary>
public static class DownstreamTrainer
{
    public static DownstreamFit Fit(DownstreamSetup setup, DownstreamMethod method, DownstreamHyperparameters hyper, ImageSet train,
        int seed, DownstreamBudget budget, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var augmentation = budget.Augment ? new Augmentation(setup.Task.DefaultAugmentation) : null;
        var sgd = new SgdOptions
        {
            Steps = budget.Steps, BatchSize = budget.BatchSize, LearningRate = hyper.LearningRate, Momentum = 0.9,
            WeightDecay = method.Prior == BackbonePrior.None ? hyper.WeightDecay : 0, Seed = seed,
        };
        string stage = method.Id;

        if (method.Inference == InferenceKind.DeepEnsemble)
        {
            var models = new List<Classifier>();
            try
            {
                for (int m = 0; m < budget.EnsembleSize; m++)
                {
                    int memberSeed = checked(seed * 1000 + m);
                    var member = setup.CreateModel(method, memberSeed);
                    models.Add(member);
                    SgdTrainer.Train(member, train, sgd with { Seed = memberSeed }, augmentation: augmentation, progress: progress,
                        stage: $"{stage} {m + 1}/{budget.EnsembleSize}", cancellationToken: cancellationToken);
                }
                return new DownstreamFit(models);
            }
            catch
            {
                foreach (var m in models) m.Dispose();
                throw;
            }
        }

        if (hyper.Preconditioned && method.Inference != InferenceKind.Map)
            throw new ArgumentException($"method '{method.Id}': the preconditioner applies to MAP fits only (the samplers' noise would need the same metric).");
        var model = setup.CreateModel(method, seed);
        try
        {
            if (method.Inference == InferenceKind.Sgd)
            {
                SgdTrainer.Train(model, train, sgd, augmentation: augmentation, progress: progress, stage: stage, cancellationToken: cancellationToken);
                return new DownstreamFit(model);
            }

            using var prior = BuildPrior(setup, method, hyper, model);
            var objective = new PosteriorObjective(prior, train.Count);
            if (method.Inference == InferenceKind.Map)
            {
                using var preconditioner = hyper.Preconditioned ? new PriorPreconditioner(prior, hyper.LearningRate, train.Count) : null;
                SgdTrainer.Train(model, train, sgd, loss: objective.DataLoss,
                    afterBackward: m => { objective.AddPriorGradient(m); preconditioner?.Apply(m); },
                    augmentation: augmentation, progress: progress, stage: stage, cancellationToken: cancellationToken);
                return new DownstreamFit(model);
            }
            return new DownstreamFit(model, RunCyclical(model, method, hyper, train, objective, seed, budget, augmentation, progress, cancellationToken));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Cyclical SG-MCMC (Zhang et al., 2020): cosine learning rate restarted every cycle, noise off during each
    /// cycle's exploration phase, one sample (parameters and BatchNorm statistics) at each cycle's end.
    /// </summary>
    private static SampleStore RunCyclical(Classifier model, DownstreamMethod method, DownstreamHyperparameters hyper, ImageSet train,
        PosteriorObjective objective, int seed, DownstreamBudget budget, Augmentation? augmentation,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var schedule = CyclicalSchedule.FromTotalSteps(hyper.LearningRate, budget.SamplerSteps, budget.Cycles);
        double temperature = hyper.Temperature ?? 1.0;
        bool injectNoise = method.Inference != InferenceKind.SnapshotEnsemble;
        using var noise = new Generator((ulong)seed + 0x5A3D_F00DUL);
        SgmcmcOptimizer? sampler = null;
        var store = new SampleStore();
        try
        {
            SgdTrainer.Train(model, train,
                new SgdOptions { Steps = schedule.TotalSteps, BatchSize = budget.BatchSize, LearningRate = hyper.LearningRate, Seed = seed },
                loss: objective.DataLoss, afterBackward: objective.AddPriorGradient, augmentation: augmentation,
                progress: progress, stage: method.Id, cancellationToken: cancellationToken,
                learningRate: schedule.LearningRate,
                optimizer: m => sampler = method.Inference == InferenceKind.Sgld
                    ? new Sgld(m.parameters(), hyper.LearningRate, train.Count, temperature, noise)
                    : new Sghmc(m.parameters(), hyper.LearningRate, train.Count, temperature, budget.SghmcMomentum, noise),
                beforeStep: step => sampler!.NoiseEnabled = injectNoise && schedule.At(step).NoiseEnabled,
                afterStep: step => { if (schedule.At(step).CollectSample) store.Add(model); });
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>The posterior's prior: the method's backbone prior (scaled by λ) and N(0, head variance·I) on everything else.</summary>
    public static CompositePrior BuildPrior(DownstreamSetup setup, DownstreamMethod method, DownstreamHyperparameters hyper, Classifier model)
    {
        double lambda = hyper.Lambda ?? throw new ArgumentException($"method '{method.Id}' needs a prior scale λ.");
        var layout = DownstreamSetup.BackboneLayout(model);
        IPrior backbone;
        switch (method.Prior)
        {
            case BackbonePrior.LearnedLowRank:
                backbone = setup.LearnedPrior(model, method).Rescale(lambda);
                break;
            case BackbonePrior.LearnedDiagonal:
                using (var diagonal = setup.LearnedPrior(model, method).ToDiagonal()) backbone = diagonal.Rescale(lambda);
                break;
            case BackbonePrior.IsotropicLearnedMean:
                var learned = setup.LearnedPrior(model, method);
                backbone = learned.ToIsotropic(lambda * learned.MeanMarginalVariance());
                break;
            case BackbonePrior.IsotropicZeroMean:
                backbone = new IsotropicGaussian(layout.Dimension, lambda);
                break;
            default:
                throw new ArgumentException($"method '{method.Id}' has no backbone prior.");
        }
        return CompositePrior.WithIsotropicRemainder(model, layout, backbone, hyper.HeadVariance);
    }
}
