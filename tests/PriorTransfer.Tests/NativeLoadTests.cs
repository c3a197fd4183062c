using TorchSharp;

namespace PriorTransfer.Tests;

public class NativeLoadTests
{
    [Fact]
    public void TensorOperationRuns()
    {
        using var a = torch.ones(2, 3);
        using var b = a * 2;
        Assert.Equal(12.0f, b.sum().item<float>());
    }
}
