using DqnBridge.Envs.GymnasiumBackend;
using DqnBridge.Python;
using Python.Runtime;

namespace DqnBridge.Envs.Tests.GymnasiumBackend;

[TestClass]
public sealed class GymnasiumBackendTests
{
    [ClassInitialize]
    public static void StartPython(TestContext _) => GymnasiumRuntime.Start(TestPython.Embedded);

    private static void RequireGymnasium() => TestPython.RequireGymnasium(GymnasiumRuntime.IsAvailable());

    [TestMethod]
    public void VectorCartPoleStepsWithSameStepAutoreset()
    {
        RequireGymnasium();
        using var envs = new GymnasiumVectorEnv(new EnvSpec("CartPole-v1", NumEnvs: 2));
        Assert.AreEqual(new DiscreteSpace(2), envs.SingleActionSpace);
        CollectionAssert.AreEqual(new[] { 4 }, envs.SingleObservationSpace.Shape);
        envs.Reset(seed: 1);
        int episodes = 0;
        for (int step = 0; step < 500; step++)
        {
            envs.Step([0, 1]);
            foreach (CompletedEpisode episode in envs.CompletedEpisodes)
            {
                Assert.IsTrue(envs.Terminated[episode.EnvIndex] || envs.Truncated[episode.EnvIndex]);
                Assert.AreEqual(episode.Length, episode.Return, 1e-9, "CartPole gives 1 per step");
                episodes++;
            }
        }
        Assert.IsGreaterThan(10, episodes);
    }

    [TestMethod]
    public void TwoDotnetThreadsStepTheSameEnvironmentsInTurn()
    {
        RequireGymnasium();
        var spec = new EnvSpec("CartPole-v1", NumEnvs: 2);
        static int[] Actions(int t) => [t % 2, t / 3 % 2];
        static void Steps(GymnasiumVectorEnv envs, int from, int to, List<CompletedEpisode> episodes)
        {
            for (int t = from; t < to; t++)
            {
                envs.Step(Actions(t));
                episodes.AddRange(envs.CompletedEpisodes);
            }
        }

        var alone = new List<CompletedEpisode>();
        byte[] expected;
        using (var envs = new GymnasiumVectorEnv(spec))
        {
            envs.Reset(7);
            Steps(envs, 0, 300, alone);
            expected = envs.Observations.ToArray();
        }

        // Made, reset and stepped on one thread, stepped on by another, disposed by a third; the GIL is free in between.
        var inTurn = new List<CompletedEpisode>();
        GymnasiumVectorEnv? shared = null;
        OnNewThread(() =>
        {
            shared = new GymnasiumVectorEnv(spec);
            shared.Reset(7);
            Steps(shared, 0, 150, inTurn);
        });
        AssertGilIsFree("after the first thread's steps");
        OnNewThread(() => Steps(shared!, 150, 300, inTurn));
        AssertGilIsFree("after the second thread's steps");
        byte[] observations = shared!.Observations.ToArray();
        OnNewThread(shared.Dispose);

        CollectionAssert.AreEqual(expected, observations, "the same observations as when one thread did it all");
        CollectionAssert.AreEqual(alone, inTurn, "and the same episodes");
        Assert.IsGreaterThan(5, inTurn.Count);
    }

    private static void OnNewThread(Action work)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                work();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new AssertFailedException($"the thread failed: {failure}");
        }
    }

    /// <summary>Another thread takes the GIL at once (a minute at most on a loaded machine) rather than waiting forever for it.</summary>
    private static void AssertGilIsFree(string when) =>
        Assert.IsTrue(Task.Run(() =>
        {
            using (Py.GIL())
            {
            }
        }).Wait(TimeSpan.FromMinutes(1)), $"the GIL was still held {when}");

    [TestMethod]
    public void APythonErrorInStepReachesDotnetWithTheEnvTheStepAndTheTraceback()
    {
        RequireGymnasium();
        using (Py.GIL())
        {
            PythonEngine.Exec(
                "import gymnasium\n" +
                "from gymnasium.envs.classic_control.cartpole import CartPoleEnv\n" +
                "class _BreaksAtStep30(CartPoleEnv):\n" +
                "    calls = 0\n" +
                "    def step(self, action):\n" +
                "        type(self).calls += 1\n" +
                "        if type(self).calls == 30:\n" +
                "            raise ValueError('the pole fell off the cart')\n" +
                "        return super().step(action)\n" +
                "if 'BreaksAtStep30-v0' not in gymnasium.registry:\n" +
                "    gymnasium.register('BreaksAtStep30-v0', entry_point=_BreaksAtStep30, max_episode_steps=500)\n");
        }
        using var envs = new GymnasiumVectorEnv(new EnvSpec("BreaksAtStep30-v0"));
        envs.Reset(1);
        EnvStepException? failure = null;
        for (int step = 0; step < 40 && failure is null; step++)
        {
            try
            {
                envs.Step([step % 2]);
            }
            catch (EnvStepException e)
            {
                failure = e;
            }
        }

        Assert.IsNotNull(failure, "the 30th step raised");
        Assert.AreEqual("BreaksAtStep30-v0", failure.EnvId);
        Assert.AreEqual(29, failure.Step, "29 steps were taken before it");
        var python = (PythonError)failure.InnerException!;
        Assert.AreEqual("ValueError", python.PythonType);
        Assert.AreEqual("the pole fell off the cart", python.PythonMessage);
        Assert.Contains("ValueError: the pole fell off the cart", python.PythonTraceback);
        Assert.Contains(Path.Combine("dqnbridge", "drivers.py"), python.PythonTraceback, "the traceback runs from our driver down to the env");
        Assert.Contains("in step", python.PythonTraceback);
        Assert.Contains("Environment BreaksAtStep30-v0 failed at step 29: ValueError: the pole fell off the cart", failure.Message);
        AssertGilIsFree("after the failed step");
    }

    [TestMethod]
    public void InfoCarriesGymnasiumsEpisodeStatistics()
    {
        RequireGymnasium();
        using var env = new GymnasiumEnv(new EnvSpec("CartPole-v1"));
        var observation = new byte[env.ObservationSpace.ByteSize];
        env.Reset(observation, seed: 2);
        Assert.IsEmpty(env.Info);
        int steps = 0;
        StepResult result;
        do
        {
            result = env.Step(steps % 2, observation);
            steps++;
        }
        while (!result.Done);
        var episode = (Dictionary<string, object?>)env.Info["episode"]!;
        Assert.AreEqual((double)steps, Convert.ToDouble(episode["r"]));
        Assert.AreEqual((long)steps, Convert.ToInt64(episode["l"]));
    }

    [TestMethod]
    public void UnknownIdsSuggestCloseOnes()
    {
        RequireGymnasium();
        var error = Assert.ThrowsExactly<EnvCreationException>(() => new GymnasiumEnv(new EnvSpec("CartPol-v1")));
        Assert.Contains("CartPole-v1", error.Message);
        Assert.AreEqual(EnvProblem.UnknownId, error.Problem);
    }

    [TestMethod]
    public void BadKeywordArgumentsAndContinuousActionsAreClearErrors()
    {
        RequireGymnasium();
        var badKwarg = Assert.ThrowsExactly<EnvCreationException>(() =>
            new GymnasiumEnv(new EnvSpec("CartPole-v1", Kwargs: new Dictionary<string, object> { ["no_such_option"] = 3 })));
        Assert.Contains("no_such_option", badKwarg.Message);
        Assert.AreEqual(EnvProblem.MakeFailed, badKwarg.Problem);

        var continuous = Assert.ThrowsExactly<EnvCreationException>(() => new GymnasiumVectorEnv(new EnvSpec("Pendulum-v1", NumEnvs: 1)));
        Assert.Contains("discrete", continuous.Message);
        Assert.Contains("Box", continuous.Message);
        Assert.AreEqual(EnvProblem.NotDiscreteActions, continuous.Problem);
    }
}
