namespace DqnBridge.Cli.Tests;

/// <summary>Errors from the layers below become one message without a stack trace.</summary>
[TestClass]
public sealed class ErrorReporterTests : TempRunsFolderTestBase
{
    [TestMethod]
    public void ErrorsFromLowerLayersShowTheirMessageWithoutStackTrace()
    {
        var failure = new InvalidOperationException("Unknown environment 'Foo-v0'", new KeyNotFoundException("no such key in the registry"));

        var run = CliRun.Invoke(new FakeBackend { FailWith = failure }, "--env", "Foo-v0", RunsDir);

        Assert.AreEqual(ExitCodes.RuntimeError, run.ExitCode);
        StringAssert.Contains(run.Error, "Unknown environment 'Foo-v0'");
        StringAssert.Contains(run.Error, "caused by: no such key in the registry");
        Assert.IsFalse(run.HasStackTrace, run.All);
    }

    [TestMethod]
    public void CausedByNeverRepeatsTheMessageAboveIt()
    {
        // Layers often quote their cause in their own message: the cause then adds nothing.
        var quoted = new InvalidOperationException("Checkpoint 'x' cannot be restored: file is short",
            new IOException("file is short", new IOException("file is short")));
        var message = ErrorReporter.DescribeUnexpected(quoted);
        Assert.AreEqual(1, message.Split("file is short").Length - 1, message);
        Assert.DoesNotContain("caused by", message);

        var distinct = ErrorReporter.DescribeUnexpected(new InvalidOperationException("outer", new IOException("inner")));
        StringAssert.Contains(distinct, "outer\n  caused by: inner");
    }
}
