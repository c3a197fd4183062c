using PriorTransfer.Experiments;
using PriorTransfer.Tests.Workflows;

namespace PriorTransfer.Tests.Experiments;

public sealed class ResumptionTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("priortransfer-resume-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>An experiment of n runs whose execution is recorded (and can be made to fail at one run, like a kill).</summary>
    private sealed class CountingExperiment(string id, int runs, List<string> executed, int? failAt = null) : IExperiment
    {
        public string Id => id;
        public string Description => "counting";

        public IReadOnlyList<RunSpec> Plan(ExperimentContext context) => Enumerable.Range(0, runs).Select(i =>
            new RunSpec(id, context.Task.Name, "finetune", 10 * (i + 1), 0, context.Profile.Name, new Dictionary<string, string>(), 1, _ =>
            {
                if (i == failAt) throw new OperationCanceledException("killed");
                executed.Add($"{id}/{i}");
                return new RunOutcome(new Dictionary<string, double>(), new Dictionary<string, double> { ["accuracy"] = i / 10.0 });
            })).ToList();
    }

    private ExperimentContext Context(TransferTaskHolder holder) => new(holder.Task, ExperimentProfile.Quick, folder);

    private sealed class TransferTaskHolder : IDisposable
    {
        public PriorTransfer.Data.TransferTask Task { get; } = SyntheticTask.Create();
        public void Dispose() => Task.Dispose();
    }

    [Fact]
    public void ARerunSkipsExactlyTheCompletedRuns()
    {
        using var task = new TransferTaskHolder();
        using var context = Context(task);
        var executed = new List<string>();
        var experiment = new CountingExperiment("counting", 4, executed, failAt: 2);

        // First invocation: killed during run 2; runs 0 and 1 are recorded, run 2 left no line.
        Assert.Throws<OperationCanceledException>(() => ExperimentRunner.Run([experiment], context));
        Assert.Equal(["counting/0", "counting/1"], executed);
        Assert.Equal(2, ResultsStore.Read(Path.Combine(folder, ResultsStore.FileName)).Count);

        // Second invocation: runs only 2 and 3, writes the report.
        executed.Clear();
        var resumed = new CountingExperiment("counting", 4, executed);
        var store = ResultsStore.Open(folder);
        var plan = ExperimentRunner.Plan([resumed], context, store);
        Assert.Equal(4, plan.Runs.Count);
        Assert.Equal(2, plan.Remaining.Count);
        ExperimentRunner.Execute(plan, context, store);
        Assert.Equal(["counting/2", "counting/3"], executed);

        // Third invocation: nothing left to do.
        executed.Clear();
        ExperimentRunner.Run([resumed], context);
        Assert.Empty(executed);
        var records = ResultsStore.Read(Path.Combine(folder, ResultsStore.FileName));
        Assert.Equal(4, records.Select(r => r.Key).Distinct().Count());
        Assert.All(records, r => Assert.NotNull(r.Environment));
        Assert.True(File.Exists(Path.Combine(folder, ExperimentReport.FileName)));
    }

    /// <summary>
    /// A second writer into a folder that an experiment is running into is refused before it touches the results, and
    /// the folder is free again once the first has ended (the release after a failed run is in the test above).
    /// </summary>
    [Fact]
    public void ASecondWriterIntoTheSameFolderIsRefused()
    {
        using var task = new TransferTaskHolder();
        using var context = Context(task);
        var executed = new List<string>();
        IOException? refused = null;
        var intruder = new CountingExperiment("intruder", 1, executed);
        var first = new CountingExperiment("first", 1, executed);
        var probing = new DelegatingExperiment(first, () => refused = Assert.Throws<IOException>(() => ExperimentRunner.Run([intruder], context)));

        ExperimentRunner.Run([probing], context);

        Assert.NotNull(refused);
        Assert.Contains("--out", refused.Message);
        Assert.Equal(["first/0"], executed);
        Assert.Single(ResultsStore.Read(Path.Combine(folder, ResultsStore.FileName)));
        ExperimentRunner.Run([intruder], context);
        Assert.Equal(["first/0", "intruder/0"], executed);
    }

    /// <summary>Runs <paramref name="inner"/>'s runs, calling <paramref name="during"/> at the start of each.</summary>
    private sealed class DelegatingExperiment(IExperiment inner, Action during) : IExperiment
    {
        public string Id => inner.Id;
        public string Description => inner.Description;

        public IReadOnlyList<RunSpec> Plan(ExperimentContext context) =>
            inner.Plan(context).Select(r => r with { Execute = c => { during(); return r.Execute(c); } }).ToList();
    }

    /// <summary>
    /// Runs record the profile's fingerprint; resuming under a changed definition of the same profile (here a longer
    /// sampler budget) reports the completed runs made under the old one, while selecting other seeds does not.
    /// </summary>
    [Fact]
    public void CompletedRunsMadeUnderAnotherProfileDefinitionAreReported()
    {
        using var task = new TransferTaskHolder();
        using var context = Context(task);
        var experiment = new CountingExperiment("counting", 3, []);
        var store = ResultsStore.Open(folder);
        var plan = ExperimentRunner.Plan([experiment], context, store);
        ExperimentRunner.Execute(plan with { Remaining = plan.Remaining.Take(2).ToList() }, context, store);
        Assert.All(store.Records, r => Assert.Equal(ExperimentProfile.Quick.Fingerprint, r.ProfileFingerprint));
        Assert.Equal(0, ExperimentRunner.Plan([experiment], context, store).CompletedUnderOtherDefinition);

        var longer = ExperimentProfile.Quick with { Budget = ExperimentProfile.Quick.Budget with { SamplerSteps = 300 } };
        using var changed = new ExperimentContext(task.Task, longer, folder);
        var replanned = ExperimentRunner.Plan([experiment], changed, store);
        Assert.Equal(2, replanned.CompletedUnderOtherDefinition);
        Assert.Single(replanned.Remaining);
        Assert.Contains("2 completed runs of this plan were made under another definition of profile 'quick'", replanned.Describe(store));

        using var otherSeeds = new ExperimentContext(task.Task, ExperimentProfile.Quick with { Seeds = [0, 1], Sizes = [10] }, folder);
        Assert.Equal(ExperimentProfile.Quick.Fingerprint, otherSeeds.Profile.Fingerprint);
        Assert.NotEqual(ExperimentProfile.Quick.Fingerprint, ExperimentProfile.Full.Fingerprint);
    }

    [Fact]
    public void ADryRunPlansWithoutCreatingOrRunningAnything()
    {
        using var task = new TransferTaskHolder();
        string output = Path.Combine(folder, "not-yet");
        using var context = new ExperimentContext(task.Task, ExperimentProfile.Quick, output);
        var executed = new List<string>();
        ExperimentPlan? shown = null;
        Assert.Null(ExperimentRunner.Run([new CountingExperiment("counting", 3, executed)], context, (plan, _) => shown = plan, dryRun: true));
        Assert.Equal(3, shown!.Remaining.Count);
        Assert.Empty(executed);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void RunsSharedByExperimentsExecuteOnce()
    {
        using var task = new TransferTaskHolder();
        using var context = Context(task);
        var executed = new List<string>();
        var a = new CountingExperiment("shared", 2, executed);
        var b = new CountingExperiment("shared", 2, executed);   // the same keys, as uncertainty re-plans data-efficiency
        var store = ResultsStore.Open(folder);
        var plan = ExperimentRunner.Plan([a, b], context, store);
        Assert.Equal(2, plan.Runs.Count);
        ExperimentRunner.Execute(plan, context, store);
        Assert.Equal(2, executed.Count);
    }

    [Fact]
    public void RunKeysSeparateEveryAxisAndIgnoreExtraOrder()
    {
        var extra1 = new Dictionary<string, string> { ["rank"] = "5", ["lambda"] = "1" };
        var extra2 = new Dictionary<string, string> { ["lambda"] = "1", ["rank"] = "5" };
        Assert.Equal(RunSpec.KeyOf("e", "t", "m", 10, 0, "quick", extra1), RunSpec.KeyOf("e", "t", "m", 10, 0, "quick", extra2));
        Assert.NotEqual(RunSpec.KeyOf("e", "t", "m", 10, 0, "quick", extra1), RunSpec.KeyOf("e", "t", "m", 10, 1, "quick", extra1));
        Assert.NotEqual(RunSpec.KeyOf("e", "t", "m", 10, 0, "quick", extra1), RunSpec.KeyOf("e", "t", "m", 10, 0, "full", extra1));
    }
}
