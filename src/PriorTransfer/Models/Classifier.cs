using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PriorTransfer.Models;

/// <summary>
/// A feature extractor followed by a linear head. Parameter names start with <see cref="BackbonePrefix"/> for the
/// feature extractor (the part a learned prior covers) and <see cref="HeadPrefix"/> for the head (replaced
/// downstream). Everything that splits the model does so by these names, never by parameter order.
/// </summary>
public sealed class Classifier : Module<Tensor, Tensor>
{
    public const string BackbonePrefix = "backbone.";
    public const string HeadPrefix = "head.";

    private readonly Module<Tensor, Tensor> backbone;
    private readonly Linear head;

    public Classifier(ModelSpec spec, Module<Tensor, Tensor> backbone, int featureDimension) : base("classifier")
    {
        Spec = spec;
        this.backbone = backbone;
        head = Linear(featureDimension, spec.Classes);
        RegisterComponents();
    }

    public ModelSpec Spec { get; }

    public Module<Tensor, Tensor> Backbone => backbone;

    public Linear Head => head;

    /// <summary>Features [B, D] of a batch of images.</summary>
    public Tensor Features(Tensor input) => backbone.forward(input);

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return head.forward(backbone.forward(input)).MoveToOuterDisposeScope();
    }
}
