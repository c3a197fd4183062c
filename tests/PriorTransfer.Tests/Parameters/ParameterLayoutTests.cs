using PriorTransfer.Parameters;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Parameters;

public class ParameterLayoutTests
{
    [Fact]
    public void AllFollowsNamedParametersOrderWithOffsets()
    {
        using var net = new TinyNet();
        var layout = ParameterLayout.All(net);
        var expected = net.named_parameters().Select(np => np.name).ToArray();
        Assert.Equal(expected, layout.Names);
        Assert.Equal(["backbone.conv.weight", "backbone.conv.bias", "backbone.bn.weight", "backbone.bn.bias", "head.weight", "head.bias"], expected);
        long offset = 0;
        foreach (var e in layout.Entries)
        {
            Assert.Equal(offset, e.Offset);
            offset += e.Count;
        }
        Assert.Equal(net.parameters().Sum(p => p.numel()), layout.Dimension);
        Assert.Equal(offset, layout.Dimension);
    }

    [Fact]
    public void PrefixSelectionsChooseByName()
    {
        using var net = new TinyNet();
        var backbone = ParameterLayout.WithPrefixes(net, "backbone");
        Assert.All(backbone.Names, n => Assert.StartsWith("backbone.", n));
        Assert.Equal(4, backbone.Entries.Count);
        var notHead = ParameterLayout.Excluding(net, "head.");
        Assert.Equal(backbone.Names, notHead.Names);
        var bnOnly = ParameterLayout.WithPrefixes(net, "backbone.bn");
        Assert.Equal(["backbone.bn.weight", "backbone.bn.bias"], bnOnly.Names);
        // "backbone.b" is not a module: without a trailing dot a prefix matches whole name components only.
        Assert.Throws<ArgumentException>(() => ParameterLayout.WithPrefixes(net, "backbone.b"));
        Assert.Throws<ArgumentException>(() => ParameterLayout.WithPrefixes(net, "decoder"));
    }

    [Fact]
    public void FlattenWriteRoundTrip()
    {
        using var net = new TinyNet();
        var layout = ParameterLayout.All(net);
        using var original = layout.Flatten(net);
        Assert.Equal([layout.Dimension], original.shape);
        using (no_grad())
        {
            foreach (var e in layout.Entries)
            {
                using var slice = layout.Slice(original, e.Name);
                Assert.True(Dense.Same(slice, net.get_parameter(e.Name)!));
            }
        }
        using var replacement = arange(layout.Dimension, dtype: ScalarType.Float32);
        layout.Write(net, replacement);
        using var after = layout.Flatten(net);
        Assert.True(Dense.Same(after, replacement));
        Assert.Equal(layout.Entries.First(e => e.Name == "head.bias").Offset, net.get_parameter("head.bias")![0].item<float>());
        layout.Write(net, original);
        using var restored = layout.Flatten(net);
        Assert.True(Dense.Same(restored, original));
    }

    [Fact]
    public void FlattenIsDifferentiableAndWriteIsNot()
    {
        using var net = new TinyNet();
        var layout = ParameterLayout.WithPrefixes(net, "head");
        using var flat = layout.Flatten(net);
        Assert.True(flat.requires_grad);
        using var loss = flat.square().sum();
        loss.backward();
        using var grad = net.get_parameter("head.weight")!.grad!;
        using var weight = net.get_parameter("head.weight")!.detach();
        using var twice = weight * 2;
        Assert.True(grad.allclose(twice));
        using var zeros = torch.zeros(layout.Dimension);
        layout.Write(net, zeros);
        Assert.True(net.get_parameter("head.weight")!.requires_grad);
    }

    [Fact]
    public void MatchingIsByNameNotPosition()
    {
        using var net = new TinyNet();
        var layout = ParameterLayout.All(net);
        // The same names and shapes given in another order: values land by name.
        var reversed = ParameterLayout.FromEntries(layout.Entries.Reverse().Select(e => (e.Name, e.Shape.ToArray())));
        using var v = arange(reversed.Dimension, dtype: ScalarType.Float32);
        reversed.Write(net, v);
        using var back = reversed.Flatten(net);
        Assert.True(Dense.Same(back, v));
        using var hb = reversed.Slice(v, "head.bias");
        Assert.True(Dense.Same(hb, net.get_parameter("head.bias")!));
        var ex = Assert.Throws<LayoutMismatchException>(() => layout.Validate(reversed));
        Assert.Equal(LayoutMismatchKind.Reordered, ex.Kind);
    }

    [Fact]
    public void AddToGradientsAccumulates()
    {
        using var net = new TinyNet();
        var layout = ParameterLayout.All(net);
        using var ones = torch.ones(layout.Dimension);
        layout.AddToGradients(net, ones, 2.0);
        layout.AddToGradients(net, ones, 0.5);
        foreach (var p in net.parameters())
        {
            using var g = p.grad!;
            Assert.True(g.eq(2.5f).all().item<bool>());
        }
    }

    [Fact]
    public void ValidateNamesMissingExtraAndReshapedParameters()
    {
        using var net = new TinyNet();
        var backbone = ParameterLayout.WithPrefixes(net, "backbone");
        backbone.Validate(net);

        // A downstream model with another head still fits a backbone layout.
        using var wide = new TinyNetWideHead();
        backbone.Validate(wide);
        var fullLayout = ParameterLayout.All(net);
        var reshaped = Assert.Throws<LayoutMismatchException>(() => fullLayout.Validate(wide));
        Assert.Equal(LayoutMismatchKind.Reshaped, reshaped.Kind);
        Assert.Equal("head.weight", reshaped.ParameterName);
        Assert.Contains("'head.weight'", reshaped.Message);
        Assert.Contains("[10, 4]", reshaped.Message);
        Assert.Contains("[3, 4]", reshaped.Message);

        using var narrow = new TinyNet(channels: 5);
        var bad = Assert.Throws<LayoutMismatchException>(() => backbone.Validate(narrow));
        Assert.Equal("backbone.conv.weight", bad.ParameterName);

        var missingLayout = ParameterLayout.FromEntries([("backbone.conv.weight", [4L, 1, 3, 3]), ("backbone.extra.weight", [2L])], ParameterSelection.Include("backbone"));
        var missing = Assert.Throws<LayoutMismatchException>(() => missingLayout.Validate(net));
        Assert.Equal(LayoutMismatchKind.Missing, missing.Kind);
        Assert.Equal("backbone.extra.weight", missing.ParameterName);
        Assert.Contains("not in the model", missing.Message);

        var partial = ParameterLayout.FromEntries([("backbone.conv.weight", [4L, 1, 3, 3]), ("backbone.conv.bias", [4L])], ParameterSelection.Include("backbone"));
        var extra = Assert.Throws<LayoutMismatchException>(() => partial.Validate(net));
        Assert.Equal(LayoutMismatchKind.Extra, extra.Kind);
        Assert.Equal("backbone.bn.weight", extra.ParameterName);

        // Explicit layouts never report extras.
        ParameterLayout.FromEntries([("head.bias", [3L])]).Validate(net);
    }

    [Fact]
    public void ValidateAgainstAnotherLayout()
    {
        using var net = new TinyNet();
        var a = ParameterLayout.WithPrefixes(net, "backbone");
        var b = ParameterLayout.WithPrefixes(net, "backbone");
        a.Validate(b);
        Assert.True(a.IsSameAs(b));
        var all = ParameterLayout.All(net);
        var extra = Assert.Throws<LayoutMismatchException>(() => a.Validate(all));
        Assert.Equal(LayoutMismatchKind.Extra, extra.Kind);
        Assert.Equal("head.weight", extra.ParameterName);
        var missing = Assert.Throws<LayoutMismatchException>(() => all.Validate(a));
        Assert.Equal(LayoutMismatchKind.Missing, missing.Kind);
        Assert.Equal("head.weight", missing.ParameterName);
    }

    [Fact]
    public void JsonRoundTrip()
    {
        using var net = new TinyNet();
        var layout = ParameterLayout.Excluding(net, "head");
        var json = layout.ToJson();
        Assert.Contains("\"backbone.conv.weight\"", json);
        var back = ParameterLayout.FromJson(json);
        layout.Validate(back);
        Assert.Equal(layout.Selection, back.Selection);
        Assert.Equal(layout.Dimension, back.Dimension);
        Assert.Equal(layout.Entries.Select(e => e.Offset), back.Entries.Select(e => e.Offset));
        back.Validate(net);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("{\"parameters\":[{\"name\":\"a\",\"shape\":[2],\"offset\":0},{\"name\":\"b\",\"shape\":[3],\"offset\":1}]}")]
    [InlineData("{\"parameters\":[{\"name\":\"a\",\"shape\":[2],\"offset\":0},{\"name\":\"a\",\"shape\":[3],\"offset\":2}]}")]
    [InlineData("{\"parameters\":[{\"shape\":[2],\"offset\":0}]}")]
    [InlineData("{\"selection\":{\"kind\":\"sideways\"},\"parameters\":[]}")]
    public void MalformedJsonThrowsFormatException(string json)
    {
        Assert.Throws<FormatException>(() => ParameterLayout.FromJson(json));
    }
}
