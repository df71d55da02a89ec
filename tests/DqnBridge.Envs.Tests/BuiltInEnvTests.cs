using System.Numerics;
using System.Runtime.InteropServices;
using DqnBridge.Envs.Native;

namespace DqnBridge.Envs.Tests;

/// <summary>Seeding, vector autoreset, exact state restore, errors and rendering of the built-in environments.</summary>
[TestClass]
public sealed class BuiltInEnvTests
{
    [TestMethod]
    public void Pcg64MatchesNumpysDefaultRngForSmallAndLargeSeeds()
    {
        // np.random.default_rng(seed).bit_generator.random_raw(2) and .uniform(-0.05, 0.05), NumPy 1.24.2.
        (BigInteger Seed, ulong First, ulong Second, double Uniform)[] expected =
        [
            (0, 11749869230777074271, 4976686463289251617, -0.045902647606380534),
            (1, 9441442522235856127, 17532960557476522086, -0.03558403872803663),
            (42, 14276969152011380360, 8095878257575067585, 0.03585979199113824),
            (12345678901234, 7496343037614434180, 483370428031952295, 0.012060879993328964),
        ];
        foreach (var (seed, first, second, uniform) in expected)
        {
            var generator = Pcg64.FromSeed(seed);
            Assert.AreEqual(first, generator.NextUInt64(), $"seed {seed}");
            Assert.AreEqual(second, generator.NextUInt64(), $"seed {seed}");
            Assert.AreEqual(uniform, generator.Uniform(-0.05, 0.05), $"seed {seed}");
        }
    }

    [TestMethod]
    [DataRow("CartPole-v1")]
    [DataRow("Acrobot-v1")]
    [DataRow("MountainCar-v0")]
    public void SameSeedGivesTheSameRunAndDifferentSeedsDiffer(string id)
    {
        var first = Rollout(id, seed: 7);
        var again = Rollout(id, seed: 7);
        var other = Rollout(id, seed: 8);

        CollectionAssert.AreEqual(first, again);
        CollectionAssert.AreNotEqual(first, other);
    }

    [TestMethod]
    public void VectorEnvAutoresetsInTheSameStepAndKeepsTheTrueFinalObservation()
    {
        // CartPole-v0 truncates at 200 steps; a balancing policy reaches the limit, so the final observation is a truncated one.
        using var envs = new SyncVectorEnv([NativeEnvs.Create("CartPole-v0"), NativeEnvs.Create("CartPole-v0")]);
        using var reference = NativeEnvs.Create("CartPole-v0");
        var referenceObservation = new byte[reference.ObservationSpace.ByteSize];
        envs.Reset(seed: 3);
        reference.Reset(referenceObservation, seed: 3);
        var actions = new int[2];
        int steps = 0;
        bool truncatedSeen = false;
        while (!truncatedSeen && steps < 1000)
        {
            var observation = MemoryMarshal.Cast<byte, float>(envs.Observations);
            for (int i = 0; i < 2; i++)
            {
                actions[i] = observation[i * 4 + 2] + 0.5f * observation[i * 4 + 3] > 0 ? 1 : 0;
            }

            var referenceResult = reference.Step(actions[0], referenceObservation);
            envs.Step(actions);
            steps++;

            Assert.AreEqual(referenceResult.Terminated, envs.Terminated[0], $"step {steps}");
            Assert.AreEqual(referenceResult.Truncated, envs.Truncated[0], $"step {steps}");
            if (referenceResult.Done)
            {
                CollectionAssert.AreEqual(referenceObservation, envs.FinalObservations[..16].ToArray(), "the final observation is the real last one");
                Assert.IsTrue(envs.CompletedEpisodes.Any(e => e.EnvIndex == 0 && e.Length == steps && e.Return == steps));
                reference.Reset(referenceObservation);
                CollectionAssert.AreEqual(referenceObservation, envs.Observations[..16].ToArray(), "the next episode's first observation follows at once");
                truncatedSeen = referenceResult.Truncated;
                steps = 0;
            }
            else
            {
                CollectionAssert.AreEqual(referenceObservation, envs.Observations[..16].ToArray(), $"step {steps}");
            }
        }
        Assert.IsTrue(truncatedSeen, "a 200-step truncation should happen with the balancing policy");
    }

    [TestMethod]
    public void VectorEnvStepsWithoutAllocating()
    {
        using var envs = new SyncVectorEnv([NativeEnvs.Create("CartPole-v1"), NativeEnvs.Create("CartPole-v1")]);
        envs.Reset(seed: 1);
        var sampler = new SeededRandom(1);
        int[] actions = new int[2];
        for (int i = 0; i < 1000; i++)
        {
            Step(envs, sampler, actions);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20_000; i++)
        {
            Step(envs, sampler, actions);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.AreEqual(0, allocated, "bytes allocated by 20,000 vector steps, episode ends included");
    }

    /// <summary>
    /// The sync vector env steps into two buffers in turn: after each step, the observations it started from are still
    /// there, unchanged, for the trainer to store as the transitions' observations (episode ends included).
    /// </summary>
    [TestMethod]
    public void ObservationsBeforeStepAreThoseTheStepStartedFrom()
    {
        using var envs = new SyncVectorEnv([NativeEnvs.Create("CartPole-v1"), NativeEnvs.Create("CartPole-v1")]);
        var sampler = new SeededRandom(3);
        int[] actions = new int[2];
        envs.Reset(seed: 7);
        int episodeEnds = 0;
        for (int i = 0; i < 500; i++)
        {
            byte[] before = envs.Observations.ToArray();
            Step(envs, sampler, actions);
            episodeEnds += envs.CompletedEpisodes.Count;
            CollectionAssert.AreEqual(before, envs.ObservationsBeforeStep.ToArray(), $"step {i}");
            Assert.IsFalse(envs.Observations.SequenceEqual(before), $"step {i} changed the observations");
        }
        Assert.IsGreaterThan(0, episodeEnds, "episodes ended (and restarted) during the steps");
    }

    [TestMethod]
    public void SavedStateContinuesExactlyMidEpisode()
    {
        using var envs = new SyncVectorEnv([NativeEnvs.Create("Acrobot-v1"), NativeEnvs.Create("Acrobot-v1")]);
        var sampler = new SeededRandom(5);
        var actions = new int[2];
        envs.Reset(seed: 11);
        for (int i = 0; i < 777; i++)
        {
            Step(envs, sampler, actions);
        }

        byte[] saved = envs.SaveState();
        ulong[] samplerState = sampler.GetState();
        var expected = Trace(envs, sampler, actions, 600);

        using var restored = new SyncVectorEnv([NativeEnvs.Create("Acrobot-v1"), NativeEnvs.Create("Acrobot-v1")]);
        restored.RestoreState(saved);
        sampler.SetState(samplerState);
        var actual = Trace(restored, sampler, actions, 600);

        CollectionAssert.AreEqual(expected, actual);
    }

    [TestMethod]
    [DataRow("CartPole-v1")]
    [DataRow("Acrobot-v1")]
    [DataRow("MountainCar-v0")]
    public void TheStateBeforeTheLastStepIsTheStateSavedThen(string id)
    {
        using var envs = new SyncVectorEnv([NativeEnvs.Create(id), NativeEnvs.Create(id)]);
        var sampler = new SeededRandom(5);
        var actions = new int[2];
        envs.Reset(seed: 11);
        Assert.IsNull(envs.SaveStateBeforeLastStep(), "no step yet");
        for (int i = 0; i < 777; i++)
        {
            // Episodes end and restart on some of these steps.
            Step(envs, sampler, actions);
            byte[] before = envs.SaveState();
            Step(envs, sampler, actions);
            CollectionAssert.AreEqual(before, envs.SaveStateBeforeLastStep(), $"step {2 * i + 1}");
        }
    }

    [TestMethod]
    public void SeededRandomIsUniformAndRestoresItsState()
    {
        var sampler = new SeededRandom(123);
        var counts = new int[3];
        for (int i = 0; i < 30_000; i++)
        {
            counts[sampler.Next(3)]++;
        }

        foreach (int count in counts)
        {
            Assert.IsLessThan(400, Math.Abs(count - 10_000), $"counts {string.Join(", ", counts)}");
        }

        var state = sampler.GetState();
        var expected = Enumerable.Range(0, 50).Select(_ => sampler.Next(7)).ToArray();
        sampler.SetState(state);
        CollectionAssert.AreEqual(expected, Enumerable.Range(0, 50).Select(_ => sampler.Next(7)).ToArray());
        CollectionAssert.AreNotEqual(expected, Enumerable.Range(0, 50).Select(_ => new SeededRandom(124).Next(7)).ToArray());
    }

    [TestMethod]
    public void BadInputGivesClearErrors()
    {
        using var env = NativeEnvs.Create("MountainCar-v0");
        var observation = new byte[env.ObservationSpace.ByteSize];

        var early = Assert.Throws<InvalidOperationException>(() => env.Step(0, observation));
        StringAssert.Contains(early.Message, "Reset");
        env.Reset(observation, seed: 0);
        var badAction = Assert.Throws<ArgumentOutOfRangeException>(() => env.Step(3, observation));
        StringAssert.Contains(badAction.Message, "MountainCar-v0");
        StringAssert.Contains(badAction.Message, "Discrete(3)");
        var badBuffer = Assert.Throws<ArgumentException>(() => env.Step(0, new byte[4]));
        StringAssert.Contains(badBuffer.Message, "8");
        var unknown = Assert.Throws<UnknownEnvironmentException>(() => NativeEnvs.Create("CartPol-v1"));
        StringAssert.Contains(unknown.Message, "Did you mean CartPole-v1");
        var negativeSeed = Assert.Throws<ArgumentOutOfRangeException>(() => env.Reset(observation, seed: -1));
        StringAssert.Contains(negativeSeed.Message, "non-negative");
    }

    [TestMethod]
    [DataRow("CartPole-v1", 400, 600)]
    [DataRow("Acrobot-v1", 500, 500)]
    [DataRow("MountainCar-v0", 400, 600)]
    public void RendersRgbFramesOfGymnasiumsSizeWithTheSceneDrawn(string id, int height, int width)
    {
        using var env = NativeEnvs.Create(id, "rgb_array");
        var observation = new byte[env.ObservationSpace.ByteSize];
        env.Reset(observation, seed: 0);
        var first = env.Render();
        for (int i = 0; i < 10; i++)
        {
            env.Step(i % 2 == 0 ? 0 : env.ActionSpace is DiscreteSpace { N: 3 } ? 2 : 1, observation);
        }

        var later = env.Render();

        Assert.AreEqual(height, first.Height);
        Assert.AreEqual(width, first.Width);
        Assert.HasCount(height * width * 3, first.Pixels);
        int drawn = first.Pixels.Count(value => value != 255);
        Assert.IsGreaterThan(1000, drawn, "non-white channel values: the scene should be drawn");
        CollectionAssert.AreNotEqual(first.Pixels, later.Pixels, "the picture follows the state");

        using var headless = NativeEnvs.Create(id);
        headless.Reset(observation, seed: 0);
        Assert.Throws<InvalidOperationException>(() => headless.Render());
    }

    [TestMethod]
    public void BuiltInInfoIsEmptyAsInGymnasium()
    {
        using IEnv env = NativeEnvs.Create("CartPole-v1");
        var observation = new byte[env.ObservationSpace.ByteSize];
        env.Reset(observation, seed: 0);
        env.Step(1, observation);
        Assert.IsEmpty(env.Info);
    }

    static void Step(IVectorEnv envs, SeededRandom sampler, int[] actions)
    {
        for (int i = 0; i < actions.Length; i++)
        {
            actions[i] = envs.SingleActionSpace.Start + sampler.Next(envs.SingleActionSpace.N);
        }

        envs.Step(actions);
    }

    static List<float> Trace(IVectorEnv envs, SeededRandom sampler, int[] actions, int steps)
    {
        var trace = new List<float>();
        for (int i = 0; i < steps; i++)
        {
            Step(envs, sampler, actions);
            trace.AddRange(MemoryMarshal.Cast<byte, float>(envs.Observations).ToArray());
            trace.AddRange(envs.Rewards.ToArray());
            foreach (var episode in envs.CompletedEpisodes)
            {
                trace.Add(episode.Length);
            }
        }
        return trace;
    }

    static List<float> Rollout(string id, int seed)
    {
        using var env = NativeEnvs.Create(id);
        var observation = new byte[env.ObservationSpace.ByteSize];
        var sampler = new SeededRandom(99);
        var trace = new List<float>();
        env.Reset(observation, seed);
        for (int i = 0; i < 300; i++)
        {
            var space = (DiscreteSpace)env.ActionSpace;
            var result = env.Step(space.Start + sampler.Next(space.N), observation);
            trace.AddRange(MemoryMarshal.Cast<byte, float>(observation).ToArray());
            if (result.Done)
            {
                env.Reset(observation);
            }
        }
        return trace;
    }
}
