namespace DqnBridge.Cli.Tests;

/// <summary>The command tree CliApp wires.</summary>
[TestClass]
public sealed class CliAppTests
{
    [TestMethod]
    public void HelpListsEveryCommand()
    {
        var run = CliRun.Invoke(new FakeBackend(), "--help");

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode);
        foreach (var command in new[] { "train", "evaluate", "benchmark", "envs", "config" })
        {
            StringAssert.Contains(run.Output, command);
        }
    }
}
