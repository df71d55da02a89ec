using DqnBridge.Envs;
using DqnBridge.Envs.GymnasiumBackend;

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
    /// <summary>
    /// An environment that cannot be made is a usage error (exit 2, with the fix) when the id or its action space is the
    /// user's choice to change, a runtime error otherwise; decided by the reason the environment layer gives, so a
    /// message whose words resemble another reason's changes nothing.
    /// </summary>
    [TestMethod]
    [DataRow(EnvProblem.UnknownId, ExitCodes.UsageError, "Check the id: `dqnbridge envs` lists the ids this Python has.")]
    [DataRow(EnvProblem.NotDiscreteActions, ExitCodes.UsageError, "DQN trains environments with Discrete actions only")]
    [DataRow(EnvProblem.UnsupportedObservations, ExitCodes.RuntimeError, null)]
    [DataRow(EnvProblem.MissingRom, ExitCodes.RuntimeError, null)]
    [DataRow(EnvProblem.MissingDependency, ExitCodes.RuntimeError, null)]
    [DataRow(EnvProblem.ModuleNotImportable, ExitCodes.RuntimeError, null)]
    [DataRow(EnvProblem.UnfitSetting, ExitCodes.RuntimeError, null)]
    [DataRow(EnvProblem.MakeFailed, ExitCodes.RuntimeError, null)]
    public void AnEnvironmentThatCannotBeMadeIsClassifiedByItsReasonNotItsWording(EnvProblem problem, int exitCode, string? fix)
    {
        // Words of the other reasons, to show that they are not what counts.
        const string misleading = "X-v0 has no environment; its action space is not supported; needs a discrete action space";
        var error = new StringWriter();

        int code = new ErrorReporter(error).Report(new EnvCreationException("X-v0", problem, misleading));

        Assert.AreEqual(exitCode, code);
        StringAssert.StartsWith(error.ToString(), $"error: {misleading}");
        if (fix is null)
        {
            Assert.DoesNotContain("dqnbridge envs", error.ToString());
            Assert.DoesNotContain("Discrete actions only", error.ToString());
        }
        else
        {
            StringAssert.Contains(error.ToString(), fix);
        }
    }
}
