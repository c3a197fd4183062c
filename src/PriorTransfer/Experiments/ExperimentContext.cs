using PriorTransfer.Data;
using PriorTransfer.SelfSupervised;
using PriorTransfer.Serialization;
using PriorTransfer.Training;
using PriorTransfer.Workflows;

namespace PriorTransfer.Experiments;

/// <summary>
/// What runs share within one invocation: the task, the profile, the results folder and its cache, and the source
/// artefacts (built on first use through the <see cref="ArtefactCache"/>, so an invocation whose runs are all done
/// trains nothing). Owns the downstream setups it opened.
/// </summary>
public sealed class ExperimentContext : IDisposable
{
    private readonly Dictionary<string, DownstreamSetup> setups = [];

    public ExperimentContext(TransferTask task, ExperimentProfile profile, string outputFolder,
        IProgress<TrainingProgress>? progress = null, Action<string>? say = null, CancellationToken cancellationToken = default)
    {
        Task = task;
        Profile = profile;
        OutputFolder = outputFolder;
        Say = say ?? (_ => { });
        Cache = new ArtefactCache(Path.Combine(outputFolder, "cache"), Say);
        Progress = progress;
        CancellationToken = cancellationToken;
    }

    public TransferTask Task { get; }
    public ExperimentProfile Profile { get; }
    public string OutputFolder { get; }
    public ArtefactCache Cache { get; }
    public IProgress<TrainingProgress>? Progress { get; }
    public Action<string> Say { get; }
    public CancellationToken CancellationToken { get; }

    /// <summary>Source artefacts use the first seed of the profile: the prior is shared by every downstream seed.</summary>
    public int SourceSeed => Profile.Seeds.Count > 0 ? Profile.Seeds[0] : 0;

    public string SourceCheckpoint()
    {
        var options = new PretrainOptions
        {
            Sgd = new SgdOptions { Epochs = Profile.PretrainEpochs, BatchSize = 128, LearningRate = 0.1, WeightDecay = 5e-4, Seed = SourceSeed },
        };
        return Cache.SourceCheckpoint(Task, options, Progress, CancellationToken);
    }

    /// <summary>The supervised prior of rank <paramref name="rank"/> (default: the profile's rank).</summary>
    /// <remarks>
    /// Lower ranks are cut from the profile's prior (<see cref="ArtefactCache.TruncatedPrior"/>), so they share its
    /// snapshots, mean and variance and only K differs, as in the paper's Fig. 2b; higher ranks run their own SWAG.
    /// </remarks>
    public string SupervisedPrior(int? rank = null)
    {
        int k = rank ?? Profile.PriorRank;
        string checkpoint = SourceCheckpoint();
        if (k >= Profile.PriorRank) return Cache.Prior(Task, checkpoint, PriorOptions(k), Progress, CancellationToken);
        string full = Cache.Prior(Task, checkpoint, PriorOptions(Profile.PriorRank), Progress, CancellationToken);
        return Cache.TruncatedPrior(Task, full, k);
    }

    /// <summary>
    /// The self-supervised prior (paper App. B.2): SimCLR on the source images without labels, then SWAG on the same
    /// NT-Xent loss from that model (projection head excluded from the prior); no source label is used.
    /// </summary>
    public string SimclrPrior()
    {
        var simclr = new SimclrOptions { Seed = SourceSeed };
        if (Profile.SimclrSteps is { } steps) simclr = simclr with { Steps = steps };
        var options = new SimclrPretrainOptions { Simclr = simclr, ProbeBaselines = false };
        string checkpoint = Cache.SimclrCheckpoint(Task, options, Progress, CancellationToken);
        return Cache.Prior(Task, checkpoint, PriorOptions(Profile.PriorRank) with { Loss = PriorLoss.SimClr }, Progress, CancellationToken);
    }

    private PriorLearningOptions PriorOptions(int rank) =>
        new() { Rank = rank, StepsPerSnapshot = Profile.StepsPerSnapshot, Seed = SourceSeed };

    /// <summary>A downstream setup with the source checkpoint and <paramref name="priorPath"/> (kept open for the invocation).</summary>
    public DownstreamSetup Setup(string priorPath)
    {
        if (!setups.TryGetValue(priorPath, out var setup))
        {
            setup = new DownstreamSetup(Task, SourceCheckpoint(), priorPath);
            setups[priorPath] = setup;
        }
        return setup;
    }

    /// <summary>The setup with the default supervised prior.</summary>
    public DownstreamSetup DefaultSetup() => Setup(SupervisedPrior());

    public void Dispose()
    {
        foreach (var setup in setups.Values) setup.Dispose();
        setups.Clear();
    }
}
