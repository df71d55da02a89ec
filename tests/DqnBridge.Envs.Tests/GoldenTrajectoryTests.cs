using System.Runtime.InteropServices;
using System.Text.Json;
using DqnBridge.Envs.Native;

namespace DqnBridge.Envs.Tests;

/// <summary>
/// The built-in environments against trajectories recorded from real Gymnasium 1.3.0 (TestData/golden,
/// format in its README): same seed and actions give the same float32 observations, float64 internal state,
/// rewards and ending step, bit for bit.
/// </summary>
[TestClass]
public sealed class GoldenTrajectoryTests
{
    [TestMethod]
    [DataRow("CartPole-v0")]
    [DataRow("CartPole-v1")]
    [DataRow("MountainCar-v0")]
    [DataRow("Acrobot-v1")]
    public void MatchesGymnasiumBitForBit(string id)
    {
        // CartPole and Acrobot call np.cos/np.sin, whose last bits depend on the CPU; MountainCar calls math.cos.
        if (!id.StartsWith("MountainCar", StringComparison.Ordinal) && !NumpyMath.UsesAvx512Kernels)
        {
            Assert.Inconclusive($"The golden {id} was recorded where NumPy uses its AVX-512 kernels; on this CPU NumPy, and so the built-in, computes other last bits.");
        }
        Replay(id);
    }

    static void Replay(string id)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "TestData", "golden", $"{id}.jsonl");
        using var env = (ClassicControlEnv)NativeEnvs.Create(id);
        var observation = new byte[env.ObservationSpace.ByteSize];
        int episodes = 0, steps = 0;
        bool episodeOver = true;

        foreach (string line in File.ReadLines(path))
        {
            using var record = JsonDocument.Parse(line);
            var root = record.RootElement;
            int seed = root.GetProperty("seed").GetInt32();
            int t = root.GetProperty("t").GetInt32();
            string where = $"{id} {root.GetProperty("policy").GetString()} seed {seed} t {t}";

            if (t == -1)
            {
                Assert.IsTrue(episodeOver, $"{where}: the previous episode should have ended at its last recorded step");
                env.Reset(observation, seed);
                episodes++;
                episodeOver = false;
                // Reset observations depend only on NumPy's seeding: exact for every environment.
                AssertEqual(root.GetProperty("obs"), Floats(observation), $"{where} reset obs");
                AssertEqual(root.GetProperty("state"), env.State, $"{where} reset state");
                continue;
            }

            var result = env.Step(root.GetProperty("action").GetInt32(), observation);
            steps++;
            AssertEqual(root.GetProperty("obs"), Floats(observation), $"{where} obs");
            AssertEqual(root.GetProperty("state"), env.State, $"{where} state");
            Assert.AreEqual(root.GetProperty("reward").GetDouble(), result.Reward, $"{where} reward");
            Assert.AreEqual(root.GetProperty("terminated").GetBoolean(), result.Terminated, $"{where} terminated");
            Assert.AreEqual(root.GetProperty("truncated").GetBoolean(), result.Truncated, $"{where} truncated");
            episodeOver = result.Done;
        }

        Assert.IsTrue(episodeOver, $"{id}: the last episode should have ended");
        Assert.AreEqual(10, episodes, $"{id}: episodes replayed");
        Assert.IsGreaterThan(100, steps, $"{id}: steps replayed");
    }

    static double[] Floats(byte[] observation) => MemoryMarshal.Cast<byte, float>(observation).ToArray().Select(v => (double)v).ToArray();

    static void AssertEqual(JsonElement expected, IReadOnlyList<double> actual, string where)
    {
        var values = expected.EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.HasCount(values.Length, actual, where);
        for (int i = 0; i < values.Length; i++)
        {
            Assert.AreEqual(values[i], actual[i], $"{where} [{i}]: expected {values[i]:R}, got {actual[i]:R}");
        }
    }
}
