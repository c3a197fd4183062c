namespace PriorTransfer.Workflows;

/// <summary>The prior over the backbone a downstream method uses (the head always gets a zero-mean isotropic prior).</summary>
public enum BackbonePrior
{
    /// <summary>No prior: plain weight decay (standard fine-tuning).</summary>
    None,
    /// <summary>The learned SWAG prior, low-rank plus diagonal covariance, scaled by λ.</summary>
    LearnedLowRank,
    /// <summary>Only the diagonal of the learned prior, scaled by λ (EWC-like).</summary>
    LearnedDiagonal,
    /// <summary>Isotropic Gaussian at the learned mean (L2-SP), variance λ × the prior's mean marginal variance.</summary>
    IsotropicLearnedMean,
    /// <summary>Zero-mean isotropic Gaussian, variance tuned (the non-learned prior).</summary>
    IsotropicZeroMean,
}

/// <summary>How a downstream method infers the weights.</summary>
public enum InferenceKind
{
    /// <summary>SGD with weight decay.</summary>
    Sgd,
    /// <summary>MAP: SGD on the negative log posterior.</summary>
    Map,
    /// <summary>Cyclical SGHMC, Bayesian model average of the collected samples.</summary>
    Sghmc,
    /// <summary>Cyclical SGLD, Bayesian model average of the collected samples.</summary>
    Sgld,
    /// <summary>The SGHMC schedule with the noise off: an ensemble of cyclical snapshots, not posterior samples.</summary>
    SnapshotEnsemble,
    /// <summary>M independently seeded SGD runs, probabilities averaged.</summary>
    DeepEnsemble,
}

/// <summary>A downstream method of BENCHMARK.md: its prior, its inference, and where it starts.</summary>
public sealed record DownstreamMethod(string Id, BackbonePrior Prior, InferenceKind Inference, bool FromPretrained, string Description)
{
    public bool UsesLearnedPrior => Prior is BackbonePrior.LearnedLowRank or BackbonePrior.LearnedDiagonal or BackbonePrior.IsotropicLearnedMean;

    public bool IsBayesian => Inference is InferenceKind.Sghmc or InferenceKind.Sgld;

    public bool IsCyclical => Inference is InferenceKind.Sghmc or InferenceKind.Sgld or InferenceKind.SnapshotEnsemble;

    public override string ToString() => Id;
}

/// <summary>Every method of BENCHMARK.md by id.</summary>
public static class DownstreamMethods
{
    public static DownstreamMethod BayesLearned { get; } = new("bayes-learned", BackbonePrior.LearnedLowRank, InferenceKind.Sghmc, true, "learned low-rank prior, SGHMC, BMA");
    public static DownstreamMethod MapLearned { get; } = new("map-learned", BackbonePrior.LearnedLowRank, InferenceKind.Map, true, "learned low-rank prior, MAP (SGD)");
    public static DownstreamMethod Finetune { get; } = new("finetune", BackbonePrior.None, InferenceKind.Sgd, true, "standard fine-tuning with weight decay");
    public static DownstreamMethod BayesNonlearned { get; } = new("bayes-nonlearned", BackbonePrior.IsotropicZeroMean, InferenceKind.Sghmc, false, "zero-mean isotropic prior, SGHMC, BMA, random start");
    public static DownstreamMethod MapNonlearned { get; } = new("map-nonlearned", BackbonePrior.IsotropicZeroMean, InferenceKind.Map, false, "zero-mean isotropic prior, MAP, random start");
    public static DownstreamMethod MapIsotropicMean { get; } = new("map-isotropic-mean", BackbonePrior.IsotropicLearnedMean, InferenceKind.Map, true, "isotropic prior at the learned mean (L2-SP), MAP");
    public static DownstreamMethod BayesIsotropicMean { get; } = new("bayes-isotropic-mean", BackbonePrior.IsotropicLearnedMean, InferenceKind.Sghmc, true, "isotropic prior at the learned mean, SGHMC, BMA");
    public static DownstreamMethod MapDiagonal { get; } = new("map-diagonal", BackbonePrior.LearnedDiagonal, InferenceKind.Map, true, "diagonal SWAG prior (EWC-like), MAP");
    public static DownstreamMethod BayesDiagonal { get; } = new("bayes-diagonal", BackbonePrior.LearnedDiagonal, InferenceKind.Sghmc, true, "diagonal SWAG prior, SGHMC, BMA");
    public static DownstreamMethod SgldLearned { get; } = new("sgld-learned", BackbonePrior.LearnedLowRank, InferenceKind.Sgld, true, "learned low-rank prior, SGLD, BMA");
    public static DownstreamMethod Ensemble { get; } = new("ensemble", BackbonePrior.None, InferenceKind.DeepEnsemble, true, "10 fine-tuned models, averaged");
    public static DownstreamMethod FromScratch { get; } = new("from-scratch", BackbonePrior.None, InferenceKind.Sgd, false, "SGD with weight decay from random weights (no pre-training)");
    public static DownstreamMethod SnapshotEnsemble { get; } = new("snapshot-ensemble", BackbonePrior.LearnedLowRank, InferenceKind.SnapshotEnsemble, true, "SGHMC schedule with the noise off (snapshot ensemble)");

    public static IReadOnlyList<DownstreamMethod> All { get; } =
    [
        BayesLearned, MapLearned, Finetune, BayesNonlearned, MapNonlearned, MapIsotropicMean, BayesIsotropicMean,
        MapDiagonal, BayesDiagonal, SgldLearned, Ensemble, SnapshotEnsemble, FromScratch,
    ];

    public static string Ids => string.Join(", ", All.Select(m => m.Id));

    public static DownstreamMethod Get(string id) =>
        All.FirstOrDefault(m => m.Id == id) ?? throw new ArgumentException($"unknown method '{id}'; known methods: {Ids}.");
}
