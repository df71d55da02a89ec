namespace DqnBridge.Agent.Training;

/// <summary>
/// Test-only: DQNBRIDGE_TEST_FAIL_AT=PHASE:STEP makes the trainer throw at the first <c>store</c> (after a step's first
/// transition is stored), <c>update</c> (after the gradients are computed, before they are applied) or <c>log</c>
/// (after the update's first TensorBoard scalar) of a global step at or after STEP, so that a test with a real
/// process can check what a failure there keeps. Not for users.
/// </summary>
internal sealed class InjectedFault(string phase, long step)
{
    public const string Variable = "DQNBRIDGE_TEST_FAIL_AT";
    public const string Store = "store";
    public const string Update = "update";
    public const string Log = "log";

    private bool _thrown;

    /// <summary>The fault the variable asks for; null when it is not set.</summary>
    public static InjectedFault? FromEnvironment()
    {
        string? value = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        string[] parts = value.Split(':');
        if (parts.Length != 2 || parts[0] is not (Store or Update or Log) || !long.TryParse(parts[1], out long step))
        {
            throw new ArgumentException($"{Variable}={value}: expected store, update or log, a colon and a step (a test-only setting).");
        }
        return new InjectedFault(parts[0], step);
    }

    /// <summary>Throws once, at <paramref name="at"/> of a step at or after the one asked for.</summary>
    public void At(string at, long globalStep)
    {
        if (!_thrown && at == phase && globalStep >= step)
        {
            _thrown = true;
            throw new InvalidOperationException($"test fault injected at '{phase}' of step {globalStep} ({Variable})");
        }
    }
}
