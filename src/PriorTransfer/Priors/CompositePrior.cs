using PriorTransfer.Parameters;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Priors;

/// <summary>One block of a <see cref="CompositePrior"/>: a prior over the parameters of <see cref="Layout"/>.</summary>
public sealed class PriorPart
{
    internal PriorPart(ParameterLayout layout, IPrior prior, (long Full, long Part, long Length)[] segments)
    {
        Layout = layout;
        Prior = prior;
        Segments = segments;
    }

    public ParameterLayout Layout { get; }
    public IPrior Prior { get; }

    /// <summary>Runs of consecutive elements: (offset in the full vector, offset in the part's vector, length).</summary>
    internal (long Full, long Part, long Length)[] Segments { get; }
}

/// <summary>
/// A product prior p(θ) = Π_i p_i(θ_i) over disjoint blocks of a model's parameters, typically a learned prior on the
/// feature extractor and a zero-mean isotropic Gaussian on new layers (head, decoder): log p(θ) =
/// log p_backbone(θ_b) + log p_head(θ_h), the prior term of the objective (DESIGN.md, conventions).
/// <para>
/// Two ways to use it: over one flat vector of the whole <see cref="Layout"/> (<see cref="LogProb(Tensor)"/>,
/// <see cref="Gradient(Tensor)"/>), or straight from a module (<see cref="LogProb(nn.Module)"/>,
/// <see cref="AccumulateGradient"/>), which flattens each block by name and never builds the full vector.
/// </para>
/// Owns (and disposes) its part priors.
/// </summary>
public sealed class CompositePrior : IPrior
{
    private readonly PriorPart[] parts;

    /// <summary>
    /// A product of <paramref name="parts"/>, whose layouts must cover <paramref name="layout"/> exactly once (same
    /// names and shapes, any order). Takes ownership of the part priors; all must share one dtype.
    /// </summary>
    public CompositePrior(ParameterLayout layout, IEnumerable<(ParameterLayout Layout, IPrior Prior)> parts)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(parts);
        var given = parts.ToList();
        if (given.Count == 0) throw new ArgumentException("Give at least one part.", nameof(parts));
        var dtype = given[0].Prior.DType;
        var owner = new Dictionary<string, int>(StringComparer.Ordinal);
        var built = new List<PriorPart>();
        for (var i = 0; i < given.Count; i++)
        {
            var (partLayout, prior) = given[i];
            ArgumentNullException.ThrowIfNull(partLayout);
            ArgumentNullException.ThrowIfNull(prior);
            if (prior.Dimension != partLayout.Dimension)
                throw new ArgumentException($"Part {i}: the prior has dimension {prior.Dimension} but its layout has P = {partLayout.Dimension}.", nameof(parts));
            if (prior.DType != dtype)
                throw new ArgumentException($"Part {i} is {prior.DType} but part 0 is {dtype}: all parts must share one dtype.", nameof(parts));
            var segments = new List<(long Full, long Part, long Length)>();
            foreach (var e in partLayout.Entries)
            {
                if (!layout.Contains(e.Name))
                    throw new LayoutMismatchException(LayoutMismatchKind.Extra, e.Name, $"Part {i} has parameter '{e.Name}', which the composite layout lacks.");
                var full = layout[e.Name];
                if (!full.Shape.SequenceEqual(e.Shape))
                    throw new LayoutMismatchException(LayoutMismatchKind.Reshaped, e.Name,
                        $"Parameter '{e.Name}' has shape {ParameterLayout.FormatShape(e.Shape)} in part {i} but {ParameterLayout.FormatShape(full.Shape)} in the composite layout.");
                if (owner.TryGetValue(e.Name, out var other))
                    throw new ArgumentException($"Parameter '{e.Name}' is in both part {other} and part {i}: parts must be disjoint.", nameof(parts));
                owner[e.Name] = i;
                if (e.Count == 0) continue;
                if (segments.Count > 0 && segments[^1] is var last && last.Full + last.Length == full.Offset && last.Part + last.Length == e.Offset)
                    segments[^1] = (last.Full, last.Part, last.Length + e.Count);
                else
                    segments.Add((full.Offset, e.Offset, e.Count));
            }
            built.Add(new PriorPart(partLayout, prior, segments.ToArray()));
        }
        var uncovered = layout.Entries.FirstOrDefault(e => !owner.ContainsKey(e.Name));
        if (uncovered is not null)
            throw new LayoutMismatchException(LayoutMismatchKind.Missing, uncovered.Name,
                $"Parameter '{uncovered.Name}' of the composite layout is in no part: every parameter needs a prior.");
        Layout = layout;
        this.parts = built.ToArray();
        DType = dtype;
    }

    /// <summary>
    /// The usual downstream prior: <paramref name="learnedPrior"/> over <paramref name="learnedLayout"/> (e.g. the
    /// backbone) and a zero-mean isotropic N(0, <paramref name="otherVariance"/>·I) over every other parameter of
    /// <paramref name="model"/> (head, decoder). The layout is all of the model's parameters. Takes ownership of
    /// <paramref name="learnedPrior"/>.
    /// </summary>
    public static CompositePrior WithIsotropicRemainder(nn.Module model, ParameterLayout learnedLayout, IPrior learnedPrior, double otherVariance)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(learnedLayout);
        ArgumentNullException.ThrowIfNull(learnedPrior);
        learnedLayout.Validate(model);
        var full = ParameterLayout.All(model);
        var rest = full.Entries.Where(e => !learnedLayout.Contains(e.Name)).Select(e => (e.Name, e.Shape.ToArray())).ToList();
        if (rest.Count == 0) return new CompositePrior(full, [(learnedLayout, learnedPrior)]);
        var restLayout = ParameterLayout.FromEntries(rest);
        var isotropic = new IsotropicGaussian(restLayout.Dimension, otherVariance, dtype: learnedPrior.DType, device: learnedPrior.Device);
        return new CompositePrior(full, [(learnedLayout, learnedPrior), (restLayout, isotropic)]);
    }

    /// <summary>The whole parameter vector's layout.</summary>
    public ParameterLayout Layout { get; }

    public IReadOnlyList<PriorPart> Parts => parts;

    public long Dimension => Layout.Dimension;
    public ScalarType DType { get; }
    public Device Device => parts[0].Prior.Device;

    /// <summary>Σ_i log p_i(θ_i) for θ [P] over <see cref="Layout"/>.</summary>
    public Tensor LogProb(Tensor theta)
    {
        CheckTheta(theta);
        using var scope = NewDisposeScope();
        Tensor? total = null;
        foreach (var part in parts)
        {
            var term = part.Prior.LogProb(Gather(theta, part));
            total = total is null ? term : total.add(term);
        }
        return total!.MoveToOuterDisposeScope();
    }

    /// <summary>Σ_i log p_i(θ_i), each block flattened from <paramref name="module"/> by name (differentiable).</summary>
    public Tensor LogProb(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var scope = NewDisposeScope();
        Tensor? total = null;
        foreach (var part in parts)
        {
            var term = part.Prior.LogProb(part.Layout.Flatten(module));
            total = total is null ? term : total.add(term);
        }
        return total!.MoveToOuterDisposeScope();
    }

    /// <summary>∇ log p(θ) [P] over <see cref="Layout"/>, in closed form.</summary>
    public Tensor Gradient(Tensor theta) => Blockwise(theta, (prior, block) => prior.Gradient(block));

    /// <summary>
    /// Adds <paramref name="scale"/> · ∇ log p to the parameters' <c>.grad</c>, block by block, in closed form (no
    /// autograd through the prior). For the objective's prior term −log p/N use scale = −1/N.
    /// </summary>
    public void AccumulateGradient(nn.Module module, double scale)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        foreach (var part in parts)
        {
            // Aliases when parameters and gradients are views of flat buffers (FlatParameters): then the prior's
            // gradient is added in place, with no P-sized copy; otherwise copies, and a per-parameter add.
            var theta = part.Layout.TryAlias(module) ?? part.Layout.Flatten(module);
            var target = part.Layout.GradientAlias(module);
            if (target is not null)
            {
                part.Prior.AddGradient(theta, target, scale);
                continue;
            }
            var gradient = part.Prior.Gradient(theta);
            part.Layout.AddToGradients(module, gradient, scale);
        }
    }

    public Tensor Sample(int count, Generator? generator = null)
    {
        PriorMath.CheckCount(count);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor? result = null;
        foreach (var part in parts)
        {
            var draws = part.Prior.Sample(count, generator);
            result ??= empty([count, Dimension], DType, draws.device);
            foreach (var (full, partOffset, length) in part.Segments)
                result.narrow(1, full, length).copy_(draws.narrow(1, partOffset, length));
        }
        return result!.MoveToOuterDisposeScope();
    }

    /// <summary>Every part rescaled by λ (covariance λ·Σ). To rescale parts separately, build a new composite.</summary>
    public CompositePrior Rescale(double lambda)
    {
        PriorMath.CheckLambda(lambda);
        return Map(part => part.Prior.Rescale(lambda));
    }

    /// <summary>A new composite over the same layouts with each part's prior transformed (the new priors owned by it).</summary>
    private CompositePrior Map(Func<PriorPart, IPrior> transform)
    {
        var mapped = new List<(ParameterLayout, IPrior)>();
        try
        {
            foreach (var part in parts) mapped.Add((part.Layout, transform(part)));
            return new CompositePrior(Layout, mapped);
        }
        catch
        {
            foreach (var (_, prior) in mapped) prior.Dispose();
            throw;
        }
    }

    IPrior IPrior.Rescale(double lambda) => Rescale(lambda);

    /// <summary>Σ⁻¹·v [P] over <see cref="Layout"/>, block by block.</summary>
    public Tensor SolveCovariance(Tensor v) => Blockwise(v, (prior, block) => prior.SolveCovariance(block));

    /// <summary>Every part with covariance Σ_i + c·I (block-diagonal, so the whole covariance is Σ + c·I).</summary>
    public CompositePrior WithDiagonalShift(double shift) => Map(part => part.Prior.WithDiagonalShift(shift));

    IPrior IPrior.WithDiagonalShift(double shift) => WithDiagonalShift(shift);

    public void Dispose()
    {
        foreach (var part in parts) part.Prior.Dispose();
    }

    public override string ToString() => $"CompositePrior(P = {Dimension}: {string.Join(" + ", parts.Select(p => p.Prior.ToString()))})";

    private void CheckTheta(Tensor theta)
    {
        ArgumentNullException.ThrowIfNull(theta);
        if (theta.dim() != 1 || theta.shape[0] != Dimension)
            throw new ArgumentException($"θ must have shape [{Dimension}]; got [{string.Join(", ", theta.shape)}].", nameof(theta));
    }

    /// <summary>A [P] vector whose block i is <paramref name="operation"/>(prior i, block i of <paramref name="vector"/>).</summary>
    private Tensor Blockwise(Tensor vector, Func<IPrior, Tensor, Tensor> operation)
    {
        CheckTheta(vector);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var result = empty(Dimension, DType, vector.device);
        foreach (var part in parts) Scatter(operation(part.Prior, Gather(vector, part)), result, part);
        return result.MoveToOuterDisposeScope();
    }

    private static Tensor Gather(Tensor theta, PriorPart part) =>
        part.Segments.Length == 1
            ? theta.narrow(0, part.Segments[0].Full, part.Segments[0].Length)
            : cat(part.Segments.Select(s => theta.narrow(0, s.Full, s.Length)).ToArray(), 0);

    private static void Scatter(Tensor partVector, Tensor full, PriorPart part)
    {
        foreach (var (fullOffset, partOffset, length) in part.Segments)
            full.narrow(0, fullOffset, length).copy_(partVector.narrow(0, partOffset, length));
    }
}
