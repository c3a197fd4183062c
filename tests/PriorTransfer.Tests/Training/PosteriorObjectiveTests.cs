using PriorTransfer.Models;
using PriorTransfer.Parameters;
using PriorTransfer.Priors;
using PriorTransfer.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Training;

public class PosteriorObjectiveTests
{
    private static CompositePrior LearnedPrior(Classifier model, Generator g)
    {
        var backbone = ParameterLayout.WithPrefixes(model, Classifier.BackbonePrefix);
        long p = backbone.Dimension;
        var mean = randn([p], generator: g) * 0.05f;
        var diagonal = rand([p], generator: g) * 1e-3f + 1e-4f;
        var factor = randn([p, 4], generator: g) * 1e-2f;
        var learned = new LowRankGaussian(mean, diagonal, factor);
        return CompositePrior.WithIsotropicRemainder(model, backbone, learned, otherVariance: 0.5);
    }

    [Fact]
    public void ClosedFormPriorGradientEqualsAutogradOfTheWholeObjective()
    {
        using var g = new Generator(11);
        using var model = ModelFactory.Create(new ModelSpec("resnet8", 1, 3), seed: 2);
        model.eval(); // fixed BatchNorm statistics: both passes see the same function
        using var prior = LearnedPrior(model, g);
        var objective = new PosteriorObjective(prior, trainingSetSize: 50);
        using var images = rand([6, 1, 28, 28], generator: g);
        using var labels = tensor(new long[] { 0, 1, 2, 0, 1, 2 });

        model.zero_grad();
        using (var loss = objective.Loss(model, images, labels)) loss.backward();
        var autograd = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());

        model.zero_grad();
        using (var data = objective.DataLoss(model, images, labels)) data.backward();
        objective.AddPriorGradient(model);
        foreach (var (name, parameter) in model.named_parameters())
        {
            var expected = autograd[name];
            double scale = Math.Max(expected.abs().max().item<float>(), 1e-6);
            double error = (parameter.grad! - expected).abs().max().item<float>();
            Assert.True(error <= 1e-4 * scale + 1e-7, $"{name}: max error {error} (scale {scale})");
        }
    }

    [Fact]
    public void PriorTermIsDividedByN()
    {
        using var g = new Generator(3);
        using var model = ModelFactory.Create(new ModelSpec("resnet8", 1, 3), seed: 2);
        model.eval();
        using var prior = LearnedPrior(model, g);
        using var images = rand([4, 1, 28, 28], generator: g);
        using var labels = tensor(new long[] { 0, 1, 2, 0 });
        using var noGrad = no_grad();
        double data = new PosteriorObjective(prior, 10).DataLoss(model, images, labels).item<float>();
        double logPrior = prior.LogProb(model).item<float>();
        double loss10 = new PosteriorObjective(prior, 10).Loss(model, images, labels).item<float>();
        double loss1000 = new PosteriorObjective(prior, 1000).Loss(model, images, labels).item<float>();
        Assert.Equal(data - logPrior / 10, loss10, 2);
        Assert.Equal(data - logPrior / 1000, loss1000, 3);
    }
}
