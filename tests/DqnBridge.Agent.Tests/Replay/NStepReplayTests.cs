using System.Runtime.InteropServices;
using DqnBridge.Agent.Replay;
using DqnBridge.Envs;

namespace DqnBridge.Agent.Tests.Replay;

/// <summary>
/// n-step returns worked by hand: with gamma 0.5 and rewards 1, 2, 3, 4, 5, the 3-step transitions of a 5-step episode are
/// (1 + 0.5*2 + 0.25*3 = 2.75, gamma^3), (2 + 1.5 + 1 = 4.5, gamma^3), (3 + 2 + 1.25 = 6.25, gamma^3), then the
/// episode's end cuts them short: (4 + 2.5 = 6.5, gamma^2) and (5, gamma) bootstrapping from the final observation.
/// </summary>
[TestClass]
public sealed class NStepReplayTests
{
    private static readonly BoxSpace Space = BoxSpace.Uniform([1], ElementType.Float32, -1000, 1000);
    private static readonly NStepReturns ThreeSteps = new(3, 0.5);

    private static byte[] Obs(float value) => MemoryMarshal.AsBytes(new[] { value }.AsSpan()).ToArray();

    private sealed record Row(float Obs, float Next, long Action, float Reward, float Done, float Discount);

    /// <summary>Every stored transition, in slot order, read through <see cref="IReplayBuffer.Write"/>.</summary>
    private static List<Row> Stored(IReplayBuffer buffer, int slots, int observationBytes = 4)
    {
        var rows = new List<Row>();
        var observations = new byte[observationBytes];
        var next = new byte[observationBytes];
        var action = new long[1];
        var reward = new float[1];
        var done = new float[1];
        var discount = new float[1];
        for (int slot = 0; slot < slots; slot++)
        {
            buffer.Write(slot, 0, new ReplayBatch(observations, next, action, reward, done, discount, new float[1], new int[1]));
            rows.Add(new Row(MemoryMarshal.Cast<byte, float>(observations)[0], MemoryMarshal.Cast<byte, float>(next)[0], action[0], reward[0], done[0], discount[0]));
        }
        return rows;
    }

    /// <summary>Observation 10 * env + t (t = 0 .. length), action t, reward t + 1.</summary>
    private static void AddEpisode(ReplayBuffer buffer, int length, bool truncated, int env = 0, float start = 0)
    {
        for (int t = 0; t < length; t++)
        {
            bool last = t == length - 1;
            buffer.Add(env, Obs(start + t), Obs(start + t + 1), action: t, reward: t + 1, terminated: last && !truncated, truncated: last && truncated);
        }
    }

    [TestMethod]
    public void ReturnsAcrossATerminationStopThereWithoutBootstrap()
    {
        using var buffer = new ReplayBuffer(16, Space, envCount: 1, ThreeSteps);
        AddEpisode(buffer, 5, truncated: false);
        Assert.AreEqual(5, buffer.Count);
        var expected = new List<Row>
        {
            new(0, 3, 0, 2.75f, 0, 0.125f),
            new(1, 4, 1, 4.5f, 0, 0.125f),
            new(2, 5, 2, 6.25f, 1, 0.125f),
            new(3, 5, 3, 6.5f, 1, 0.25f),
            new(4, 5, 4, 5f, 1, 0.5f),
        };
        CollectionAssert.AreEqual(expected, Stored(buffer, 5));
    }

    [TestMethod]
    public void ReturnsAcrossATruncationBootstrapFromTheFinalObservationWithGammaToTheStepsTaken()
    {
        using var buffer = new ReplayBuffer(16, Space, envCount: 1, ThreeSteps);
        AddEpisode(buffer, 5, truncated: true);
        var expected = new List<Row>
        {
            new(0, 3, 0, 2.75f, 0, 0.125f),
            new(1, 4, 1, 4.5f, 0, 0.125f),
            new(2, 5, 2, 6.25f, 0, 0.125f),
            new(3, 5, 3, 6.5f, 0, 0.25f),
            new(4, 5, 4, 5f, 0, 0.5f),
        };
        CollectionAssert.AreEqual(expected, Stored(buffer, 5));
    }

    [TestMethod]
    public void StepsWaitUntilNAreTakenAndEpisodesShorterThanNGoInAtTheirEnd()
    {
        using var buffer = new ReplayBuffer(16, Space, envCount: 1, ThreeSteps);
        buffer.Add(0, Obs(0), Obs(1), 0, 1, terminated: false, truncated: false);
        buffer.Add(0, Obs(1), Obs(2), 1, 2, terminated: false, truncated: false);
        Assert.AreEqual(0, buffer.Count, "two steps of three: nothing to store yet");
        buffer.Add(0, Obs(2), Obs(3), 2, 3, terminated: true, truncated: false);
        var expected = new List<Row>
        {
            new(0, 3, 0, 1 + 0.5f * 2 + 0.25f * 3, 1, 0.125f),
            new(1, 3, 1, 2 + 0.5f * 3, 1, 0.25f),
            new(2, 3, 2, 3, 1, 0.5f),
        };
        CollectionAssert.AreEqual(expected, Stored(buffer, 3));
    }

    [TestMethod]
    public void VectorEnvAutoresetsNeverMixEnvironmentsOrEpisodes()
    {
        // Two environments stepped together. Env 0 plays a 2-step episode (truncated) and its autoreset starts a
        // new one (observations from 100); env 1 plays one 4-step episode (observations from 10, rewards x10).
        using var buffer = new ReplayBuffer(32, Space, envCount: 2, ThreeSteps);
        float[] env0 = [0, 1, 2, 100, 101, 102, 103];
        for (int t = 0; t < 5; t++)
        {
            int i0 = t < 2 ? t : t + 1; // env 0's observation index: after step 1 the episode restarts at 100
            buffer.Add(0, Obs(env0[i0]), Obs(env0[i0 + 1]), action: t, reward: t + 1, terminated: false, truncated: t == 1);
            buffer.Add(1, Obs(10 + t), Obs(10 + t + 1), action: t, reward: 10 * (t + 1), terminated: t == 3, truncated: false);
            if (t == 3)
            {
                break;
            }
        }
        var rows = Stored(buffer, buffer.Count).OrderBy(r => r.Obs).ToList();
        var expected = new List<Row>
        {
            // env 0, first episode: cut short by its truncation at step 1
            new(0, 2, 0, 1 + 0.5f * 2, 0, 0.25f),
            new(1, 2, 1, 2, 0, 0.5f),
            // env 1: one full 3-step return, then its termination cuts the rest
            new(10, 13, 0, 10 + 0.5f * 20 + 0.25f * 30, 0, 0.125f),
            new(11, 14, 1, 20 + 0.5f * 30 + 0.25f * 40, 1, 0.125f),
            new(12, 14, 2, 30 + 0.5f * 40, 1, 0.25f),
            new(13, 14, 3, 40, 1, 0.5f),
        };
        // env 0's second episode (100, 101) has taken 2 steps of 3: still queued, not stored.
        CollectionAssert.AreEqual(expected, rows);
    }

    [TestMethod]
    public void EnvironmentsResetMidEpisodeEndTheirReturnsAtTheCurrentObservation()
    {
        // A resume that cannot restore the environments resets them: the queued steps go in as truncated at the
        // observation the trainer held, and the next step starts a new queue.
        using var buffer = new ReplayBuffer(16, Space, envCount: 1, ThreeSteps);
        buffer.Add(0, Obs(0), Obs(1), 0, 1, terminated: false, truncated: false);
        buffer.Add(0, Obs(1), Obs(2), 1, 2, terminated: false, truncated: false);
        buffer.TruncateEpisodes(Obs(2));
        buffer.Add(0, Obs(50), Obs(51), 0, 7, terminated: true, truncated: false);
        var expected = new List<Row>
        {
            new(0, 2, 0, 1 + 0.5f * 2, 0, 0.25f),
            new(1, 2, 1, 2, 0, 0.5f),
            new(50, 51, 0, 7, 1, 0.5f),
        };
        CollectionAssert.AreEqual(expected, Stored(buffer, 3));
    }

    [TestMethod]
    public void OneStepReturnsAreTheRewardAndGammaExactly()
    {
        var returns = new NStepReturns(1, 0.99);
        using var buffer = new ReplayBuffer(4, Space, envCount: 1, returns);
        buffer.Add(0, Obs(0), Obs(1), 0, 0.1f, terminated: false, truncated: false);
        buffer.Add(0, Obs(1), Obs(2), 1, -0f, terminated: true, truncated: false);
        var rows = Stored(buffer, 2);
        Assert.AreEqual(0.1f, rows[0].Reward);
        Assert.AreEqual((float)0.99, rows[0].Discount);
        Assert.IsTrue(float.IsNegative(rows[1].Reward), "-0 stays -0: a one-step return is r itself");
    }

    [TestMethod]
    public void QueuedStepsAreInTheCheckpoint()
    {
        using var whole = new ReplayBuffer(16, Space, envCount: 2, ThreeSteps);
        using var resumed = new ReplayBuffer(16, Space, envCount: 2, ThreeSteps);
        AddEpisode(whole, 2, truncated: false, env: 1, start: 50);
        whole.Add(0, Obs(0), Obs(1), 0, 1, false, false);
        whole.Add(0, Obs(1), Obs(2), 1, 2, false, false);
        using (var stream = new MemoryStream())
        {
            using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                whole.Save(writer);
            }
            stream.Position = 0;
            using var reader = new BinaryReader(stream);
            resumed.Load(reader);
        }
        foreach (var buffer in new[] { whole, resumed })
        {
            buffer.Add(0, Obs(2), Obs(3), 2, 3, terminated: false, truncated: true);
        }
        Assert.AreEqual(5, resumed.Count);
        CollectionAssert.AreEqual(Stored(whole, 5), Stored(resumed, 5));
        Assert.AreEqual(new Row(0, 3, 0, 2.75f, 0, 0.125f), Stored(resumed, 5)[2], "the steps queued before the checkpoint make the 3-step return after it");
    }
}
