namespace DqnBridge.Cli.Tests;

/// <summary>Run names become one folder inside runs_dir.</summary>
[TestClass]
public sealed class RunNamesTests
{
    [TestMethod]
    public void RunNamesAreOneFolder()
    {
        var name = RunNames.Make("ALE/Pong-v5", "dqn_atari", 2, DateTimeOffset.FromUnixTimeSeconds(1700000000));
        Assert.AreEqual("ALE-Pong-v5__dqn_atari__2__1700000000", name);
    }
}
