using System.Text;

namespace PriorTransfer.Data;

/// <summary>
/// A small deterministic random number generator (SplitMix64) seeded from a stable hash of a string key.
/// Subsets and splits must be the same on every machine, process and .NET version, which neither
/// <see cref="string.GetHashCode()"/> (randomised per process) nor <see cref="Random"/> (algorithm not
/// guaranteed across versions) promise; torch's generator would work but would tie index bookkeeping to native state.
/// </summary>
internal sealed class StableRandom
{
    private ulong _state;

    public StableRandom(ulong seed) => _state = seed;

    /// <summary>A generator seeded by the 64-bit FNV-1a hash of the UTF-8 bytes of <paramref name="key"/>.</summary>
    public static StableRandom FromKey(string key) => new(StableHash(key));

    /// <summary>64-bit FNV-1a over UTF-8: stable across processes and platforms.</summary>
    public static ulong StableHash(string key)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(key))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return hash;
    }

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform integer in [0, <paramref name="bound"/>), without modulo bias (rejection sampling).</summary>
    public long NextInt64(long bound)
    {
        if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound), bound, "bound must be positive.");
        ulong b = (ulong)bound;
        ulong limit = ulong.MaxValue - ulong.MaxValue % b;
        ulong r;
        do r = NextUInt64(); while (r >= limit);
        return (long)(r % b);
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(T[] items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = (int)NextInt64(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
