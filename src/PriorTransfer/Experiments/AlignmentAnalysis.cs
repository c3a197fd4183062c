using System.Globalization;
using PriorTransfer.Data;
using PriorTransfer.Metrics;
using PriorTransfer.Models;
using PriorTransfer.Parameters;
using PriorTransfer.Workflows;
using TorchSharp;
using static TorchSharp.torch;

namespace PriorTransfer.Experiments;

/// <summary>
/// The loss-surface alignment of paper Fig. 2a. The model is the prior's mean (the SWA checkpoint, BatchNorm
/// statistics included) with the head of a MAP fit downstream (map-learned, tuned as usual). Directions are the top
/// left singular vectors of the prior's low-rank factor U (the covariance's principal axes) and seeded Gaussian random
/// directions, all filter-normalised (Li et al. 2018): each output filter of a weight tensor is rescaled to the norm
/// of the same filter of the weights, and 1-D parameters (BatchNorm, biases) are not perturbed. The downstream test
/// loss is measured at θ̄ + t·d for t on a symmetric grid in [−1, 1].
/// </summary>
public static class AlignmentAnalysis
{
    public const int SingularDirections = 5;
    public const int RandomDirections = 10;
    public const string DistanceCurve = "distance";

    public static string SingularName(int i) => $"singular-{i + 1}";
    public static string RandomName(int i) => $"random-{i + 1}";

    /// <summary>Sharpness of one curve: the mean rise of the loss over its value at t = 0, over the points t ≠ 0.</summary>
    public static double Sharpness(IReadOnlyList<double> distances, IReadOnlyList<double> losses)
    {
        int center = Enumerable.Range(0, distances.Count).MinBy(i => Math.Abs(distances[i]));
        return Enumerable.Range(0, distances.Count).Where(i => i != center).Average(i => losses[i] - losses[center]);
    }

    public static RunOutcome Run(ExperimentContext context, DownstreamSetup setup, int n, int seed)
    {
        var profile = context.Profile;
        var method = DownstreamMethods.MapLearned;
        using var search = TransferRun.Tune(context, setup, method, n, seed);
        using var model = DownstreamSetup.CreateDownstreamModel(setup.Task, setup.SwaCheckpoint, setup.Architecture, seed);
        using (no_grad())
        {
            model.Head.weight.copy_(search.BestFit.Model.Head.weight);
            model.Head.bias!.copy_(search.BestFit.Model.Head.bias!);
        }
        var layout = DownstreamSetup.BackboneLayout(model);
        var prior = setup.LearnedPrior(model, method);
        if (prior.Dimension != layout.Dimension)
            throw new InvalidOperationException($"the prior has P = {prior.Dimension} but the backbone has {layout.Dimension} parameters.");

        var test = setup.Task.DownstreamTest;
        using var subset = test.Select(arange(Math.Min(profile.AlignmentTestLimit, test.Count), dtype: ScalarType.Int64));
        double[] distances = Enumerable.Range(0, profile.AlignmentPoints)
            .Select(i => -1 + 2.0 * i / (profile.AlignmentPoints - 1)).ToArray();

        using var scope = NewDisposeScope();
        Tensor mean;
        using (no_grad()) mean = layout.Flatten(model).detach().clone();
        double loss0 = Loss(model, subset);
        var curves = new Dictionary<string, double[]> { [DistanceCurve] = distances };
        var metrics = new Dictionary<string, double> { ["loss_at_mean"] = loss0 };
        var directions = new List<(string Name, Tensor Direction)>();
        var singular = TopSingularVectors(prior.Factor, SingularDirections);
        for (int i = 0; i < singular.Count; i++) directions.Add((SingularName(i), singular[i]));
        using var generator = new Generator((ulong)(seed * 7919 + 17));
        for (int i = 0; i < RandomDirections; i++) directions.Add((RandomName(i), randn([layout.Dimension], generator: generator)));

        foreach (var (name, raw) in directions)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            using var inner = NewDisposeScope();
            var direction = FilterNormalise(layout, raw, mean);
            var losses = distances.Select(t => t == 0 ? loss0 : LossAt(model, layout, mean, direction, t, subset)).ToArray();
            curves[name] = losses;
            metrics["sharpness_" + name] = Sharpness(distances, losses);
        }
        layout.Write(model, mean);
        metrics["sharpness_singular_mean"] = directions.Where(d => d.Name.StartsWith("singular", StringComparison.Ordinal)).Average(d => metrics["sharpness_" + d.Name]);
        metrics["sharpness_random_mean"] = directions.Where(d => d.Name.StartsWith("random", StringComparison.Ordinal)).Average(d => metrics["sharpness_" + d.Name]);
        metrics["singular_directions"] = singular.Count;
        var hyper = TransferRun.Hyperparameters(search.Best.Config);
        hyper["test_images"] = subset.Count;
        return new RunOutcome(hyper, metrics, Curves: curves);
    }

    /// <summary>
    /// The top <paramref name="count"/> left singular vectors of U [P, K] (unit norm, float32), from the
    /// eigen-decomposition of the K×K Gram matrix in float64; directions with a numerically zero singular value are dropped.
    /// </summary>
    public static IReadOnlyList<Tensor> TopSingularVectors(Tensor factor, int count)
    {
        using var noGrad = no_grad();
        var u = factor.to(ScalarType.Float64);
        var (values, vectors) = linalg.eigh(u.t().matmul(u));   // ascending
        int k = (int)values.shape[0];
        double largest = values[k - 1].item<double>();
        var result = new List<Tensor>();
        for (int j = k - 1; j >= 0 && result.Count < count; j--)
        {
            double value = values[j].item<double>();
            if (!(value > largest * 1e-10) || value <= 0) break;
            result.Add(u.matmul(vectors[TensorIndex.Colon, j]).div(Math.Sqrt(value)).to(ScalarType.Float32));
        }
        return result;
    }

    /// <summary>Li et al. (2018) filter normalisation of <paramref name="direction"/> against the weights <paramref name="weights"/>.</summary>
    public static Tensor FilterNormalise(ParameterLayout layout, Tensor direction, Tensor weights)
    {
        using var noGrad = no_grad();
        var result = zeros_like(direction);
        foreach (var entry in layout.Entries)
        {
            if (entry.Shape.Count < 2) continue;   // BatchNorm and biases stay put
            long filters = entry.Shape[0];
            var d = direction.narrow(0, entry.Offset, entry.Count).view(filters, -1);
            var w = weights.narrow(0, entry.Offset, entry.Count).view(filters, -1);
            var scale = w.norm(1, keepdim: true).div(d.norm(1, keepdim: true).clamp_min(1e-12));
            result.narrow(0, entry.Offset, entry.Count).copy_(d.mul(scale).flatten());
        }
        return result;
    }

    private static double LossAt(Classifier model, ParameterLayout layout, Tensor mean, Tensor direction, double t, ImageSet data)
    {
        using var scope = NewDisposeScope();
        layout.Write(model, mean.add(direction, alpha: t));
        return Loss(model, data);
    }

    private static double Loss(Classifier model, ImageSet data) => Evaluator.Evaluate(model, data).NegativeLogLikelihood;

    public static string Format(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
