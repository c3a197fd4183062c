using PriorTransfer.Models;
using PriorTransfer.Parameters;
using PriorTransfer.Priors;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Parameters;

public class FlatParametersTests
{
    private static Dictionary<string, Tensor> Snapshot(nn.Module m) =>
        m.named_parameters().ToDictionary(np => np.name, np => np.parameter.detach().clone());

    [Fact]
    public void ConsolidateKeepsValuesAndParameterObjectsAndGivesAnAlias()
    {
        using var net = new TinyNet(dtype: ScalarType.Float64);
        var before = Snapshot(net);
        var objects = net.parameters().ToArray();
        var layout = ParameterLayout.All(net);
        using (var scope = NewDisposeScope()) Assert.Null(layout.TryAlias(net));

        Assert.True(FlatParameters.Consolidate(net));

        Assert.Equal(objects, net.parameters().ToArray());
        foreach (var (name, p) in net.named_parameters())
        {
            Assert.True(p.requires_grad, name);
            Assert.True(p.equal(before[name]).all().item<bool>(), name);
        }
        using var scope2 = NewDisposeScope();
        var alias = layout.TryAlias(net);
        Assert.NotNull(alias);
        Assert.True(alias!.equal(layout.Flatten(net)).all().item<bool>());
        // A sub-layout (the backbone) is a contiguous range of the same buffer; writing the alias writes the model.
        var backbone = ParameterLayout.WithPrefixes(net, "backbone");
        var backboneAlias = backbone.TryAlias(net)!;
        using (no_grad()) backboneAlias.fill_(0.25);
        Assert.All(net.named_parameters().Where(np => np.name.StartsWith("backbone.")), np => Assert.True(np.parameter.eq(0.25).all().item<bool>()));
        Assert.True(net.get_parameter("head.weight")!.equal(before["head.weight"]).all().item<bool>());
    }

    [Fact]
    public void FactoryModelsAreFlat()
    {
        using var model = ModelFactory.Create(new ModelSpec("resnet8", 1, 10), seed: 3);
        using var scope = NewDisposeScope();
        Assert.NotNull(ParameterLayout.All(model).TryAlias(model));
        Assert.NotNull(ParameterLayout.WithPrefixes(model, "backbone").TryAlias(model));
        Assert.NotNull(ParameterLayout.WithPrefixes(model, "head").TryAlias(model));
    }

    /// <summary>
    /// Gradients moved into one buffer keep receiving autograd's accumulation in place, across zero_grad(), and the
    /// prior's closed-form gradient lands where it would without the flat buffers.
    /// </summary>
    [Fact]
    public void GradientsStayFlatAndCorrectAcrossSteps()
    {
        using var flat = new TinyNet(dtype: ScalarType.Float64);
        using var plain = new TinyNet(dtype: ScalarType.Float64);
        plain.load_state_dict(flat.state_dict());
        Assert.True(FlatParameters.Consolidate(flat));
        var layout = ParameterLayout.All(flat);
        using var generator = new Generator(5);
        using var x = randn([6, 1, 5, 5], ScalarType.Float64, generator: generator);
        using var y = randint(0, 3, [6], ScalarType.Int64, generator: generator);
        using var vector = randn(layout.Dimension, ScalarType.Float64, generator: generator);
        using var flatOptimizer = optim.SGD(flat.parameters(), 0.1);
        using var plainOptimizer = optim.SGD(plain.parameters(), 0.1);

        for (int step = 0; step < 3; step++)
        {
            using var scope = NewDisposeScope();
            foreach (var (model, optimizer) in new (nn.Module<Tensor, Tensor>, optim.Optimizer)[] { (flat, flatOptimizer), (plain, plainOptimizer) })
            {
                optimizer.zero_grad();
                nn.functional.cross_entropy(model.forward(x), y).backward();
                layout.AddToGradients(model, vector, -0.5);
            }
            var flatGrads = flat.parameters().Select(p => p.grad!).ToArray();
            Assert.NotNull(layout.TryAlias(flatGrads));
            foreach (var ((name, p), q) in flat.named_parameters().Zip(plain.parameters()))
                Assert.True(p.grad!.allclose(q.grad!, rtol: 1e-12, atol: 1e-12), $"step {step}: {name}");
            flatOptimizer.step();
            plainOptimizer.step();
        }
        using var check = NewDisposeScope();
        Assert.NotNull(layout.TryAlias(flat));
        Assert.True(layout.Flatten(flat).allclose(layout.Flatten(plain), rtol: 1e-12, atol: 1e-12));
    }

    /// <summary>Same offsets in different buffers must not pass for one buffer.</summary>
    [Fact]
    public void AnAliasNeedsOneStorage()
    {
        using var net = new TinyNet();
        Assert.True(FlatParameters.Consolidate(net));
        var all = ParameterLayout.All(net);
        using var scope = NewDisposeScope();
        // The head moves to another buffer, at the offsets it had in the shared one.
        var other = zeros(all.Dimension);
        using (no_grad())
        {
            foreach (var e in all.Entries.Where(e => e.Name.StartsWith("head.", StringComparison.Ordinal)))
            {
                var p = net.get_parameter(e.Name)!;
                var slice = other.narrow(0, e.Offset, e.Count).view(e.Shape.ToArray());
                slice.copy_(p);
                p.set_(slice);
            }
        }
        Assert.Null(all.TryAlias(net));
        Assert.NotNull(ParameterLayout.WithPrefixes(net, "backbone").TryAlias(net));
        Assert.True(all.Flatten(net).equal(all.Flatten(net)).all().item<bool>());
    }
}
