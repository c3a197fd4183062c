using PriorTransfer.SelfSupervised;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.SelfSupervised;

public class NtXentLossTests
{
    private static readonly double[,] Z1 = { { 1.0, 0.5, -0.2, 0.3 }, { -0.4, 1.2, 0.7, 0.0 }, { 0.2, -0.3, 0.9, 1.1 } };
    private static readonly double[,] Z2 = { { 0.8, 0.7, -0.1, 0.1 }, { -0.5, 0.9, 1.0, -0.2 }, { 0.6, -0.6, 0.4, 1.5 } };

    /// <summary>SimCLR's eq. 1 with explicit loops in float64: the reference the tensor implementation must match.</summary>
    private static double Reference(double[,] z1, double[,] z2, double temperature)
    {
        int b = z1.GetLength(0), d = z1.GetLength(1);
        var z = new double[2 * b][];
        for (int i = 0; i < 2 * b; i++)
        {
            z[i] = new double[d];
            for (int j = 0; j < d; j++) z[i][j] = i < b ? z1[i, j] : z2[i - b, j];
        }
        double Sim(int i, int k)
        {
            double dot = 0, ni = 0, nk = 0;
            for (int j = 0; j < d; j++) { dot += z[i][j] * z[k][j]; ni += z[i][j] * z[i][j]; nk += z[k][j] * z[k][j]; }
            return dot / (Math.Sqrt(ni) * Math.Sqrt(nk));
        }
        double total = 0;
        for (int i = 0; i < 2 * b; i++)
        {
            int positive = i < b ? i + b : i - b;
            double denominator = 0;
            for (int k = 0; k < 2 * b; k++)
                if (k != i) denominator += Math.Exp(Sim(i, k) / temperature);
            total += -Math.Log(Math.Exp(Sim(i, positive) / temperature) / denominator);
        }
        return total / (2 * b);
    }

    private static Tensor Rows(double[,] values) => tensor(values, ScalarType.Float64);

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.1)]
    [InlineData(2.0)]
    public void EqualsTheHandComputedValueOnThreeImages(double temperature)
    {
        using var z1 = Rows(Z1);
        using var z2 = Rows(Z2);
        using var loss = NtXentLoss.Compute(z1, z2, temperature);
        Assert.Equal(Reference(Z1, Z2, temperature), loss.item<double>(), 12);
    }

    [Fact]
    public void IsInvariantToTheOrderOfPairsAndOfTheViews()
    {
        using var scope = NewDisposeScope();
        var z1 = Rows(Z1);
        var z2 = Rows(Z2);
        double loss = NtXentLoss.Compute(z1, z2, 0.5).item<double>();
        var order = tensor(new long[] { 2, 0, 1 });
        Assert.Equal(loss, NtXentLoss.Compute(z1.index_select(0, order), z2.index_select(0, order), 0.5).item<double>(), 12);
        Assert.Equal(loss, NtXentLoss.Compute(z2, z1, 0.5).item<double>(), 12);
        // Shuffling only one side breaks the pairs, and the loss sees it.
        Assert.NotEqual(loss, NtXentLoss.Compute(z1, z2.index_select(0, order), 0.5).item<double>(), 6);
    }

    [Fact]
    public void IsScaleInvariantAndLowestWhenViewsAgree()
    {
        using var scope = NewDisposeScope();
        var z1 = Rows(Z1);
        var z2 = Rows(Z2);
        double loss = NtXentLoss.Compute(z1, z2, 0.5).item<double>();
        Assert.Equal(loss, NtXentLoss.Compute(z1 * 3.0, z2 * 0.25, 0.5).item<double>(), 12);
        Assert.True(NtXentLoss.Compute(z1, z1, 0.5).item<double>() < loss);
    }

    [Fact]
    public void RejectsInvalidInputs()
    {
        using var scope = NewDisposeScope();
        var z = Rows(Z1);
        Assert.Throws<ArgumentOutOfRangeException>(() => NtXentLoss.Compute(z, z, 0));
        Assert.Throws<ArgumentException>(() => NtXentLoss.Compute(z.narrow(0, 0, 1), z.narrow(0, 0, 1), 0.5));
        Assert.Throws<ArgumentException>(() => NtXentLoss.Compute(z, z.narrow(0, 0, 2), 0.5));
    }
}
