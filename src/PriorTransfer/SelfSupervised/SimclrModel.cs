using PriorTransfer.Models;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PriorTransfer.SelfSupervised;

/// <summary>
/// A SimCLR network: a <see cref="Models.Classifier"/>'s backbone f followed by a <see cref="ProjectionHead"/> g;
/// <c>forward</c> returns the projection z = g(f(x)) on which the NT-Xent loss is computed. Parameter names are
/// <c>backbone.*</c>, exactly the classifier's backbone names (so a prior learned here applies to a classifier
/// unchanged), and <c>projection.*</c> (excluded from the prior). The model owns the classifier it wraps and shares
/// its backbone module: training this model trains <see cref="Classifier"/>'s backbone in place, and the classifier
/// (with a head of its own, e.g. a fitted <see cref="LinearProbe"/>) is what a normal <see cref="Checkpoint"/> saves.
/// </summary>
public sealed class SimclrModel : Module<Tensor, Tensor>
{
    public const string BackbonePrefix = Classifier.BackbonePrefix;
    public const string ProjectionPrefix = "projection.";

    private readonly Classifier _classifier;
    private readonly ProjectionHead _projection;
    private bool _disposed;

    /// <summary>Wraps <paramref name="classifier"/> (taking ownership) with <paramref name="projection"/>.</summary>
    public SimclrModel(Classifier classifier, ProjectionHead projection) : base("simclr")
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(projection);
        int features = FeatureDimensionOf(classifier);
        if (projection.InputDimension != features)
            throw new ArgumentException($"the projection head takes {projection.InputDimension} features but the {classifier.Spec.Architecture} backbone gives {features}.", nameof(projection));
        _classifier = classifier;
        _projection = projection;
        // Registered by hand: the classifier itself must not become a submodule (its head is no part of SimCLR).
        register_module(BackbonePrefix.TrimEnd('.'), classifier.Backbone);
        register_module(ProjectionPrefix.TrimEnd('.'), projection);
    }

    /// <summary>
    /// A new SimCLR model: the backbone initialised exactly as <see cref="ModelFactory.Create"/> does for
    /// <paramref name="spec"/> and <paramref name="seed"/>, the projection head from a generator derived from the seed.
    /// </summary>
    public static SimclrModel Create(ModelSpec spec, ProjectionHeadOptions? projection, long seed)
    {
        var classifier = ModelFactory.Create(spec, seed);
        try
        {
            var head = new ProjectionHead(FeatureDimensionOf(classifier), projection);
            ModelFactory.Initialize(head, ProjectionSeed(seed));
            return new SimclrModel(classifier, head);
        }
        catch
        {
            classifier.Dispose();
            throw;
        }
    }

    /// <summary>The classifier whose backbone this model trains; its head is not used by SimCLR.</summary>
    public Classifier Classifier => _classifier;

    public Module<Tensor, Tensor> Backbone => _classifier.Backbone;

    public ProjectionHead Projection => _projection;

    public ModelSpec Spec => _classifier.Spec;

    public int FeatureDimension => FeatureDimensionOf(_classifier);

    /// <summary>Backbone features h = f(x) [B, D]: what a linear probe or a downstream head sees.</summary>
    public Tensor Features(Tensor input) => _classifier.Backbone.forward(input);

    /// <summary>The projection z = g(f(x)) [B, OutputDimension].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return _projection.forward(_classifier.Backbone.forward(input)).MoveToOuterDisposeScope();
    }

    /// <summary>Seed of the projection head's initialisation, distinct from the backbone's.</summary>
    internal static long ProjectionSeed(long seed) => unchecked(seed * 6364136223846793005L + 1442695040888963407L) & long.MaxValue;

    private static int FeatureDimensionOf(Classifier classifier) => (int)classifier.Head.weight!.shape[1];

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _projection.Dispose();
            _classifier.Dispose();
        }
        base.Dispose(disposing);
    }
}
