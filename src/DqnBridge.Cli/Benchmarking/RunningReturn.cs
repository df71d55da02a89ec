using DqnBridge.Cli.Output;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>
/// A seed's running last-100 mean return: after each episode from the 100th on, the mean return of the 100 episodes
/// that have ended by then (that one included), at the global step the episode ended. It is undefined before 100
/// episodes have ended, so a lucky first few episodes count for nothing; after the last episode it is the run's final
/// return (the figure of result.csv, computed the same way, so a seed always reaches its own final return).
/// </summary>
public static class RunningReturn
{
    public const int Window = Benchmark.LastEpisodes;

    /// <summary>The running last-100 mean after each episode, NaN for the first 99.</summary>
    public static double[] Means(IReadOnlyList<double> returns)
    {
        var means = new double[returns.Count];
        for (var i = 0; i < returns.Count; i++)
        {
            // Summed afresh in episode order, as the final figure's Average() does, so the last value equals it exactly.
            means[i] = i + 1 < Window ? double.NaN : returns.Skip(i + 1 - Window).Take(Window).Average();
        }
        return means;
    }

    /// <summary>
    /// The global step at which the running last-100 mean is first at least <paramref name="threshold"/>, or null
    /// when it never is (also when fewer than 100 episodes ended).
    /// </summary>
    public static long? FirstStepReaching(IReadOnlyList<(long Step, double Return)> episodes, double threshold)
    {
        var means = Means([.. episodes.Select(e => e.Return)]);
        for (var i = Window - 1; i < episodes.Count; i++)
        {
            if (means[i] >= threshold)
            {
                return episodes[i].Step;
            }
        }
        return null;
    }
}
