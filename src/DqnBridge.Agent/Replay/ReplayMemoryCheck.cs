using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Training;
using DqnBridge.Envs;

namespace DqnBridge.Agent.Replay;

/// <summary>Thrown when a replay buffer would not fit in the memory available; the message has both figures and the way round it.</summary>
public sealed class ReplayMemoryException(string message) : Exception(message);

/// <summary>
/// Before allocating a replay buffer: the bytes it will take, against the memory the machine has available now
/// (MemAvailable in /proc/meminfo on Linux, the GC's view elsewhere). A 1M-transition Atari buffer that does not fit
/// should stop at once with a clear message, not half an hour later in the out-of-memory killer.
/// </summary>
public static class ReplayMemoryCheck
{
    /// <summary>Bytes the buffer <see cref="ReplayBuffers.Create"/> makes for this config and space will hold.</summary>
    public static long RequiredBytes(DqnConfig config, BoxSpace observationSpace)
    {
        long capacity = config.BufferSize;
        const long perTransition = sizeof(int) + sizeof(float) + sizeof(bool); // action, reward, flags
        long bytes;
        if (ReplayBuffers.StoresFrames(config, observationSpace))
        {
            capacity = capacity / config.NumEnvs * config.NumEnvs; // whole segments, one per environment
            long frameBytes = (long)observationSpace.Shape[1] * observationSpace.Shape[2];
            bytes = capacity * (frameBytes + perTransition);
        }
        else
        {
            int observationBytes = observationSpace.ElementCount * NetworkInput.TypeOf(observationSpace).Size();
            bytes = capacity * (2L * observationBytes + perTransition + sizeof(byte)); // + the steps of each return
            bytes += config.NStep > 1 ? NStepQueues.BytesFor(config.NumEnvs, config.NStep, observationBytes) : 0;
        }
        return bytes + (config.PrioritizedReplay ? PrioritizedReplay.SumTreeBytes((int)capacity) : 0);
    }

    /// <summary>Memory available for new allocations now, in bytes (null when unknown).</summary>
    public static long? AvailableBytes()
    {
        if (OperatingSystem.IsLinux() && File.Exists("/proc/meminfo"))
        {
            foreach (string line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                {
                    var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length >= 2 && long.TryParse(fields[1], out long kib))
                    {
                        return kib * 1024;
                    }
                }
            }
        }
        var gc = GC.GetGCMemoryInfo();
        long available = gc.TotalAvailableMemoryBytes - gc.MemoryLoadBytes;
        return available > 0 ? available : null;
    }

    /// <summary>Throws <see cref="ReplayMemoryException"/> when the buffer needs more than <paramref name="availableBytes"/>, unless allow_large_replay is set.</summary>
    public static void EnsureFits(DqnConfig config, BoxSpace observationSpace, long? availableBytes)
    {
        long required = RequiredBytes(config, observationSpace);
        if (config.AllowLargeReplay || availableBytes is not { } available || required <= available)
        {
            return;
        }
        throw new ReplayMemoryException(
            $"The replay buffer (buffer_size {config.BufferSize:N0} transitions of {string.Join("x", observationSpace.Shape)} {observationSpace.Dtype}) " +
            $"needs {Format(required)}, but this machine has {Format(available)} available. " +
            "Lower buffer_size, free memory, or set allow_large_replay=true to allocate it anyway.");
    }

    private static string Format(long bytes) =>
        bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):F2} GiB ({bytes:N0} bytes)" : $"{bytes / (double)(1L << 20):F1} MiB ({bytes:N0} bytes)";
}
