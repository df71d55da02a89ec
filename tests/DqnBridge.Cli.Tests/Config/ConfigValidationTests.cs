namespace DqnBridge.Cli.Tests;

/// <summary>The command line checks config values by the agent's rules and message, as usage errors.</summary>
[TestClass]
public sealed class ConfigValidationTests
{
    [TestMethod]
    public void TheMessageIsTheAgentsOwnListingEveryProblem()
    {
        var config = new DqnConfig { Gamma = 1.5, BatchSize = 20_000, BufferSize = 10_000 };
        var agent = Assert.ThrowsExactly<ArgumentException>(config.Validate);

        var cli = Assert.ThrowsExactly<ConfigException>(() => ConfigValidation.Check(config));

        Assert.AreEqual(agent.Message, cli.Message);
        StringAssert.StartsWith(cli.Message, "Invalid config:\n  ");
        Assert.HasCount(config.Problems().Count, cli.Message.Split("\n  ").Skip(1).ToList(), "one line per problem");
        Assert.HasCount(2, config.Problems());
    }

    [TestMethod]
    public void AValidConfigWithAnotherVersionOfABuiltInIdNamesTheVersionsThatExist()
    {
        var error = Assert.ThrowsExactly<ConfigException>(() => ConfigValidation.Check(new DqnConfig { EnvId = "Acrobot-v9" }));

        StringAssert.Contains(error.Message, "Did you mean Acrobot-v1?");
    }

    [TestMethod]
    [DataRow(0, 0.05, "--episodes must be at least 1.")]
    [DataRow(-3, 0.05, "--episodes must be at least 1.")]
    [DataRow(1, -0.1, "--epsilon must be between 0 and 1.")]
    [DataRow(1, 1.5, "--epsilon must be between 0 and 1.")]
    [DataRow(1, double.NaN, "--epsilon must be between 0 and 1.")]
    public void EvaluateOptionsBreakingTheEvalKeysRulesAreRefused(int episodes, double epsilon, string message)
    {
        var error = Assert.ThrowsExactly<ConfigException>(() => ConfigValidation.CheckEvaluation(episodes, epsilon));

        Assert.AreEqual(message, error.Message);
    }

    [TestMethod]
    [DataRow(1, 0.0)]
    [DataRow(10, 0.05)]
    [DataRow(1000, 1.0)]
    public void EvaluateOptionsWithinTheRulesPass(int episodes, double epsilon) => ConfigValidation.CheckEvaluation(episodes, epsilon);
}
