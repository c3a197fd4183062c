using PriorTransfer.Performance;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Performance;

public sealed class NnpackTests
{
    /// <summary>The exported libtorch symbols are found on Linux x64, and convolutions still run (on oneDNN) afterwards.</summary>
    [Fact]
    public void DisablingNnpackFindsTheSymbolsAndConvolutionsStillWork()
    {
        bool disabled = Nnpack.Disable();
        Assert.Equal(OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64, disabled);
        using var scope = NewDisposeScope();
        var input = ones(16, 4, 8, 8);
        var weight = ones(2, 4, 1, 1);
        var output = nn.functional.conv2d(input, weight);
        Assert.Equal(new long[] { 16, 2, 8, 8 }, output.shape);
        Assert.Equal(4f, output[0, 0, 0, 0].item<float>());
    }
}
