namespace DqnBridge.Cli.Tests;

/// <summary>`config keys`: every key from the code, as a box, plain lines or markdown.</summary>
[TestClass]
public sealed class ConfigKeysCommandTests
{
    [TestMethod]
    public void ConfigKeysPrintsEveryKeyFromTheCode()
    {
        var run = CliRun.Invoke(new FakeBackend(), "config", "keys", "--markdown");

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode);
        foreach (var key in Config.ConfigKeys.All)
        {
            StringAssert.Contains(run.Output, $"| `{key.Name}` |");
        }

        StringAssert.Contains(run.Output, "| `learning_rate` | double | `0.00025` |");
    }

    [TestMethod]
    public void RedirectedOutputIsOnePlainAlignedLinePerKey()
    {
        // The test console is not a terminal, as a pipe or a file is not.
        var run = CliRun.Invoke(new FakeBackend(), "config", "keys");

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        var lines = run.Output.TrimEnd('\n').Split('\n');
        Assert.HasCount(ConfigKeys.All.Count + 1, lines, "a header and one line per key, however long its description");
        Assert.DoesNotContain("│", run.Output);
        int description = lines[0].IndexOf("Description", StringComparison.Ordinal);
        foreach (var (key, line) in ConfigKeys.All.Zip(lines.Skip(1)))
        {
            StringAssert.StartsWith(line, key.Name + " ");
            Assert.AreEqual(key.Description, line[description..], "every description starts in the header's column");
        }

        StringAssert.Contains(run.Output, "auto|native|gymnasium");
    }

    [TestMethod]
    public void FormatTableDrawsTheBoxEvenWhenRedirected()
    {
        var run = CliRun.Invoke(new FakeBackend(), "config", "keys", "--format", "table");

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        StringAssert.StartsWith(run.Output, "┌");
        StringAssert.Contains(run.Output, "│ learning_rate ");
    }

    [TestMethod]
    public void FormatMarkdownIsTheMarkdownFlagsTable()
    {
        var format = CliRun.Invoke(new FakeBackend(), "config", "keys", "--format", "markdown");
        var flag = CliRun.Invoke(new FakeBackend(), "config", "keys", "--markdown");

        Assert.AreEqual(ExitCodes.Ok, format.ExitCode, format.All);
        Assert.AreEqual(format.Output, flag.Output);
        var lines = format.Output.TrimEnd('\n').Split('\n');
        Assert.AreEqual("| Key | Type | Default | Description |", lines[0]);
        Assert.HasCount(ConfigKeys.All.Count + 2, lines, "the header, its rule and one row per key");
        StringAssert.Contains(format.Output, "| `backend` | auto \\| native \\| gymnasium | `auto` |");
    }

    [TestMethod]
    public void ConflictingOrUnknownFormatsAreUsageErrors()
    {
        var both = CliRun.Invoke(new FakeBackend(), "config", "keys", "--markdown", "--format", "plain");
        Assert.AreEqual(ExitCodes.UsageError, both.ExitCode, both.All);
        StringAssert.Contains(both.Error, "--markdown and --format plain");

        var unknown = CliRun.Invoke(new FakeBackend(), "config", "keys", "--format", "html");
        Assert.AreEqual(ExitCodes.UsageError, unknown.ExitCode, unknown.All);
        StringAssert.Contains(unknown.Error, "html");
        Assert.IsEmpty(unknown.Output);
    }
}
