namespace PriorTransfer.Data;

/// <summary>Fashion-MNIST's ten classes, in label order (Xiao, Rasul and Vollgraf, 2017).</summary>
public static class FashionMnist
{
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The names of <paramref name="classes"/> (labels 0..9), in the given order.</summary>
    public static IReadOnlyList<string> NamesOf(IEnumerable<int> classes) => classes.Select(c => ClassNames[c]).ToArray();
}
