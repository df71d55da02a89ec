using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Training;
using DqnBridge.Agent.Updates;
using TorchSharp;

namespace DqnBridge.Agent.Tests.Training;

/// <summary>Config validation: every rule in DqnConfig.Problems, one message format, the evaluation rules shared with evaluate.</summary>
[TestClass]
public sealed class DqnConfigTests
{
    [TestMethod]
    public void ValidateNamesTheBadKey()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => new DqnConfig { Tau = 0 }.Validate());
        StringAssert.Contains(error.Message, "tau");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new DqnConfig { ClipGradValue = -1 }.Validate()).Message, "clip_grad_value");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new DqnConfig { MaxEpisodes = -1 }.Validate()).Message, "max_episodes");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new DqnConfig { Vectorization = VectorizationMode.Ale }.Validate()).Message, "vectorization");
        var atari = DqnConfig.CleanRlAtari();
        atari.Validate();
        Assert.AreEqual(80_000, atari.LearningStarts);
        Assert.AreEqual(NetworkKind.NatureCnn, atari.Network);
    }

    [TestMethod]
    public void ReplayKeysNameTheBadValue()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new DqnConfig { NStep = 0 }.Validate()).Message, "n_step must be in [1, 100] (it is 0)");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new DqnConfig { NStep = 101 }.Validate()).Message, "n_step");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new DqnConfig { PerAlpha = -0.1 }.Validate()).Message, "per_alpha");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new DqnConfig { PerBetaStart = 1.5 }.Validate()).Message, "per_beta_start");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new DqnConfig { PerEpsilon = 0 }.Validate()).Message, "per_epsilon");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new DqnConfig { NStep = 5, LearningStarts = 2 }.Validate()).Message,
            "learning_starts must be at least n_step - 2 = 3 with n_step 5 (it is 2)");
        new DqnConfig { NStep = 5, LearningStarts = 3 }.Validate();
        new DqnConfig { NStep = 3, PrioritizedReplay = true, PerAlpha = 0.5, PerBetaStart = 0.4, PerEpsilon = 1e-6 }.Validate();
    }

    [TestMethod]
    public void InvalidConfigListsEveryProblemInOneFormat()
    {
        var config = new DqnConfig { Tau = 0, Gamma = 2 };
        var problems = config.Problems();
        Assert.HasCount(2, problems);
        var error = Assert.ThrowsExactly<ArgumentException>(() => config.Validate());
        Assert.AreEqual(DqnConfig.InvalidConfigMessage(problems), error.Message);
        Assert.AreEqual("Invalid config:\n  " + problems[0] + "\n  " + problems[1], error.Message);
    }

    [TestMethod]
    public void FusedPathNeedsTheCpuWhereverTheDeviceIsDecided()
    {
        static string? FusedProblem(DeviceChoice device, DeviceType? resolved) =>
            new DqnConfig { UpdatePath = UpdatePath.Fused, Device = device }.Problems(resolved).SingleOrDefault();

        Assert.AreEqual("update_path = fused runs on the CPU only; with device = cuda use update_path=reference (or auto)",
            FusedProblem(DeviceChoice.Cuda, resolved: null));
        Assert.IsNull(FusedProblem(DeviceChoice.Cpu, resolved: null));
        Assert.IsNull(FusedProblem(DeviceChoice.Auto, resolved: null), "device = auto is decided when the trainer resolves it");
        Assert.IsNull(FusedProblem(DeviceChoice.Auto, DeviceType.CPU));
        Assert.AreEqual("update_path = fused runs on the CPU only; with device = auto resolving to cuda use update_path=reference (or auto)",
            FusedProblem(DeviceChoice.Auto, DeviceType.CUDA));
        Assert.IsEmpty(new DqnConfig { UpdatePath = UpdatePath.Reference, Device = DeviceChoice.Cuda }.Problems());
    }

    [TestMethod]
    public void EvaluationRulesNameTheValuesAsTheUserWroteThem()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new DqnConfig { EvalFrequency = 100, EvalEpisodes = 0 }.Validate()).Message,
            "eval_episodes must be at least 1, or 0 with eval_steps > 0 (it is 0)");
        new DqnConfig { EvalFrequency = 100, EvalEpisodes = 0, EvalSteps = 500 }.Validate();
        CollectionAssert.AreEqual(new[] { "eval_epsilon must be in [0, 1] (it is 1.5)", "eval_steps must not be negative, 0 uses eval_episodes (it is -1)" },
            new DqnConfig { EvalEpsilon = 1.5, EvalSteps = -1 }.Problems().ToArray());

        // The evaluate command: its own option names, and no step budget to fall back on.
        CollectionAssert.AreEqual(new[] { "--episodes must be at least 1 (it is 0)", "--epsilon must be in [0, 1] (it is -0.5)" },
            new EvaluationSettings(0, -0.5).Problems("--episodes", "--epsilon", stepsName: null).ToArray());
        Assert.IsEmpty(new EvaluationSettings(3, 0).Problems("--episodes", "--epsilon", stepsName: null));
        Assert.IsEmpty(EvaluationSettings.Of(new DqnConfig()).Problems());
    }
}
