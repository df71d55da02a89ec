using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;

namespace DqnBridge.Agent.Torch;

/// <summary>
/// How many cores this process may run on at once: the CPUs of its scheduler affinity mask (taskset, cpuset,
/// Slurm's --cpus-per-task) and its cgroup CPU quota (Docker's --cpus, Kubernetes' CPU limit), rounded up.
/// </summary>
/// <param name="AffinityCpus">CPUs in the affinity mask; null when the OS does not say.</param>
/// <param name="QuotaCpus">The cgroup quota in CPUs (quota / period, the smallest on the cgroup's path); null without one.</param>
/// <param name="MachineCpus">What the runtime reports (<see cref="Environment.ProcessorCount"/>), the fallback.</param>
public sealed record UsableCores(int? AffinityCpus, double? QuotaCpus, int MachineCpus)
{
    /// <summary>min(affinity CPUs, ceil(quota)), at least 1.</summary>
    public int Count
    {
        get
        {
            int count = AffinityCpus ?? MachineCpus;
            if (QuotaCpus is double quota)
            {
                count = Math.Min(count, (int)Math.Ceiling(quota));
            }
            return Math.Max(1, count);
        }
    }

    /// <summary>What the count was taken from, for the line printed at start.</summary>
    public string Explanation =>
        $"{(AffinityCpus is int affinity ? $"{affinity} CPUs in the affinity mask" : $"{MachineCpus} CPUs")}"
        + (QuotaCpus is double quota ? string.Create(CultureInfo.InvariantCulture, $", cgroup quota {quota:0.##} CPUs") : ", no cgroup CPU quota");

    /// <summary>The cores of the running process.</summary>
    public static UsableCores OfThisProcess() => new(AffinityCount(), CgroupQuota(), Environment.ProcessorCount);

    /// <summary>
    /// The CPU quota of the process's cgroup (<paramref name="v2Path"/>, <paramref name="v1Path"/>, as /proc/self/cgroup
    /// names them) and its ancestors, in CPUs: cgroup v2's cpu.max ("max 100000" or "QUOTA PERIOD") under
    /// <paramref name="v2Root"/>, or v1's cpu.cfs_quota_us / cpu.cfs_period_us under <paramref name="v1Root"/>. The smallest along the path wins, as the kernel enforces every level.
    /// </summary>
    public static double? ReadQuota(string? v2Root, string? v1Root, string? v2Path, string? v1Path)
    {
        double? smallest = null;
        void Consider(double? quota)
        {
            if (quota is double q && q > 0 && (smallest is null || q < smallest))
            {
                smallest = q;
            }
        }
        foreach (string directory in PathAndAncestors(v2Root, v2Path))
        {
            Consider(ParseCpuMax(ReadOrNull(Path.Combine(directory, "cpu.max"))));
        }
        foreach (string directory in PathAndAncestors(v1Root, v1Path))
        {
            Consider(ParseV1Quota(ReadOrNull(Path.Combine(directory, "cpu.cfs_quota_us")), ReadOrNull(Path.Combine(directory, "cpu.cfs_period_us"))));
        }
        return smallest;
    }

    /// <summary>cgroup v2's cpu.max: "max PERIOD" (no quota) or "QUOTA PERIOD" in microseconds.</summary>
    public static double? ParseCpuMax(string? text)
    {
        string[] parts = (text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length == 2 && long.TryParse(parts[0], CultureInfo.InvariantCulture, out long quota)
            && long.TryParse(parts[1], CultureInfo.InvariantCulture, out long period) && quota > 0 && period > 0
            ? (double)quota / period
            : null;
    }

    /// <summary>cgroup v1's cpu.cfs_quota_us (-1: no quota) over cpu.cfs_period_us.</summary>
    public static double? ParseV1Quota(string? quotaText, string? periodText) =>
        long.TryParse(quotaText?.Trim(), CultureInfo.InvariantCulture, out long quota)
        && long.TryParse(periodText?.Trim(), CultureInfo.InvariantCulture, out long period) && quota > 0 && period > 0
            ? (double)quota / period
            : null;

    /// <summary>The cgroup paths of /proc/self/cgroup: v2's ("0::/PATH") and v1's cpu controller's ("N:cpu,cpuacct:/PATH").</summary>
    public static (string? V2Path, string? V1CpuPath) ParseProcCgroup(string text)
    {
        string? v2 = null;
        string? v1 = null;
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] fields = line.Split(':', 3);
            if (fields.Length != 3)
            {
                continue;
            }
            if (fields[0] == "0" && fields[1].Length == 0)
            {
                v2 = fields[2].Trim();
            }
            else if (fields[1].Split(',').Contains("cpu"))
            {
                v1 = fields[2].Trim();
            }
        }
        return (v2, v1);
    }

    private static double? CgroupQuota()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        var (v2Path, v1Path) = ParseProcCgroup(ReadOrNull("/proc/self/cgroup") ?? "");
        // v1 mounts the cpu controller as cpu, or cpu,cpuacct with cpu a link to it.
        string? v1Root = new[] { "/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct" }.FirstOrDefault(Directory.Exists);
        string? v2Root = File.Exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : null;
        return ReadQuota(v2Root, v1Root, v2Path, v1Path);
    }

    private static IEnumerable<string> PathAndAncestors(string? root, string? cgroupPath)
    {
        if (root is null || cgroupPath is null)
        {
            yield break;
        }
        string relative = cgroupPath.Trim('/');
        while (true)
        {
            yield return relative.Length == 0 ? root : Path.Combine(root, relative);
            if (relative.Length == 0)
            {
                yield break;
            }
            int slash = relative.LastIndexOf('/');
            relative = slash < 0 ? "" : relative[..slash];
        }
    }

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static unsafe int? AffinityCount()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        // A cpu_set_t of 1024 CPUs, glibc's size.
        var mask = stackalloc ulong[16];
        if (SchedGetAffinity(0, 16 * sizeof(ulong), mask) != 0)
        {
            return null;
        }
        int count = 0;
        for (int i = 0; i < 16; i++)
        {
            count += BitOperations.PopCount(mask[i]);
        }
        return count > 0 ? count : null;
    }

    [DllImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static extern unsafe int SchedGetAffinity(int pid, nint size, ulong* mask);
}
