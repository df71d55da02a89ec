using DqnBridge.Envs.GymnasiumBackend;
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
    }

    [TestMethod]
    public void BadKeywordArgumentsAndContinuousActionsAreClearErrors()
    {
        RequireGymnasium();
        var badKwarg = Assert.ThrowsExactly<EnvCreationException>(() =>
            new GymnasiumEnv(new EnvSpec("CartPole-v1", Kwargs: new Dictionary<string, object> { ["no_such_option"] = 3 })));
        Assert.Contains("no_such_option", badKwarg.Message);

        var continuous = Assert.ThrowsExactly<EnvCreationException>(() => new GymnasiumVectorEnv(new EnvSpec("Pendulum-v1", NumEnvs: 1)));
        Assert.Contains("discrete", continuous.Message);
        Assert.Contains("Box", continuous.Message);
    }
}
