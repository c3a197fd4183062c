using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using PriorTransfer.Data;
using PriorTransfer.IO;
using PriorTransfer.Workflows;

namespace PriorTransfer.Cli.Commands;

/// <summary><c>priortransfer segment</c>: one segmentation method (Table 1) on n scenes, tuned on validation scenes, tested.</summary>
internal static class SegmentCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var task = CommonOptions.Task();
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var n = new Option<int>("--n") { Description = "Training scenes (the benchmark uses 10, 50, 200, 1000).", DefaultValueFactory = _ => 50 };
        var method = new Option<string>("--method") { Description = $"Segmentation method: {SegmentationMethods.Ids}.", DefaultValueFactory = _ => SegmentationMethods.SgdTransfer.Id, HelpName = "id" };
        var checkpoint = new Option<string>("--checkpoint") { Description = "Pre-trained classification checkpoint (from `pretrain`; resnet8 or resnet20): the backbone every method starts from.", HelpName = "file", Required = true };
        var prior = new Option<string?>("--prior") { Description = "Prior file over the backbone (from `learn-prior`; supervised or SimCLR), for the sgld-learned-* methods.", HelpName = "file" };
        var tune = new Option<string>("--tune") { Description = "Tuning budget on the validation scenes: quick (4 configurations per method) or full (8).", DefaultValueFactory = _ => "quick" };
        tune.AcceptOnlyFromAmong("quick", "full");
        var profile = new Option<string>("--budget") { Description = "Steps per fit: quick (120 steps; SGLD 4 cycles) or full (400 steps; SGLD 10 cycles).", DefaultValueFactory = _ => "quick" };
        profile.AcceptOnlyFromAmong("quick", "full");
        var validationScenes = new Option<int>("--validation-scenes") { Description = "Validation scenes (from the 500-image validation holdout).", DefaultValueFactory = _ => 100 };
        var testScenes = new Option<int>("--test-scenes") { Description = "Test scenes (from the test images).", DefaultValueFactory = _ => 200 };
        var output = new Option<string?>("--out") { Description = "JSON result to write (default: runs/<task>/segment-<method>-n<n>-s<seed>.json; a PNG of predictions goes beside it).", HelpName = "file" };
        var command = new Command("segment", "Semantic segmentation with a learned backbone prior (the paper's Table 1 at CPU scale): train one method on n scenes, tune it on validation scenes, report test mean IoU and pixel accuracy.")
        {
            data, task, n, seed, method, checkpoint, prior, tune, profile, validationScenes, testScenes, output, threads,
        };
        command.SetAction(r => CommandRunner.Run(r.GetValue(threads), ct =>
        {
            var chosen = SegmentationMethods.Get(r.GetValue(method)!);
            string json = r.GetValue(output) ?? Path.Combine(RunPaths.TaskFolder(r.GetValue(task)!),
                string.Create(CultureInfo.InvariantCulture, $"segment-{chosen.Id}-n{r.GetValue(n)}-s{r.GetValue(seed)}.json"));
            AtomicFile.EnsureWritable(json);
            var options = new SegmentationRunOptions
            {
                Checkpoint = r.GetValue(checkpoint)!,
                Prior = r.GetValue(prior),
                Tuning = r.GetValue(tune) == "full" ? TuningBudget.Full : TuningBudget.Quick,
                Budget = r.GetValue(profile) == "full" ? SegmentationRunOptions.FullBudget : SegmentationRunOptions.QuickBudget,
                ValidationScenes = r.GetValue(validationScenes),
                TestScenes = r.GetValue(testScenes),
                PreviewPath = Path.ChangeExtension(json, ".png"),
            };
            using var transferTask = TaskCatalog.Create(r.GetValue(task)!, new DataLocator(r.GetValue(data)));
            var result = SegmentationRun.Run(transferTask, chosen, r.GetValue(n), r.GetValue(seed), options, new ConsoleProgress(), WriteGridPoint, ct);
            Console.WriteLine();
            if (chosen.PriorLoss is { } expected && result.PriorLoss is { } actual && actual != PriorTransfer.Serialization.PriorFile.LossName(expected))
                Console.WriteLine($"note: {chosen.Id} stands for a {PriorTransfer.Serialization.PriorFile.LossName(expected)} prior, but the prior file's manifest says '{actual}'.");
            Console.WriteLine($"{result.Method} on {result.Task}, n = {result.N} scenes, seed {result.Seed}: chosen {result.Chosen}, {result.Samples} network(s) averaged");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"test mIoU {result.MeanIou:F4}   pixel accuracy {result.PixelAccuracy:F4}   pixel NLL {result.PixelNll:F4}   (validation mIoU {result.ValidationMeanIou:F4})   {result.Elapsed:mm\\:ss}"));
            if (result.MeanSampleIou is { } single)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mean test mIoU of the {result.Samples} samples on their own: {single:F4}"));
            AtomicFile.WriteAllText(json, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"result: {json}");
            Console.WriteLine($"predictions next to ground truth: {result.PreviewPath}");
            return CommandRunner.Ok;
        }));
        return command;
    }

    private static void WriteGridPoint(SegmentationGridPoint p) => Console.WriteLine(p.Diverged
        ? $"  {p.Config}: diverged ({p.Failure})"
        : string.Create(CultureInfo.InvariantCulture, $"  {p.Config}: validation mIoU {p.ValidationMeanIou:F4}, pixel NLL {p.ValidationPixelNll:F4}"));
}
