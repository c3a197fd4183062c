using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PriorTransfer.Parameters;

/// <summary>One parameter's place in a flat vector: elements [Offset, Offset + Count) hold it, row-major.</summary>
public sealed class ParameterEntry
{
    internal ParameterEntry(string name, long[] shape, long offset)
    {
        Name = name;
        Shape = shape;
        Offset = offset;
        Count = shape.Aggregate(1L, (a, b) => a * b);
    }

    public string Name { get; }
    public IReadOnlyList<long> Shape { get; }
    public long Offset { get; }
    public long Count { get; }

    internal long[] ShapeArray => (long[])Shape;

    public override string ToString() => $"{Name} {ParameterLayout.FormatShape(Shape)} @ {Offset}";
}

/// <summary>
/// An ordered list of (name, shape, offset) over a selection of a module's named parameters: the coordinate system of
/// every flat parameter vector in PriorTransfer (prior means, SWAG moments, gradients). The order is the module's
/// <c>named_parameters()</c> order when the layout is created; afterwards parameters are always found by name, never
/// by position. Immutable; JSON-serialisable (it is part of the prior file manifest).
/// </summary>
public sealed class ParameterLayout
{
    private readonly ParameterEntry[] entries;
    private readonly Dictionary<string, int> indexByName;

    private ParameterLayout(IEnumerable<(string Name, long[] Shape)> parameters, ParameterSelection selection)
    {
        var list = new List<ParameterEntry>();
        indexByName = new Dictionary<string, int>(StringComparer.Ordinal);
        long offset = 0;
        foreach (var (name, shape) in parameters)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("Parameter names must not be empty.");
            if (shape.Any(d => d < 0)) throw new ArgumentException($"Parameter '{name}' has a negative dimension in {FormatShape(shape)}.");
            if (!indexByName.TryAdd(name, list.Count)) throw new ArgumentException($"Parameter '{name}' appears twice.");
            var entry = new ParameterEntry(name, shape.ToArray(), offset);
            list.Add(entry);
            offset += entry.Count;
        }
        entries = list.ToArray();
        Dimension = offset;
        Selection = selection;
    }

    /// <summary>The rule the layout was built with; <see cref="Validate(nn.Module)"/> uses it to find extra parameters.</summary>
    public ParameterSelection Selection { get; }

    public IReadOnlyList<ParameterEntry> Entries => entries;

    /// <summary>Total number of elements P (the length of a flat vector).</summary>
    public long Dimension { get; }

    public IEnumerable<string> Names => entries.Select(e => e.Name);

    public bool Contains(string name) => indexByName.ContainsKey(name);

    public ParameterEntry this[string name] =>
        indexByName.TryGetValue(name, out var i) ? entries[i] : throw new KeyNotFoundException($"The layout has no parameter '{name}'.");

    /// <summary>All of a module's parameters.</summary>
    public static ParameterLayout All(nn.Module module) => Create(module, ParameterSelection.All);

    /// <summary>The parameters under any of <paramref name="prefixes"/> (e.g. <c>"backbone"</c>).</summary>
    public static ParameterLayout WithPrefixes(nn.Module module, params string[] prefixes) =>
        Create(module, ParameterSelection.Include(prefixes));

    /// <summary>The parameters under none of <paramref name="prefixes"/> (e.g. everything but <c>"head"</c>).</summary>
    public static ParameterLayout Excluding(nn.Module module, params string[] prefixes) =>
        Create(module, ParameterSelection.Exclude(prefixes));

    /// <summary>The module's parameters chosen by <paramref name="selection"/>, in <c>named_parameters()</c> order.</summary>
    public static ParameterLayout Create(nn.Module module, ParameterSelection selection)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(selection);
        var chosen = module.named_parameters().Where(np => selection.Matches(np.name)).Select(np => (np.name, np.parameter.shape)).ToList();
        if (chosen.Count == 0)
            throw new ArgumentException($"The module has no {selection}. Its parameters are: {Abbreviate(module.named_parameters().Select(np => np.name))}.", nameof(selection));
        return new ParameterLayout(chosen, selection);
    }

    /// <summary>A layout from explicit (name, shape) pairs, in the order given.</summary>
    public static ParameterLayout FromEntries(IEnumerable<(string Name, long[] Shape)> parameters, ParameterSelection? selection = null) =>
        new(parameters, selection ?? ParameterSelection.Explicit);

    /// <summary>The module's parameter tensors in layout order, found by name; checks names and shapes (not extras).</summary>
    public IReadOnlyList<Parameter> Resolve(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var byName = new Dictionary<string, Parameter>(StringComparer.Ordinal);
        foreach (var (name, parameter) in module.named_parameters()) byName[name] = parameter;
        var result = new Parameter[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            var e = entries[i];
            if (!byName.TryGetValue(e.Name, out var p)) throw Missing(e, "the model");
            if (!p.shape.SequenceEqual(e.ShapeArray)) throw Reshaped(e, p.shape, "the model");
            result[i] = p;
        }
        return result;
    }

    /// <summary>
    /// The selected parameters as one differentiable 1-D vector [P] (a <c>cat</c> of views: gradients flow back to
    /// the parameters). A copy: writing to it does not change the model (use <see cref="Write"/>).
    /// </summary>
    public Tensor Flatten(nn.Module module)
    {
        var parameters = Resolve(module);
        var views = new Tensor[parameters.Count];
        try
        {
            for (var i = 0; i < views.Length; i++) views[i] = parameters[i].reshape(-1);
            return cat(views, 0);
        }
        finally
        {
            foreach (var v in views) v?.Dispose();
        }
    }

    /// <summary>
    /// A [P] view that aliases the module's selected parameters when they lie back to back, in layout order, in one
    /// storage (see <see cref="FlatParameters"/>); null otherwise (then use <see cref="Flatten"/>). Not differentiable:
    /// it is meant for reading parameters under <c>no_grad</c>; writing to it writes the parameters. Created in the
    /// current dispose scope.
    /// </summary>
    public Tensor? TryAlias(nn.Module module) => TryAlias(Resolve(module));

    /// <summary>
    /// <see cref="TryAlias(nn.Module)"/> for tensors given in layout order, e.g. the parameters' gradients: a [P] view
    /// over all of them when they lie back to back in one storage with the layout's offsets; null otherwise.
    /// </summary>
    public Tensor? TryAlias(IReadOnlyList<Tensor> tensors)
    {
        if (tensors.Count != entries.Length || tensors.Count == 0) return null;
        var first = tensors[0];
        var dtype = first.dtype;
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64)) return null;
        long start = first.storage_offset();
        // Offsets first (cheap); then that every tensor is in the first one's storage.
        for (var i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            if (t.dtype != dtype || t.storage_offset() != start + entries[i].Offset || !t.is_contiguous()) return null;
        }
        var storage = StorageAddress(first);
        for (var i = 1; i < tensors.Count; i++)
            if (StorageAddress(tensors[i]) != storage) return null;
        using var noGrad = no_grad();
        return first.as_strided([Dimension], [1], start);
    }

    /// <summary>The base address of a float tensor's storage (same dtype: no conversion, no copy).</summary>
    private static IntPtr StorageAddress(Tensor t)
    {
        if (t.dtype == ScalarType.Float32)
        {
            using var s = t.storage<float>();
            return s.data_ptr();
        }
        using var d = t.storage<double>();
        return d.data_ptr();
    }

    /// <summary>Copies <paramref name="vector"/> [P] into the module's parameters in place (under <c>no_grad</c>).</summary>
    public void Write(nn.Module module, Tensor vector)
    {
        CheckVector(vector, nameof(vector));
        var parameters = Resolve(module);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        for (var i = 0; i < entries.Length; i++)
            parameters[i].copy_(vector.narrow(0, entries[i].Offset, entries[i].Count).view(entries[i].ShapeArray));
    }

    /// <summary>
    /// Adds <paramref name="alpha"/> · <paramref name="vector"/> [P] to the parameters' <c>.grad</c> (creating it
    /// where absent): how a closed-form prior gradient joins the likelihood's autograd gradient.
    /// <para>
    /// When every parameter has a gradient and those lie back to back in one buffer in layout order, this is one
    /// operation. When they all exist but are scattered (autograd allocates them separately), they are first moved
    /// into one buffer, each <c>.grad</c> becoming a view of its slice with the same values; autograd then accumulates
    /// into these views in place, so later calls take the one-operation path (see <see cref="FlatParameters"/>).
    /// </para>
    /// </summary>
    public void AddToGradients(nn.Module module, Tensor vector, double alpha = 1.0)
    {
        CheckVector(vector, nameof(vector));
        var parameters = Resolve(module);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var flat = GradientAlias(parameters);
        if (flat is not null)
        {
            flat.add_(vector.to(flat.dtype, flat.device), alpha);
            return;
        }
        for (var i = 0; i < entries.Length; i++)
        {
            var p = parameters[i];
            var slice = vector.narrow(0, entries[i].Offset, entries[i].Count).view(entries[i].ShapeArray);
            var grad = p.grad;
            if (grad is null)
            {
                // The native side keeps its own reference; the scope disposes only our handle.
                p.grad = slice.to(p.dtype, p.device).mul(alpha);
            }
            else
            {
                grad.add_(slice.to(p.dtype, p.device), alpha);
            }
        }
    }

    /// <summary>
    /// A [P] view aliasing the parameters' <c>.grad</c> in layout order, after moving them into one buffer if they are
    /// scattered (each <c>.grad</c> becomes a view of its slice, same values; autograd then accumulates into it in
    /// place). Null when some parameter has no gradient yet or the gradients differ in dtype or device. Created in the
    /// current dispose scope; meant for use under <c>no_grad</c>.
    /// </summary>
    public Tensor? GradientAlias(nn.Module module) => GradientAlias(Resolve(module));

    private Tensor? GradientAlias(IReadOnlyList<Parameter> parameters)
    {
        var grads = new Tensor[parameters.Count];
        for (var i = 0; i < grads.Length; i++)
        {
            if (parameters[i].grad is not { } g) return null;
            grads[i] = g;
        }
        var flat = TryAlias(grads);
        if (flat is not null) return flat;
        var dtype = grads[0].dtype;
        var device = grads[0].device;
        if (grads.Any(g => g.dtype != dtype || g.device.type != device.type || g.device.index != device.index)) return null;
        using var noGrad = no_grad();
        flat = empty(Dimension, dtype, device);
        for (var i = 0; i < grads.Length; i++)
        {
            var slice = flat.narrow(0, entries[i].Offset, entries[i].Count).view(entries[i].ShapeArray);
            slice.copy_(grads[i]);
            parameters[i].grad = slice;
        }
        return flat;
    }

    /// <summary>A view of one parameter's elements of <paramref name="vector"/>, in the parameter's shape.</summary>
    public Tensor Slice(Tensor vector, string name)
    {
        CheckVector(vector, nameof(vector));
        var e = this[name];
        using var flat = vector.narrow(0, e.Offset, e.Count);
        return flat.view(e.ShapeArray);
    }

    /// <summary>
    /// Throws <see cref="LayoutMismatchException"/> naming the first parameter of the layout that the module lacks or
    /// has with another shape, then the first parameter the module has under <see cref="Selection"/> that the layout
    /// lacks.
    /// </summary>
    public void Validate(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var named = module.named_parameters().Select(np => (np.name, shape: np.parameter.shape)).ToList();
        var byName = named.ToDictionary(np => np.name, np => np.shape, StringComparer.Ordinal);
        foreach (var e in entries)
        {
            if (!byName.TryGetValue(e.Name, out var shape)) throw Missing(e, "the model");
            if (!shape.SequenceEqual(e.ShapeArray)) throw Reshaped(e, shape, "the model");
        }
        if (!Selection.ReportsExtras) return;
        foreach (var (name, shape) in named)
        {
            if (Selection.Matches(name) && !indexByName.ContainsKey(name))
                throw new LayoutMismatchException(LayoutMismatchKind.Extra, name,
                    $"The model has parameter '{name}' {FormatShape(shape)}, one of its {Selection}, which the layout lacks. " +
                    "The model is not the architecture the layout (prior) was built for: use a model of that architecture " +
                    "or rebuild the prior for this one.");
        }
    }

    /// <summary>Throws <see cref="LayoutMismatchException"/> unless <paramref name="other"/> has the same names, shapes and order.</summary>
    public void Validate(ParameterLayout other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < entries.Length; i++)
        {
            var e = entries[i];
            if (!other.indexByName.TryGetValue(e.Name, out var j)) throw Missing(e, "the other layout");
            var o = other.entries[j];
            if (!o.ShapeArray.SequenceEqual(e.ShapeArray)) throw Reshaped(e, o.ShapeArray, "the other layout");
            if (j != i)
                throw new LayoutMismatchException(LayoutMismatchKind.Reordered, e.Name,
                    $"Parameter '{e.Name}' is entry {i} of the layout but entry {j} of the other layout: their flat vectors are ordered differently.");
        }
        if (other.entries.Length > entries.Length)
        {
            var extra = other.entries[entries.Length];
            throw new LayoutMismatchException(LayoutMismatchKind.Extra, extra.Name,
                $"The other layout has parameter '{extra.Name}' {FormatShape(extra.Shape)}, which the layout lacks.");
        }
    }

    /// <summary>True when <see cref="Validate(ParameterLayout)"/> would not throw.</summary>
    public bool IsSameAs(ParameterLayout other) =>
        other.entries.Length == entries.Length &&
        entries.Zip(other.entries).All(p => p.First.Name == p.Second.Name && p.First.ShapeArray.SequenceEqual(p.Second.ShapeArray));

    /// <summary>The JSON form: <c>{"selection": {"kind", "prefixes"}, "parameters": [{"name", "shape", "offset"}]}</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(
        new LayoutJson(
            new SelectionJson(Selection.Kind.ToString().ToLowerInvariant(), Selection.Prefixes.ToArray()),
            entries.Select(e => new EntryJson(e.Name, e.ShapeArray, e.Offset)).ToArray()),
        JsonOptions);

    /// <summary>Parses <see cref="ToJson"/>'s form; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static ParameterLayout FromJson(string json)
    {
        LayoutJson? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<LayoutJson>(json, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"The parameter layout is not valid JSON: {ex.Message}", ex);
        }
        if (parsed?.Parameters is null) throw new FormatException("The parameter layout has no \"parameters\" list.");
        var selection = ParameterSelection.Explicit;
        if (parsed.Selection is not null)
        {
            if (!Enum.TryParse<ParameterSelectionKind>(parsed.Selection.Kind, ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
                throw new FormatException($"Unknown parameter selection kind '{parsed.Selection.Kind}' (expected all, include, exclude or explicit).");
            try
            {
                selection = ParameterSelection.Create(kind, parsed.Selection.Prefixes);
            }
            catch (ArgumentException ex)
            {
                throw new FormatException($"Invalid parameter selection: {ex.Message}", ex);
            }
        }
        ParameterLayout layout;
        try
        {
            layout = new ParameterLayout(parsed.Parameters.Select(CheckEntry), selection);
        }
        catch (ArgumentException ex)
        {
            throw new FormatException($"Invalid parameter layout: {ex.Message}", ex);
        }
        for (var i = 0; i < layout.entries.Length; i++)
        {
            if (parsed.Parameters[i].Offset != layout.entries[i].Offset)
                throw new FormatException(
                    $"Layout entry '{layout.entries[i].Name}' says offset {parsed.Parameters[i].Offset}, but the shapes before it put it at {layout.entries[i].Offset}.");
        }
        return layout;
    }

    private static (string Name, long[] Shape) CheckEntry(EntryJson? e, int i)
    {
        if (e?.Name is not { } name) throw new FormatException($"Layout entry {i} has no name.");
        if (e.Shape is not { } shape) throw new FormatException($"Layout entry {i} ('{name}') has no shape.");
        return (name, shape);
    }

    public override string ToString() => $"ParameterLayout({entries.Length} parameters, P = {Dimension}, {Selection})";

    internal static string FormatShape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";

    private void CheckVector(Tensor vector, string paramName)
    {
        ArgumentNullException.ThrowIfNull(vector, paramName);
        if (vector.dim() != 1 || vector.shape[0] != Dimension)
            throw new ArgumentException($"Expected a flat vector of shape [{Dimension}]; got {FormatShape(vector.shape)}.", paramName);
    }

    private static LayoutMismatchException Missing(ParameterEntry e, string where) =>
        new(LayoutMismatchKind.Missing, e.Name,
            $"Parameter '{e.Name}' {FormatShape(e.Shape)} is in the layout but not in {where}. " +
            "The model is not the architecture the layout (prior) was built for, or its modules are named differently: " +
            "use a model of that architecture or rebuild the prior for this one.");

    private static LayoutMismatchException Reshaped(ParameterEntry e, long[] shape, string where) =>
        new(LayoutMismatchKind.Reshaped, e.Name,
            $"Parameter '{e.Name}' has shape {FormatShape(shape)} in {where} but {FormatShape(e.Shape)} in the layout " +
            "(e.g. a different width or number of input channels): use a model of the architecture the layout (prior) was built for.");

    private static string Abbreviate(IEnumerable<string> names)
    {
        var list = names.Take(11).ToList();
        return list.Count == 0 ? "(none)" : string.Join(", ", list.Take(10)) + (list.Count > 10 ? ", …" : "");
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private sealed record LayoutJson(SelectionJson? Selection, EntryJson[]? Parameters);

    private sealed record SelectionJson(string Kind, string[]? Prefixes);

    private sealed record EntryJson(string? Name, long[]? Shape, long Offset);
}
