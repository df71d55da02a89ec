namespace DqnBridge.Cli.Commands;

/// <summary>
/// Test-only: DQNBRIDGE_TEST_HOLD_AT=POINT makes the process print "test hook: holding at POINT" and block at that
/// point forever, so a test can kill it there (SIGKILL) deterministically instead of guessing a time. Not for users.
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
}
