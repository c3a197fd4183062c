namespace PriorTransfer.Performance;

/// <summary>
/// Resident memory of this process from <c>/proc/self/status</c> (Linux): VmRSS (now) and VmHWM (peak), in bytes.
/// Native (libtorch) allocations show up here and not in the managed heap. Writing "5" to <c>/proc/self/clear_refs</c>
/// resets the peak, so a peak can be attributed to one piece of work.
/// </summary>
public static class ProcessMemory
{
    public static bool IsAvailable => File.Exists("/proc/self/status");

    /// <summary>(VmRSS, VmHWM) in bytes.</summary>
    public static (long Resident, long Peak) Read()
    {
        long rss = -1, hwm = -1;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = ParseKilobytes(line);
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = ParseKilobytes(line);
        }
        return (rss, hwm);
    }

    /// <summary>Resets VmHWM to the current VmRSS; false when the kernel does not allow it.</summary>
    public static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long ParseKilobytes(string line)
    {
        var parts = line.Split(' ', '\t', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
