using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PriorTransfer.Parameters;

/// <summary>
/// Parameters as views of one flat buffer (DESIGN.md, "Measured pitfalls"): <see cref="Consolidate"/> moves a module's
/// parameters, in layout order, into one contiguous tensor [P] and makes each parameter a view of its slice, with
/// the same values, the same <see cref="Parameter"/> objects (optimisers, hooks and names are unaffected) and the
/// same <c>requires_grad</c>. A flat vector of the parameters is then a free alias (<see cref="ParameterLayout.TryAlias(nn.Module)"/>)
/// instead of a <c>cat</c> of copies, which is what the prior term of every training step reads.
/// <para>
/// Gradients get the same treatment lazily: <see cref="ParameterLayout.AddToGradients"/> moves existing gradients into
/// one buffer the first time it sees them scattered; autograd then accumulates into those views in place (optimisers'
/// <c>zero_grad()</c> zeroes them in place), so every later step adds the prior's gradient with one operation.
/// </para>
/// <para>
/// Anything that replaces a parameter tensor (e.g. converting the module to another dtype) ends the sharing; every
/// reader checks before it aliases and falls back to per-parameter copies, so correctness never depends on it.
/// </para>
/// </summary>
public static class FlatParameters
{
    /// <summary>
    /// Moves the parameters of <paramref name="layout"/> (default: all of the module's, in <c>named_parameters()</c>
    /// order) into one new contiguous buffer. Returns false, changing nothing, when they differ in dtype or device.
    /// </summary>
    public static bool Consolidate(nn.Module module, ParameterLayout? layout = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        layout ??= ParameterLayout.All(module);
        var parameters = layout.Resolve(module);
        if (parameters.Count == 0) return false;
        var dtype = parameters[0].dtype;
        var device = parameters[0].device;
        if (parameters.Any(p => p.dtype != dtype || p.device.type != device.type || p.device.index != device.index)) return false;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        // Already one buffer of exactly this layout (offset 0): nothing to do.
        if (parameters[0].storage_offset() == 0 && layout.TryAlias(parameters) is not null) return true;
        var buffer = empty(layout.Dimension, dtype, device);
        for (var i = 0; i < parameters.Count; i++)
        {
            var entry = layout.Entries[i];
            var slice = buffer.narrow(0, entry.Offset, entry.Count).view(entry.ShapeArray);
            slice.copy_(parameters[i]);
            parameters[i].set_(slice);
        }
        return true;
    }
}
