namespace DqnBridge.Cli.Commands;

/// <summary>
/// Test-only: DQNBRIDGE_TEST_HOLD_AT=POINT makes the process print "test hook: holding at POINT" and block at that
/// point, so a test can signal or kill it there deterministically instead of guessing a time. Not for users.
/// </summary>
public static class TestHooks
{
    public const string Variable = "DQNBRIDGE_TEST_HOLD_AT";

    /// <summary>`train --overwrite` has moved the old run aside and made the new folder (with its config.yaml).</summary>
    public const string OverwriteSwapped = "overwrite-swapped";

    public static void HoldAt(string point, TextWriter output)
    {
        if (Environment.GetEnvironmentVariable(Variable) != point)
        {
            return;
        }

        output.WriteLine($"test hook: holding at {point}");
        output.Flush();
        Thread.Sleep(Timeout.Infinite);
    }

    /// <summary>The POINT that holds training once episode N has ended: `episode:N`.</summary>
    public const string EpisodePrefix = "episode:";

    /// <summary>The episode DQNBRIDGE_TEST_HOLD_AT=episode:N names, or null.</summary>
    public static long? HeldEpisode() =>
        Environment.GetEnvironmentVariable(Variable) is { } point && point.StartsWith(EpisodePrefix, StringComparison.Ordinal)
            && long.TryParse(point.AsSpan(EpisodePrefix.Length), out long episode) ? episode : null;

    /// <summary>
    /// Holds training after the episode <see cref="HeldEpisode"/> names has ended, until a stop signal cancels
    /// <paramref name="stop"/>: the run then stops at that step, however busy the machine is.
    /// </summary>
    public static void HoldUntilStopped(long episode, TextWriter output, CancellationToken stop)
    {
        output.WriteLine($"test hook: holding at {EpisodePrefix}{episode}");
        output.Flush();
        stop.WaitHandle.WaitOne();
    }
}
