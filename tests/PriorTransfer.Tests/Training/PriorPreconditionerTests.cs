using PriorTransfer.Parameters;
using PriorTransfer.Priors;
using PriorTransfer.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Training;

public class PriorPreconditionerTests
{
    /// <summary>A float64 TinyNet prior: low-rank on the backbone, isotropic on the head, and its dense covariance.</summary>
    private static (CompositePrior Prior, Tensor Covariance) Prior(TinyNet model, Generator g)
    {
        var backbone = ParameterLayout.WithPrefixes(model, "backbone.");
        long p = backbone.Dimension;
        var mean = randn([p], ScalarType.Float64, generator: g) * 0.1;
        var diagonal = rand([p], ScalarType.Float64, generator: g) * 1e-3 + 1e-6;
        var factor = randn([p, 3], ScalarType.Float64, generator: g) * 1e-2;
        var learned = new LowRankGaussian(mean, diagonal, factor, ScalarType.Float64);
        var prior = CompositePrior.WithIsotropicRemainder(model, backbone, learned, otherVariance: 0.5);

        // Dense Σ over the whole layout, in layout order.
        var layout = prior.Layout;
        var covariance = zeros([layout.Dimension, layout.Dimension], ScalarType.Float64);
        var block = diag(diagonal).add(factor.matmul(factor.t()));
        var index = tensor(backbone.Entries.SelectMany(e => Enumerable.Range(0, (int)e.Count).Select(i => layout[e.Name].Offset + i)).ToArray());
        covariance.index_put_(block, index.unsqueeze(1), index.unsqueeze(0));
        foreach (var e in layout.Entries.Where(e => !backbone.Contains(e.Name)))
            for (long i = 0; i < e.Count; i++) covariance[e.Offset + i, e.Offset + i] = 0.5;
        return (prior, covariance);
    }

    [Fact]
    public void GradientBecomesSigmaTimesShiftedInverseTimesGradient()
    {
        using var g = new Generator(5);
        using var model = new TinyNet(dtype: ScalarType.Float64);
        var (prior, covariance) = Prior(model, g);
        using var _ = prior;
        using var images = rand([4, 1, 6, 6], ScalarType.Float64, generator: g);
        model.zero_grad();
        using (var loss = model.forward(images).pow(2).sum()) loss.backward();
        var layout = prior.Layout;
        using var before = cat(layout.Resolve(model).Select(p => p.grad!.reshape(-1)).ToArray());

        const double learningRate = 0.05;
        const long n = 20;
        using (var preconditioner = new PriorPreconditioner(prior, learningRate, n)) preconditioner.Apply(model);

        double c = learningRate / n;
        using var shifted = covariance.add(eye(layout.Dimension, dtype: ScalarType.Float64).mul(c));
        using var expected = covariance.matmul(linalg.solve(shifted, before));
        using var after = cat(layout.Resolve(model).Select(p => p.grad!.reshape(-1)).ToArray());
        Assert.True(after.allclose(expected, rtol: 1e-9, atol: 1e-12), $"max error {(after - expected).abs().max().item<double>()}");
    }

    [Fact]
    public void SolveCovarianceAndShiftMatchDenseForEveryPriorKind()
    {
        using var g = new Generator(9);
        const long p = 7;
        using var mean = randn([p], ScalarType.Float64, generator: g);
        using var variance = rand([p], ScalarType.Float64, generator: g).add(0.1);
        using var v = randn([p], ScalarType.Float64, generator: g);
        IPrior[] priors =
        [
            new IsotropicGaussian(p, 0.3, mean, ScalarType.Float64),
            new DiagonalGaussian(mean, variance, ScalarType.Float64),
        ];
        Tensor[] dense = [eye(p, dtype: ScalarType.Float64).mul(0.3), diag(variance)];
        for (int i = 0; i < priors.Length; i++)
        {
            using var prior = priors[i];
            using var shifted = prior.WithDiagonalShift(0.2);
            using var solved = shifted.SolveCovariance(v);
            using var expected = linalg.solve(dense[i].add(eye(p, dtype: ScalarType.Float64).mul(0.2)), v);
            Assert.True(solved.allclose(expected, rtol: 1e-12, atol: 1e-14), prior.ToString());
        }
    }

    [Fact]
    public void MapUnderATightPriorDivergesPlainlyButConvergesToThePriorMeanPreconditioned()
    {
        // Only the prior term (no data): its curvature 1/(σ²N) = 1e5 makes lr = 0.1 unstable without M.
        static double Run(bool precondition)
        {
            using var g = new Generator(1);
            using var model = new TinyNet(dtype: ScalarType.Float64);
            var all = ParameterLayout.All(model);
            using var mean = randn([all.Dimension], ScalarType.Float64, generator: g);
            using var prior = new CompositePrior(all, [(all, new IsotropicGaussian(all.Dimension, 1e-4, mean, ScalarType.Float64))]);
            var objective = new PosteriorObjective(prior, trainingSetSize: 100);
            using var preconditioner = precondition ? new PriorPreconditioner(prior, 0.1, 100) : null;
            using var optimizer = optim.SGD(model.parameters(), 0.1);
            for (int step = 0; step < 200; step++)
            {
                optimizer.zero_grad();
                foreach (var parameter in model.parameters()) parameter.grad = zeros_like(parameter);
                objective.AddPriorGradient(model);
                preconditioner?.Apply(model);
                optimizer.step();
            }
            using var theta = all.Flatten(model);
            return (theta - mean).abs().max().item<double>();
        }
        double plain = Run(precondition: false);
        Assert.True(!double.IsFinite(plain) || plain > 1e3, $"plain SGD should diverge; distance {plain}");
        Assert.True(Run(precondition: true) < 1e-6);
    }
}
