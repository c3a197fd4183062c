using PriorTransfer.Data;
using TorchSharp;

namespace PriorTransfer.Tests.Data;

public class SubsetsTests
{
    /// <summary>A set whose images are 1×1 and whose labels are class c repeated counts[c] times, classes interleaved.</summary>
    internal static ImageSet SetWithCounts(params int[] counts)
    {
        var labels = new List<long>();
        var left = (int[])counts.Clone();
        while (left.Any(l => l > 0))
            for (int c = 0; c < left.Length; c++)
                if (left[c]-- > 0) labels.Add(c);
        using var scope = torch.NewDisposeScope();
        return new ImageSet(torch.zeros(labels.Count, 1, 1, 1), torch.tensor(labels.ToArray()),
            Enumerable.Range(0, counts.Length).Select(c => $"c{c}").ToArray());
    }

    private static long[] CountPerClass(ImageSet set, long[] indices)
    {
        var labels = set.Labels.data<long>().ToArray();
        var counts = new long[set.ClassCount];
        foreach (var i in indices) counts[labels[i]]++;
        return counts;
    }

    [Theory]
    [InlineData(5, 100)]
    [InlineData(10, 50)]
    public void ValidationIsBalancedAndDeterministic(int classes, int perClass)
    {
        using var pool = SetWithCounts(Enumerable.Repeat(300, classes).ToArray());
        var a = Subsets.ValidationIndices(pool, "task-a");
        var b = Subsets.ValidationIndices(pool, "task-a");
        Assert.Equal(a, b);
        Assert.Equal(500, a.Length);
        Assert.Equal(500, a.Distinct().Count());
        Assert.All(CountPerClass(pool, a), c => Assert.Equal(perClass, c));
        Assert.Equal(a.Order(), a);
        Assert.NotEqual(a, Subsets.ValidationIndices(pool, "task-b"));
    }

    [Fact]
    public void ValidationSpreadsRemaindersAndRespectsSmallClasses()
    {
        using var three = SetWithCounts(400, 400, 400);
        Assert.Equal([167L, 167, 166], CountPerClass(three, Subsets.ValidationIndices(three, "t")));

        // The small class gives all but one image; the others share what it cannot.
        using var skewed = SetWithCounts(1000, 1000, 30);
        Assert.Equal([236L, 235, 29], CountPerClass(skewed, Subsets.ValidationIndices(skewed, "t")));

        using var tiny = SetWithCounts(100, 100);
        var e = Assert.Throws<ArgumentException>(() => Subsets.ValidationIndices(tiny, "tiny"));
        Assert.Contains("too small", e.Message);
    }

    [Fact]
    public void TrainingIsBalancedDeterministicAndDisjointFromValidation()
    {
        using var pool = SetWithCounts(400, 400, 400, 400, 400);
        var validation = Subsets.ValidationIndices(pool, "k").ToHashSet();
        foreach (int n in new[] { 5, 50, 1000 })
        {
            var first = Subsets.TrainingIndices(pool, "k", n, seed: 0);
            Assert.Equal(first, Subsets.TrainingIndices(pool, "k", n, seed: 0));
            Assert.Equal(n, first.Distinct().Count());
            Assert.All(CountPerClass(pool, first), c => Assert.Equal(n / 5, c));
            Assert.DoesNotContain(first, validation.Contains);
            Assert.NotEqual(first, Subsets.TrainingIndices(pool, "k", n, seed: 1));
        }
        // The largest n uses every non-validation image.
        var all = Subsets.TrainingIndices(pool, "k", 1500, seed: 3);
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => (long)i).Where(i => !validation.Contains(i)), all);
    }

    [Fact]
    public void TrainingOnATaskMatchesTheIndexFunctions()
    {
        using var task = new TransferTask("synthetic", "test", null,
            new TaskPart(["c0", "c1"], () => (SetWithCounts(300, 300), SetWithCounts(5, 5))), horizontalFlip: false);
        using var train = Subsets.Training(task, 10, 4);
        using var validation = Subsets.Validation(task);
        Assert.Equal([5L, 5], train.ClassCounts());
        Assert.Equal([250L, 250], validation.ClassCounts());
    }

    [Fact]
    public void NNotDivisibleOrTooLargeIsAClearError()
    {
        using var pool = SetWithCounts(200, 200, 200, 200, 200);
        var notDivisible = Assert.Throws<ArgumentOutOfRangeException>(() => Subsets.TrainingIndices(pool, "k", 12, 0));
        Assert.Contains("multiple of the 5 classes", notDivisible.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Subsets.TrainingIndices(pool, "k", 0, 0));

        var tooLarge = Assert.Throws<ArgumentOutOfRangeException>(() => Subsets.TrainingIndices(pool, "k", 505, 0));
        Assert.Contains("largest possible n is 500", tooLarge.Message);
        Assert.Equal(500, Subsets.TrainingIndices(pool, "k", 500, 0).Length);
    }

    [Fact]
    public void StratifiedSplitIsExactProportionalAndDisjoint()
    {
        using var set = SetWithCounts(863, 1127, 1032, 1010, 982, 892, 958, 1028, 974, 1134);
        var (train, test) = Subsets.StratifiedSplit(set, 2000, "digits");
        Assert.Equal(2000, test.Length);
        Assert.Equal(8000, train.Length);
        Assert.Empty(train.Intersect(test));
        var testCounts = CountPerClass(set, test);
        var total = set.ClassCounts();
        for (int c = 0; c < 10; c++) Assert.InRange(testCounts[c], total[c] / 5 - 1, total[c] / 5 + 1);
        Assert.Equal(test, Subsets.StratifiedSplit(set, 2000, "digits").Test);
    }
}
