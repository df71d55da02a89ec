using DqnBridge.Envs.GymnasiumBackend;
using DqnBridge.Python;
using Python.Runtime;

namespace DqnBridge.Envs.Tests.GymnasiumBackend;

/// <summary>
/// Evaluation sees what training sees: the environment evaluation plays on (EnvFactory.Make, one environment, no
/// autoreset) and training environment 0 (EnvFactory.MakeVector) give the same observations for the same seed and
/// actions, whatever the vectorization; and the Atari chain is CleanRL dqn_atari.py's. Needs real Gymnasium with ale-py
/// and the Tetris ROM (inconclusive without, as every Gymnasium test).
/// </summary>
[TestClass]
public sealed class EvaluationParityTests
{
    [ClassInitialize]
    public static void StartPython(TestContext _) => GymnasiumRuntime.Start(TestPython.Embedded);

    private static void RequireGymnasium() => TestPython.RequireGymnasium(GymnasiumRuntime.IsAvailable());

    private static EnvSpec Tetris(string vectorization) =>
        new EnvSpec("ALE/Tetris-v5", NumEnvs: 2, Backend: EnvBackend.Gymnasium, Wrappers: EnvWrappers.Atari)
        {
            Vectorization = vectorization,
            FrameStackPadding = FrameStackPadding.Zero,
        };

    private static void RequireVectorization(string vectorization)
    {
        RequireGymnasium();
        if (vectorization == "ale" && AleVector.Unavailable("") is { } reason)
        {
            Assert.Inconclusive(reason);
        }
    }

    [TestMethod]
    [DataRow("sync")]
    [DataRow("async")]
    [DataRow("ale")]
    public void EvaluationEnvironmentSeesWhatTrainingEnvironmentZeroSees(string vectorization)
    {
        RequireVectorization(vectorization);
        var spec = Tetris(vectorization);
        IVectorEnv training;
        try
        {
            training = EnvFactory.MakeVector(spec);
        }
        catch (EnvCreationException e)
        {
            Assert.Inconclusive($"ALE/Tetris-v5 cannot be made here (ale-py and its ROM are needed): {e.Message}");
            throw;
        }

        using var trainingEnvs = training;
        using var evaluation = EnvFactory.Make(spec with { NumEnvs = 1 });
        int bytes = trainingEnvs.SingleObservationSpace.ByteSize;
        var observation = new byte[evaluation.ObservationSpace.ByteSize];
        Assert.HasCount(bytes, observation);

        trainingEnvs.Reset(11);
        evaluation.Reset(observation, 11);
        CollectionAssert.AreEqual(trainingEnvs.Observations[..bytes].ToArray(), observation, "the first observations");
        Assert.IsFalse(observation.AsSpan(0, bytes / 4).ContainsAnyExcept((byte)0), "black padding before the first frame, in both");
        Assert.IsTrue(observation.AsSpan(3 * bytes / 4).ContainsAnyExcept((byte)0), "the newest frame is the game");

        // Then step for step with the same actions, through game overs (and, for games with lives, lost lives).
        int games = 0;
        for (int t = 0; t < 1200; t++)
        {
            int action = t * 7 % 5;
            trainingEnvs.Step([action, (action + 1) % 5]);
            var result = evaluation.Step(action, observation);
            if (result.Done)
            {
                games++;
                evaluation.Reset(observation);
            }
            Assert.IsTrue(trainingEnvs.Observations[..bytes].SequenceEqual(observation), $"observations differ after step {t + 1}");
        }
        Assert.IsGreaterThan(0, games, "at least one game ended and restarted in both");
    }

    [TestMethod]
    public void AtariWrappersAreCleanRlsChainWithRewardClippingOnlyForTraining()
    {
        RequireGymnasium();
        using var gil = Py.GIL();
        using PyModule scope = Py.CreateScope();
        scope.Exec(
            "from dqnbridge import wrappers\n" +
            "def chain(training):\n" +
            "    env = wrappers.make_env('ALE/Tetris-v5', wrappers='atari', training=training)\n" +
            "    names = []\n" +
            "    while env is not None:\n" +
            "        names.append(type(env).__name__)\n" +
            "        env = getattr(env, 'env', None)\n" +
            "    return ' '.join(reversed(names))\n");
        string training, evaluation;
        try
        {
            using PyObject trainingChain = scope.Eval("chain(True)");
            using PyObject evaluationChain = scope.Eval("chain(False)");
            training = trainingChain.As<string>();
            evaluation = evaluationChain.As<string>();
        }
        catch (PythonException e)
        {
            Assert.Inconclusive($"ALE/Tetris-v5 cannot be made here (ale-py and its ROM are needed): {e.Message}");
            throw;
        }

        // Innermost first: the game, episode statistics on raw rewards, no-op reset + skip with max-pool + 84x84 gray,
        // a lost life ends a training episode, FIRE at reset (Tetris has FIRE), reward clipping, the stack.
        StringAssert.EndsWith(training, "RecordEpisodeStatistics AtariPreprocessing EpisodicLife FireReset TransformReward FrameStackObservation");
        StringAssert.EndsWith(evaluation, "RecordEpisodeStatistics AtariPreprocessing EpisodicLife FireReset FrameStackObservation");
    }
}
