using System.Buffers.Binary;
using System.Text;
using PriorTransfer.Data;
using PriorTransfer.IO;
using PriorTransfer.Metrics;
using PriorTransfer.Models;
using PriorTransfer.Parameters;
using PriorTransfer.Priors;
using PriorTransfer.Sampling;
using PriorTransfer.Serialization;
using PriorTransfer.Swag;
using PriorTransfer.Tests.Data;
using PriorTransfer.Training;
using PriorTransfer.Tuning;
using PriorTransfer.Workflows;
using SkiaSharp;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PriorTransfer.Tests.Reliability;

/// <summary>
/// One bad input: what to do with it, the exact exception type it must raise, and fragments its message must contain
/// (what is wrong, where, how to fix). <see cref="Act"/> gets a <see cref="Workspace"/> with valid artefacts to damage.
/// </summary>
public sealed record BadInputCase(string Name, Type Exception, string[] Fragments, Action<Workspace> Act)
{
    public override string ToString() => Name;
}

/// <summary>
/// The bad-input table of issue 9, by kind. Items the older per-type suites already cover are not repeated here;
/// they are listed next to each group (see also docs/troubleshooting.md, which lists every message).
/// </summary>
public static class BadInputCases
{
    public static IReadOnlyList<BadInputCase> All { get; } =
        [.. PriorFiles(), .. Checkpoints(), .. Datasets(), .. Options(), .. Outputs(), .. Samplers()];

    public static IReadOnlyDictionary<string, BadInputCase> ByName { get; } = All.ToDictionary(c => c.Name, StringComparer.Ordinal);

    private static BadInputCase Case<TException>(string name, Action<Workspace> act, params string[] fragments) where TException : Exception =>
        new(name, typeof(TException), fragments, act);

    // ---- prior files ----
    // Already covered by Serialization/PriorFileTests.MalformedFilesRaiseSpecificErrors (one assertion each): empty file,
    // 5-byte file, header length 0 and 2^40, truncated header, truncated data, trailing bytes, header not UTF-8, not
    // JSON, unsupported/missing format version, no __metadata__, missing tensor, wrong dtype, wrong shapes, bad
    // data_offsets, unexpected tensor, bad layout/rank/loss/covariance/scale/created, NaN mean, Inf factor,
    // non-positive variance, missing file, folder; LoadRejectsAModelWithAnotherArchitecture (reshaped, TinyNet); and
    // RandomBytesAndMutationsNeverEscapeAsOtherExceptions (fuzz). Here: truncation of a real resnet8 prior at several
    // offsets, layouts that do not fit a resnet8 Classifier, and a checkpoint given as a prior.
    private static IEnumerable<BadInputCase> PriorFiles()
    {
        foreach (var (label, cut) in new (string, Func<byte[], int>)[]
        {
            ("3-bytes", _ => 3),
            ("at-header-end", b => 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(b)),
            ("half", b => b.Length / 2),
            ("last-byte", b => b.Length - 1),
        })
        {
            yield return Case<PriorFileException>($"prior/truncated-{label}", w =>
            {
                var bytes = File.ReadAllBytes(w.ValidPrior);
                PriorFile.Read(w.WriteBytes("cut.safetensors", bytes[..cut(bytes)])).Dispose();
            }, "cut.safetensors", "truncated");
        }

        yield return Case<PriorFileException>("prior/checkpoint-given-as-prior",
            w => PriorFile.Read(w.ValidCheckpoint).Dispose(), "resnet8.ckpt", "checkpoint", "not a prior file", "--checkpoint");

        yield return Case<PriorFileException>("prior/random-bytes", w =>
        {
            var bytes = new byte[1000];
            new Random(7).NextBytes(bytes);
            PriorFile.Read(w.WriteBytes("noise.safetensors", bytes)).Dispose();
        }, "noise.safetensors", "not a safetensors file");

        yield return Case<LayoutMismatchException>("prior/layout-missing-parameter", w =>
        {
            var entries = Workspace.Resnet8BackboneEntries();
            entries.Add(("backbone.extra.weight", [4, 4]));
            LoadIntoResnet8(w.WritePrior("missing.safetensors", entries));
        }, "missing.safetensors", "'backbone.extra.weight'", "not in the model", "rebuild the prior");

        yield return Case<LayoutMismatchException>("prior/layout-extra-parameter", w =>
        {
            var entries = Workspace.Resnet8BackboneEntries();
            entries.RemoveAt(entries.Count - 1);
            LoadIntoResnet8(w.WritePrior("extra.safetensors", entries));
        }, "extra.safetensors", "which the layout lacks", "rebuild the prior");

        yield return Case<LayoutMismatchException>("prior/layout-reshaped-parameter", w =>
        {
            var entries = Workspace.Resnet8BackboneEntries();
            int first = entries.FindIndex(e => e.Shape.Length == 4);
            entries[first] = (entries[first].Name, [entries[first].Shape[0], 3, entries[first].Shape[2], entries[first].Shape[3]]);
            LoadIntoResnet8(w.WritePrior("reshaped.safetensors", entries));
        }, "reshaped.safetensors", "shape [16, 1, 3, 3] in the model", "[16, 3, 3, 3] in the layout", "input channels");

        yield return Case<LayoutMismatchException>("prior/resnet20-prior-on-resnet8", w =>
        {
            using var resnet20 = ModelFactory.Create(Workspace.Resnet8 with { Architecture = "resnet20" }, seed: 1);
            using var gaussian = Workspace.SwagOf(resnet20, ParameterLayout.WithPrefixes(resnet20, Classifier.BackbonePrefix));
            string path = Path.Combine(w.NewFolder(), "resnet20.safetensors");
            PriorFile.Write(path, gaussian, Workspace.Source with { Architecture = "resnet20" });
            LoadIntoResnet8(path);
        }, "resnet20.safetensors", "architecture 'resnet20'", "not in the model");
    }

    private static void LoadIntoResnet8(string path)
    {
        using var model = ModelFactory.Create(Workspace.Resnet8, seed: 0);
        PriorFile.Load(path, model).Dispose();
    }

    // ---- checkpoints ----
    // Models/CheckpointTests covers truncation at 0, 5, 20, 200, 5000 bytes (path only) and a missing file.
    private static IEnumerable<BadInputCase> Checkpoints()
    {
        static void Load(string path) => Checkpoint.Load(path).Dispose();

        yield return Case<CheckpointException>("checkpoint/empty", w => Load(w.WriteBytes("empty.ckpt", [])),
            "empty.ckpt", "empty", "pretrain");
        foreach (var (label, cut, fragment) in new (string, Func<byte[], int>, string)[]
        {
            ("in-magic", _ => 4, "truncated"),
            ("in-header-length", _ => 10, "truncated inside its header"),
            ("in-header", _ => 40, "truncated inside its header"),
            ("at-weights-start", b => 12 + BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(8)), "truncated or corrupt"),
            ("half", b => b.Length / 2, "truncated or corrupt"),
            ("last-byte", b => b.Length - 1, "truncated or corrupt"),
        })
        {
            yield return Case<CheckpointException>($"checkpoint/truncated-{label}", w =>
            {
                var bytes = File.ReadAllBytes(w.ValidCheckpoint);
                Load(w.WriteBytes("cut.ckpt", bytes[..cut(bytes)]));
            }, "cut.ckpt", fragment, "pretrain");
        }
        yield return Case<CheckpointException>("checkpoint/wrong-magic",
            w => Load(w.WriteBytes("image.ckpt", [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 0, 0, 0, 13, 1, 2, 3])),
            "image.ckpt", "not a PriorTransfer checkpoint", "bad magic");
        yield return Case<CheckpointException>("checkpoint/prior-given-as-checkpoint", w => Load(w.ValidPrior),
            "resnet8.prior.safetensors", "prior file", "--prior");
        yield return Case<CheckpointException>("checkpoint/missing-file", w => Load(Path.Combine(w.Root, "nowhere.ckpt")),
            "nowhere.ckpt", "does not exist", "pretrain");
        yield return Case<CheckpointException>("checkpoint/folder", w => Load(w.NewFolder("a-folder")),
            "a-folder", "is a folder");
        yield return Case<CheckpointException>("checkpoint/header-length-negative", w =>
        {
            var bytes = File.ReadAllBytes(w.ValidCheckpoint);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), -5);
            Load(w.WriteBytes("length.ckpt", bytes));
        }, "length.ckpt", "header length -5", "corrupt");
        yield return Case<CheckpointException>("checkpoint/header-not-json", w =>
        {
            var bytes = File.ReadAllBytes(w.ValidCheckpoint);
            bytes[12] = (byte)'#';
            Load(w.WriteBytes("json.ckpt", bytes));
        }, "json.ckpt", "header is not valid");
        yield return Case<CheckpointException>("checkpoint/unknown-architecture", w =>
        {
            var bytes = File.ReadAllBytes(w.ValidCheckpoint);
            int length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
            string header = Encoding.UTF8.GetString(bytes, 12, length).Replace("\"resnet8\"", "\"resnet9\"", StringComparison.Ordinal);
            var json = Encoding.UTF8.GetBytes(header);
            var edited = new byte[12 + json.Length + bytes.Length - 12 - length];
            bytes.AsSpan(0, 8).CopyTo(edited);
            BinaryPrimitives.WriteInt32LittleEndian(edited.AsSpan(8), json.Length);
            json.CopyTo(edited, 12);
            bytes.AsSpan(12 + length).CopyTo(edited.AsSpan(12 + json.Length));
            Load(w.WriteBytes("arch.ckpt", edited));
        }, "arch.ckpt", "unknown architecture 'resnet9'", "resnet8");
        yield return Case<CheckpointException>("checkpoint/backbone-into-other-architecture", w =>
        {
            using var target = ModelFactory.Create(Workspace.Resnet8 with { Architecture = "resnet20" }, seed: 0);
            Checkpoint.LoadBackbone(target, w.ValidCheckpoint);
        }, "resnet8.ckpt", "resnet20", "architecture and input channels must match");
    }

    // ---- datasets, as a user meets them: through a task name ----
    // Data/IdxReaderTests, ImageFolderReaderTests, DigitJsonReaderTests and TaskCatalogTests cover the readers one by
    // one (wrong magic, truncation, corrupt gzip, extra bytes, count mismatch, labels out of range, malformed digit
    // JSON, missing datasets); here each problem goes through TaskCatalog.Create and the first use of the data.
    private static IEnumerable<BadInputCase> Datasets()
    {
        static void UseIdxTask(string folder)
        {
            using var task = TaskCatalog.Create(TaskCatalog.IdxPrefix + folder);
            _ = task.DownstreamPool;
            _ = task.DownstreamTest;
        }

        static void UseFolderTask(string root)
        {
            using var task = TaskCatalog.Create(TaskCatalog.FolderPrefix + root);
            _ = task.DownstreamPool;
        }

        static string IdxFolder(Workspace w, Action<string> damage)
        {
            string folder = w.NewFolder("idx");
            TestFiles.WriteIdxSplit(folder, "train", TestFiles.Labels(3, 4));
            TestFiles.WriteIdxSplit(folder, "t10k", TestFiles.Labels(3, 2));
            damage(folder);
            return folder;
        }

        static string Train(string folder, string kind) => Path.Combine(folder, $"train-{kind}.gz");

        yield return Case<DataFormatException>("dataset/idx-wrong-magic", w => UseIdxTask(IdxFolder(w, f =>
                File.WriteAllBytes(Train(f, "images-idx3-ubyte"), TestFiles.Gzip(TestFiles.Idx([12, 28, 28], TestFiles.Pixels(12, 28, 28), magic: 0x12345678))))),
            "train-images-idx3-ubyte.gz", "wrong magic number 0x12345678");
        yield return Case<DataFormatException>("dataset/idx-labels-given-as-images", w => UseIdxTask(IdxFolder(w, f =>
                File.Copy(Train(f, "labels-idx1-ubyte"), Train(f, "images-idx3-ubyte"), overwrite: true))),
            "train-images-idx3-ubyte.gz", "wrong magic number 0x00000801", "expected 0x00000803");
        yield return Case<DataFormatException>("dataset/idx-count-mismatch", w => UseIdxTask(IdxFolder(w, f =>
                File.WriteAllBytes(Train(f, "labels-idx1-ubyte"), TestFiles.Gzip(TestFiles.Idx([13], TestFiles.Labels(13, 1).Select(b => (byte)(b % 3)).ToArray()))))),
            "train-labels-idx1-ubyte.gz", "13 labels", "12 images", "do not belong together");
        yield return Case<DataFormatException>("dataset/idx-truncated-gzip", w => UseIdxTask(IdxFolder(w, f =>
            {
                var bytes = File.ReadAllBytes(Train(f, "images-idx3-ubyte"));
                File.WriteAllBytes(Train(f, "images-idx3-ubyte"), bytes[..(bytes.Length / 2)]);
            })),
            "train-images-idx3-ubyte.gz", "truncated", "gzip", "interrupted download");
        yield return Case<DataFormatException>("dataset/idx-test-labels-unknown-class", w => UseIdxTask(IdxFolder(w, f =>
                TestFiles.WriteIdxSplit(f, "t10k", TestFiles.Labels(4, 2)))),
            "t10k-labels-idx1-ubyte.gz", "label 3", "out of range for 3 classes");
        yield return Case<DataFormatException>("dataset/idx-no-test-split", w => UseIdxTask(IdxFolder(w, f =>
            {
                foreach (var file in Directory.GetFiles(f, "t10k-*")) File.Delete(file);
            })),
            "has no test split", "t10k-images-idx3-ubyte[.gz]");
        yield return Case<DatasetNotFoundException>("dataset/idx-folder-missing", w => UseIdxTask(Path.Combine(w.Root, "no-such-idx")),
            "no-such-idx", "was not found", "pass an existing folder");

        yield return Case<DataFormatException>("dataset/folder-empty", w => UseFolderTask(w.NewFolder("images")),
            "has no class folders", "root/<class>/*.png");
        yield return Case<DataFormatException>("dataset/folder-class-without-images", w =>
        {
            string root = w.NewFolder("images");
            Directory.CreateDirectory(Path.Combine(root, "cats"));
            Directory.CreateDirectory(Path.Combine(root, "dogs"));
            TestFiles.WriteImage(Path.Combine(root, "cats", "0.png"), 4, 4, (_, _) => TestFiles.Gray(9));
            File.WriteAllText(Path.Combine(root, "dogs", "notes.txt"), "no images here");
            UseFolderTask(root);
        }, "dogs", "has no images", "add images to it or remove the folder");
        yield return Case<DataFormatException>("dataset/folder-unreadable-image", w =>
        {
            string root = w.NewFolder("images");
            Directory.CreateDirectory(Path.Combine(root, "cats"));
            TestFiles.WriteImage(Path.Combine(root, "cats", "0.png"), 4, 4, (_, _) => TestFiles.Gray(9));
            File.WriteAllText(Path.Combine(root, "cats", "1.png"), "this is text, not a PNG");
            UseFolderTask(root);
        }, "1.png", "cannot decode image", "replace or remove the file");
        yield return Case<DataFormatException>("dataset/folder-truncated-image", w =>
        {
            string root = w.NewFolder("images");
            Directory.CreateDirectory(Path.Combine(root, "cats"));
            string image = Path.Combine(root, "cats", "0.jpg");
            TestFiles.WriteImage(image, 64, 64, (x, y) => TestFiles.Gray((byte)(x * y)), SKEncodedImageFormat.Jpeg);
            var bytes = File.ReadAllBytes(image);
            File.WriteAllBytes(image, bytes[..(bytes.Length / 3)]);
            UseFolderTask(root);
        }, "0.jpg", "cannot decode image", "replace or remove the file");
        yield return Case<DataFormatException>("dataset/folder-train-test-classes-differ", w =>
        {
            string root = w.NewFolder("images");
            foreach (var (part, cls) in new[] { ("train", "cats"), ("train", "dogs"), ("test", "cats"), ("test", "birds") })
            {
                Directory.CreateDirectory(Path.Combine(root, part, cls));
                TestFiles.WriteImage(Path.Combine(root, part, cls, "0.png"), 4, 4, (_, _) => TestFiles.Gray(9));
            }
            UseFolderTask(root);
        }, "test images have classes [birds, cats]", "[cats, dogs]", "same class folders");
        yield return Case<ArgumentException>("dataset/unknown-task-name", _ => TaskCatalog.Create("fashion-splot").Dispose(),
            "Unknown task 'fashion-splot'", "fashion-split", "idx:<folder>", "folder:<root>");
        yield return Case<DatasetNotFoundException>("dataset/fashion-mnist-not-installed",
            w => TaskCatalog.Create(TaskCatalog.FashionSplit, w.IsolatedLocator(Path.Combine(w.Root, "no-data"))).Dispose(),
            "Fashion-MNIST was not found", "no-data", "apt-get install dataset-fashion-mnist");
        yield return Case<DataFormatException>("dataset/fashion-mnist-truncated", w =>
        {
            var locator = w.FakeFashion();
            string images = Path.Combine(locator.LocateFashionMnist(), "train-images-idx3-ubyte.gz");
            var bytes = File.ReadAllBytes(images);
            File.WriteAllBytes(images, bytes[..(bytes.Length - 20)]);
            using var task = TaskCatalog.Create(TaskCatalog.FashionSplit, locator);
            _ = task.SourceTrain;
        }, "train-images-idx3-ubyte.gz", "truncated");
    }

    // ---- options ----
    // Data/SubsetsTests.NNotDivisibleOrTooLargeIsAClearError covers n on bare index functions; here n goes through
    // the downstream workflow (DownstreamRun) too, whose seed, budget and grid are checked before any data is loaded.
    private static IEnumerable<BadInputCase> Options()
    {
        foreach (var (label, options, fragment) in new (string, SgdOptions, string)[]
        {
            ("lr-zero", new SgdOptions { LearningRate = 0 }, "learning rate must be positive and finite; got 0"),
            ("lr-negative", new SgdOptions { LearningRate = -0.1 }, "got -0.1"),
            ("lr-nan", new SgdOptions { LearningRate = double.NaN }, "got NaN"),
            ("lr-infinite", new SgdOptions { LearningRate = double.PositiveInfinity }, "learning rate"),
            ("batch-zero", new SgdOptions { BatchSize = 0 }, "batch size must be at least 1; got 0"),
            ("seed-negative", new SgdOptions { Seed = -3 }, "seed must be ≥ 0; got -3"),
            ("epochs-zero", new SgdOptions { Epochs = 0 }, "epochs must be at least 1"),
            ("steps-zero", new SgdOptions { Steps = 0 }, "steps must be at least 1"),
            ("momentum-one", new SgdOptions { Momentum = 1 }, "momentum must be in [0, 1)"),
            ("weight-decay-nan", new SgdOptions { WeightDecay = double.NaN }, "weight decay"),
        })
        {
            yield return Case<ArgumentOutOfRangeException>($"options/sgd-{label}", _ => options.Validate(), fragment);
        }

        yield return Case<ArgumentOutOfRangeException>("options/sgd-trainer-validates", _ =>
        {
            using var data = new ImageSet(zeros(4, 1, 28, 28), zeros(4, ScalarType.Int64), ["a", "b"]);
            using var model = ModelFactory.Create(Workspace.Resnet8 with { Classes = 2 }, seed: 0);
            SgdTrainer.Train(model, data, new SgdOptions { Steps = 1, BatchSize = -1 });
        }, "batch size must be at least 1");

        yield return Case<ArgumentOutOfRangeException>("options/swag-rank-negative",
            _ => new SwagCollector(ParameterLayout.FromEntries([("w", [3L])]), rank: -1).Dispose(), "rank K", "≥ 0", "-1");
        yield return Case<ArgumentOutOfRangeException>("options/swag-variance-floor-zero",
            _ => new SwagCollector(ParameterLayout.FromEntries([("w", [3L])]), rank: 2, varianceFloor: 0).Dispose(), "variance floor");

        var priors = new (string, Func<IPrior>)[]
        {
            ("low-rank", () => new LowRankGaussian(zeros(4), ones(4), zeros(4, 2))),
            ("diagonal", () => new DiagonalGaussian(zeros(4), ones(4))),
            ("isotropic", () => new IsotropicGaussian(4, 1.0)),
            ("composite", () => new CompositePrior(ParameterLayout.FromEntries([("w", [4L])]), [(ParameterLayout.FromEntries([("w", [4L])]), new IsotropicGaussian(4, 1.0))])),
        };
        foreach (var (kind, make) in priors)
        {
            foreach (var (label, lambda) in new[] { ("zero", 0.0), ("negative", -1.0), ("nan", double.NaN), ("infinite", double.PositiveInfinity) })
            {
                yield return Case<ArgumentOutOfRangeException>($"options/rescale-{kind}-lambda-{label}", _ =>
                {
                    using var prior = make();
                    prior.Rescale(lambda).Dispose();
                }, "covariance scale λ must be a positive finite number", "tuning grids");
            }
        }
        yield return Case<ArgumentOutOfRangeException>("options/rescale-swag-gaussian-lambda-nan", _ =>
        {
            using var g = new SwagGaussian(ParameterLayout.FromEntries([("w", [4L])]), zeros(4), ones(4), zeros(4, 2), snapshotCount: 3);
            g.Rescale(double.NaN).Dispose();
        }, "covariance scale λ");

        yield return Case<ArgumentOutOfRangeException>("options/n-not-divisible-into-classes",
            w => Downstream(w, n: 12), "n = 12", "multiple of the 5 classes");
        yield return Case<ArgumentOutOfRangeException>("options/n-zero", w =>
        {
            using var task = TaskCatalog.Create(TaskCatalog.FashionSplit, w.FakeFashion());
            Subsets.Training(task, 0, 0).Dispose();
        }, "n = 0", "positive multiple");
        yield return Case<ArgumentOutOfRangeException>("options/n-larger-than-pool", _ =>
        {
            using var pool = SubsetsTests.SetWithCounts(120, 120);
            Subsets.TrainingIndices(pool, "pool", 1000, 0, validationSize: 40);
        }, "n = 1000", "largest possible n is 200");
        yield return Case<ArgumentException>("options/pool-smaller-than-validation-holdout",
            w => Downstream(w, n: 10), "too small for a 500-image validation holdout");
        yield return Case<ArgumentOutOfRangeException>("options/downstream-negative-seed",
            w => Downstream(w, n: 10, seed: -1), "seed must be ≥ 0; got -1");
        yield return Case<ArgumentOutOfRangeException>("options/downstream-lr-nan",
            w => Downstream(w, n: 10, hyper: new DownstreamHyperparameters(double.NaN)), "learning rate must be positive and finite; got NaN");
        yield return Case<ArgumentOutOfRangeException>("options/downstream-lambda-zero",
            w => Downstream(w, n: 10, hyper: new DownstreamHyperparameters(0.01, Lambda: 0)), "prior scale λ must be a positive finite number; got 0");
        yield return Case<ArgumentOutOfRangeException>("options/downstream-lambda-nan",
            w => Downstream(w, n: 10, hyper: new DownstreamHyperparameters(0.01, Lambda: double.NaN)), "prior scale λ", "got NaN");
        yield return Case<ArgumentOutOfRangeException>("options/downstream-temperature-negative",
            w => Downstream(w, n: 10, hyper: new DownstreamHyperparameters(0.01, Lambda: 1e6, Temperature: -1)), "temperature T must be finite and ≥ 0");
        yield return Case<ArgumentOutOfRangeException>("options/downstream-batch-zero",
            w => Downstream(w, n: 10, budget: new DownstreamBudget { BatchSize = 0 }), "batch size must be at least 1; got 0");
        yield return Case<ArgumentException>("options/unknown-method", _ => DownstreamMethods.Get("bayes-everything"),
            "unknown method 'bayes-everything'", "map-learned", "finetune");
        yield return Case<ArgumentOutOfRangeException>("options/learn-prior-rank-zero",
            _ => new PriorLearningOptions { Rank = 0 }.Validate(), "rank K must be at least 1; got 0");
        yield return Case<ArgumentOutOfRangeException>("options/learn-prior-lr-negative",
            _ => new PriorLearningOptions { LearningRate = -1 }.Validate(), "learning rate must be positive and finite; got -1");
        yield return Case<ArgumentOutOfRangeException>("options/learn-prior-negative-seed",
            _ => new PriorLearningOptions { Seed = -2 }.Validate(), "seed must be ≥ 0; got -2");
        yield return Case<CheckpointException>("options/learned-prior-method-given-a-prior-as-checkpoint", w =>
        {
            using var task = TaskCatalog.Create(TaskCatalog.FashionSplit, w.FakeFashion());
            new DownstreamSetup(task, w.ValidPrior, priorPath: null).Dispose();
        }, "resnet8.prior.safetensors", "not a checkpoint");
        yield return Case<ArgumentException>("options/unknown-architecture",
            _ => ModelFactory.Create(Workspace.Resnet8 with { Architecture = "resnet9" }, 0).Dispose(), "unknown architecture 'resnet9'", "resnet8, resnet20");
        yield return Case<ArgumentException>("options/resnet18-on-grayscale",
            _ => ModelFactory.Create(Workspace.Resnet8 with { Architecture = "resnet18" }, 0).Dispose(), "expects 3-channel images", "resnet8 or resnet20");
        yield return Case<ArgumentException>("options/empty-tuning-grid",
            _ => GridSearch.Run(Array.Empty<double>(), _ => new NoFit(), _ => new MetricSummary(1, 1, 0, 0, 0)), "tuning grid is empty");
        yield return Case<TrainingDivergedException>("options/every-grid-point-diverged",
            _ => GridSearch.Run(new[] { 1.0, 10.0 }, NoFit (_) => throw new TrainingDivergedException("map", 3, double.NaN), _ => new MetricSummary(1, 1, 0, 0, 0)),
            "every one of the 2 tuning grid points diverged", "larger prior scale λ");
    }

    private sealed class NoFit : IDisposable
    {
        public void Dispose()
        {
        }
    }

    /// <summary>One downstream run (fine-tuning from scratch unless told) on a small fake Fashion-MNIST.</summary>
    private static void Downstream(Workspace w, int n, int seed = 0, DownstreamHyperparameters? hyper = null, DownstreamBudget? budget = null)
    {
        using var task = TaskCatalog.Create(TaskCatalog.FashionSplit, w.FakeFashion());
        using var setup = new DownstreamSetup(task, pretrainedCheckpoint: null, priorPath: null);
        DownstreamRun.Run(setup, DownstreamMethods.FromScratch, n, seed, budget ?? new DownstreamBudget { Steps = 2 },
            [hyper ?? new DownstreamHyperparameters(0.01)]);
    }

    // ---- output paths (tests run as root, so permissions cannot be relied on: a path under a regular file) ----
    private static IEnumerable<BadInputCase> Outputs()
    {
        static string Under(Workspace w, string name) => Path.Combine(w.RegularFile, "sub", name);

        yield return Case<OutputPathException>("output/checkpoint-under-a-file", w =>
        {
            using var model = ModelFactory.Create(Workspace.Resnet8, seed: 0);
            Checkpoint.Save(model, Under(w, "m.ckpt"));
        }, "m.ckpt", "regular-file.txt' is a file, not a folder", "choose another output path");
        yield return Case<OutputPathException>("output/prior-under-a-file", w =>
        {
            using var g = new SwagGaussian(ParameterLayout.FromEntries([("w", [4L])]), zeros(4), ones(4), zeros(4, 2), snapshotCount: 3);
            PriorFile.Write(Under(w, "p.safetensors"), g, Workspace.Source);
        }, "p.safetensors", "is a file, not a folder");
        yield return Case<OutputPathException>("output/text-under-a-file", w => AtomicFile.WriteAllText(Under(w, "r.json"), "{}"),
            "r.json", "is a file, not a folder");
        yield return Case<OutputPathException>("output/path-is-a-folder", w => AtomicFile.WriteAllText(w.NewFolder("out"), "{}"),
            "is a folder", "give a file path inside it");
        yield return Case<OutputPathException>("output/pretrain-fails-before-training", w =>
        {
            using var task = TaskCatalog.Create(TaskCatalog.FashionSplit, w.FakeFashion());
            SourcePretraining.Run(task, new PretrainOptions { Sgd = new SgdOptions { Steps = 100_000, BatchSize = 4 } }, Under(w, "source.ckpt"));
        }, "source.ckpt", "is a file, not a folder");
    }

    // ---- sampler options ----
    private static IEnumerable<BadInputCase> Samplers()
    {
        static Parameter P() => new(zeros(3));

        yield return Case<ArgumentOutOfRangeException>("sampler/lr-negative", _ => new Sgld([P()], -1, 10).Dispose(), "learning rate", "≥ 0");
        yield return Case<ArgumentOutOfRangeException>("sampler/temperature-nan", _ => new Sgld([P()], 0.1, 10, temperature: double.NaN).Dispose(), "temperature T");
        yield return Case<ArgumentOutOfRangeException>("sampler/dataset-size-zero", _ => new Sgld([P()], 0.1, 0).Dispose(), "dataset size N must be positive");
        yield return Case<ArgumentOutOfRangeException>("sampler/sghmc-momentum-one", _ => new Sghmc([P()], 0.1, 10, momentum: 1).Dispose(), "momentum must be in [0, 1)");
        yield return Case<ArgumentOutOfRangeException>("sampler/clip-norm-zero", _ =>
        {
            using var s = new Sgld([P()], 0.1, 10);
            s.GradientClipNorm = 0;
        }, "gradient clip norm must be a positive finite number");
        yield return Case<ArgumentOutOfRangeException>("sampler/health-interval-negative", _ =>
        {
            using var s = new Sghmc([P()], 0.1, 10);
            s.HealthCheckInterval = -1;
        }, "health-check interval must be ≥ 0");
        yield return Case<ArgumentOutOfRangeException>("sampler/divergence-limit-zero", _ =>
        {
            using var s = new Sgld([P()], 0.1, 10);
            s.DivergenceGradientNorm = 0;
        }, "divergence limit", "must be positive");
    }
}
