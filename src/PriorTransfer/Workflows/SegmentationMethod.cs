using PriorTransfer.Serialization;

namespace PriorTransfer.Workflows;

/// <summary>
/// A column of the paper's Table 1: the prior over the segmentation backbone and how the weights are inferred.
/// Every method starts from pre-trained backbone weights (the learned-prior methods from the prior's mean); the
/// decoder and ASPP are new and always get a zero-mean isotropic prior (weight decay for SGD transfer).
/// </summary>
/// <remarks>PriorLoss: for learned priors, the source loss the column stands for; the prior file's own manifest loss is
/// reported with the result (a mismatch is flagged by the CLI, not refused: any prior file path is accepted).</remarks>
public sealed record SegmentationMethod(string Id, BackbonePrior Prior, InferenceKind Inference, PriorLoss? PriorLoss, string Description)
{
    public bool UsesLearnedPrior => Prior == BackbonePrior.LearnedLowRank;

    public override string ToString() => Id;
}

/// <summary>The four segmentation methods of Table 1 by id.</summary>
public static class SegmentationMethods
{
    public static SegmentationMethod SgdTransfer { get; } = new("sgd-transfer", BackbonePrior.None, InferenceKind.Sgd, null,
        "SGD from the pre-trained backbone, new decoder, weight decay");
    public static SegmentationMethod NonLearned { get; } = new("sgld-nonlearned", BackbonePrior.IsotropicZeroMean, InferenceKind.Sgld, null,
        "zero-mean isotropic backbone prior, cyclical SGLD from the pre-trained backbone, BMA");
    public static SegmentationMethod LearnedSupervised { get; } = new("sgld-learned-supervised", BackbonePrior.LearnedLowRank, InferenceKind.Sgld, Serialization.PriorLoss.Supervised,
        "learned supervised (SWAG) backbone prior, cyclical SGLD from the prior mean, BMA");
    public static SegmentationMethod LearnedSsl { get; } = new("sgld-learned-ssl", BackbonePrior.LearnedLowRank, InferenceKind.Sgld, Serialization.PriorLoss.SimClr,
        "learned self-supervised (SimCLR + SWAG) backbone prior, cyclical SGLD from the prior mean, BMA");

    /// <summary>In the order of Table 1's columns.</summary>
    public static IReadOnlyList<SegmentationMethod> All { get; } = [SgdTransfer, NonLearned, LearnedSupervised, LearnedSsl];

    public static string Ids => string.Join(", ", All.Select(m => m.Id));

    public static SegmentationMethod Get(string id) =>
        All.FirstOrDefault(m => m.Id == id) ?? throw new ArgumentException($"unknown segmentation method '{id}'; known methods: {Ids}.");
}
