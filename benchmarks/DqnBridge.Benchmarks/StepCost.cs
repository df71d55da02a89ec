using System.Diagnostics;

namespace DqnBridge.Benchmarks;

/// <summary>Process CPU time and wall time per step, in the unit its maker chose (ms or us).</summary>
public readonly record struct StepCost(double Cpu, double Wall)
{
    /// <summary>Runs <paramref name="block"/> (<paramref name="steps"/> steps) once; its cost per step in 1/<paramref name="unitsPerSecond"/> s.</summary>
    public static StepCost Measure(int steps, double unitsPerSecond, Action block)
    {
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        block();
        double wallSeconds = wall.Elapsed.TotalSeconds;
        process.Refresh();
        double cpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
        return new StepCost(cpuSeconds / steps * unitsPerSecond, wallSeconds / steps * unitsPerSecond);
    }

    /// <summary>
    /// Block i of every contender in turn, for i below <paramref name="blocks"/>, so that all share the ups and downs of
    /// a busy machine; the median block of each contender.
    /// </summary>
    public static StepCost[] MedianBlocks(IReadOnlyList<Func<int, StepCost>> contenders, int blocks)
    {
        var results = contenders.Select(_ => new List<StepCost>()).ToArray();
        for (int block = 0; block < blocks; block++)
        {
            for (int i = 0; i < contenders.Count; i++)
            {
                results[i].Add(contenders[i](block));
            }
        }
        return results.Select(list => new StepCost(
            list.Select(c => c.Cpu).Order().ElementAt(list.Count / 2),
            list.Select(c => c.Wall).Order().ElementAt(list.Count / 2))).ToArray();
    }
}
