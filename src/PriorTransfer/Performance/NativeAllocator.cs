using System.Runtime.InteropServices;

namespace PriorTransfer.Performance;

/// <summary>
/// The C allocator's policy for the large, short-lived buffers libtorch allocates every step (activations and
/// gradients of a few MB, prior vectors of a few hundred KB), on Linux with glibc.
/// <para>
/// By default glibc serves blocks above its mmap threshold (128 KB, raised dynamically up to 32 MB) with fresh
/// <c>mmap</c>s and returns the top of the heap to the kernel once more than its trim threshold is free. Every step
/// then touches new pages, and each first touch is a page fault. On virtual machines whose freed pages go back to the
/// host (free-page reporting, ballooning) such a fault costs tens of microseconds: measured here, a training step of
/// resnet8 at batch 64 spent 166 ms of CPU with the default policy and 55 ms with <see cref="RetainFreedMemory"/>, and
/// PyTorch in Python behaves the same way (a 3.2 MB output reorder took 20 ms instead of 0.3 ms). A whole
/// <c>finetune --method bayes-learned</c> run (fashion-split, n = 100, 2 threads, identical results) took 79–191 s of
/// wall time and 38–46 s of kernel time with the defaults, 27–30 s and 1.9 s with this policy. The CLI therefore
/// applies it to every command.
/// </para>
/// <para>
/// <see cref="RetainFreedMemory"/> raises the mmap threshold to glibc's maximum and the trim threshold to 2 GB, so
/// freed blocks below 32 MB stay in the process and are reused with their pages already mapped. The cost: the
/// process's resident memory does not shrink after a peak (up to 2 GB of free heap is kept). The same policy can be
/// given to another process with <see cref="EnvironmentVariables"/> (glibc reads them at start-up).
/// </para>
/// </summary>
public static class NativeAllocator
{
    /// <summary>glibc's largest mmap threshold on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX).</summary>
    public const int MmapThresholdBytes = 32 * 1024 * 1024;

    /// <summary>Free heap kept before any is returned to the kernel.</summary>
    public const int TrimThresholdBytes = int.MaxValue;

    /// <summary>glibc's fixed defaults, for an A/B comparison (the real default also raises the mmap threshold dynamically).</summary>
    public const int DefaultThresholdBytes = 128 * 1024;

    private const int MTrimThreshold = -1;
    private const int MMmapThreshold = -3;

    /// <summary>Whether <see cref="RetainFreedMemory"/> succeeded in this process.</summary>
    public static bool IsRetaining { get; private set; }

    /// <summary>A one-line description of the current policy, for reports.</summary>
    public static string Policy => IsRetaining
        ? $"glibc malloc retaining freed memory (mmap threshold {MmapThresholdBytes >> 20} MB, trim threshold {TrimThresholdBytes / (1 << 20)} MB)"
        : "C allocator defaults";

    /// <summary>
    /// Keeps freed native memory in the process (see the class remarks). Idempotent; returns false (and changes nothing)
    /// where the C library is not glibc or refuses.
    /// </summary>
    public static bool RetainFreedMemory()
    {
        if (IsRetaining) return true;
        IsRetaining = SetThresholds(MmapThresholdBytes, TrimThresholdBytes);
        return IsRetaining;
    }

    /// <summary>Back to glibc's fixed default thresholds (for comparisons); returns false where that is not possible.</summary>
    public static bool RestoreDefaults()
    {
        bool ok = SetThresholds(DefaultThresholdBytes, DefaultThresholdBytes);
        if (ok) IsRetaining = false;
        return ok;
    }

    /// <summary>Returns the free memory at the top of the heap to the kernel (glibc <c>malloc_trim(0)</c>); false where unavailable.</summary>
    public static bool ReleaseFreeMemory()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            malloc_trim(0);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The environment variables that give a child process the retaining policy (glibc's MALLOC_*_ tunables).</summary>
    public static IReadOnlyDictionary<string, string> EnvironmentVariables { get; } = new Dictionary<string, string>
    {
        ["MALLOC_MMAP_THRESHOLD_"] = MmapThresholdBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["MALLOC_TRIM_THRESHOLD_"] = TrimThresholdBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static bool SetThresholds(int mmapThreshold, int trimThreshold)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return mallopt(MMmapThreshold, mmapThreshold) == 1 && mallopt(MTrimThreshold, trimThreshold) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);
}
