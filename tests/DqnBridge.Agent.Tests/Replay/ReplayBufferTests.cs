using System.Runtime.InteropServices;
using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Replay;
using DqnBridge.Envs;

namespace DqnBridge.Agent.Tests.Replay;

[TestClass]
public sealed class ReplayBufferTests
{
    private static byte[] Obs(params float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private sealed class Batch(int rows, int observationBytes)
    {
        public byte[] Observations { get; } = new byte[rows * observationBytes];
        public byte[] NextObservations { get; } = new byte[rows * observationBytes];
        public long[] Actions { get; } = new long[rows];
        public float[] Rewards { get; } = new float[rows];
        public float[] Dones { get; } = new float[rows];
        public float[] Discounts { get; } = new float[rows];
        public float[] Weights { get; } = new float[rows];
        public int[] Slots { get; } = new int[rows];
        public ReplayBatch View => new(Observations, NextObservations, Actions, Rewards, Dones, Discounts, Weights, Slots);
    }

    [TestMethod]
    public void WrapsAroundKeepingOnlyTheNewestTransitions()
    {
        var space = BoxSpace.Uniform([1], ElementType.Float32, -10, 10);
        using var buffer = new ReplayBuffer(3, space);
        for (int i = 0; i < 5; i++)
        {
            buffer.Add(0, Obs(i), Obs(i + 0.5f), action: i, reward: i * 10, terminated: false, truncated: false);
        }
        Assert.AreEqual(3, buffer.Count);
        var batch = new Batch(200, 4);
        buffer.Sample(new SeededRandom(3), batch.View);
        var seen = MemoryMarshal.Cast<byte, float>(batch.Observations).ToArray().Distinct().Order().ToArray();
        CollectionAssert.AreEqual(new float[] { 2, 3, 4 }, seen);
        for (int row = 0; row < 200; row++)
        {
            float observation = MemoryMarshal.Cast<byte, float>(batch.Observations)[row];
            Assert.AreEqual((long)observation, batch.Actions[row]);
            Assert.AreEqual(observation * 10, batch.Rewards[row]);
            Assert.AreEqual(observation + 0.5f, MemoryMarshal.Cast<byte, float>(batch.NextObservations)[row]);
        }
    }

    [TestMethod]
    public void StoresTheTrueFinalObservationAndOnlyTerminationAsDone()
    {
        var space = BoxSpace.Uniform([2], ElementType.Float64, -10, 10);
        using var buffer = new ReplayBuffer(4, space);
        byte[] AsDoubles(double a, double b) => MemoryMarshal.AsBytes(new[] { a, b }.AsSpan()).ToArray();
        buffer.Add(0, AsDoubles(1, 1), AsDoubles(9, 9), action: 0, reward: 1, terminated: false, truncated: true);
        buffer.Add(0, AsDoubles(2, 2), AsDoubles(7, 7), action: 1, reward: 1, terminated: true, truncated: false);
        var batch = new Batch(50, 8);
        buffer.Sample(new SeededRandom(1), batch.View);
        var observations = MemoryMarshal.Cast<byte, float>(batch.Observations);
        var next = MemoryMarshal.Cast<byte, float>(batch.NextObservations);
        for (int row = 0; row < 50; row++)
        {
            bool truncatedRow = observations[2 * row] == 1;
            Assert.AreEqual(truncatedRow ? 9f : 7f, next[2 * row]);
            Assert.AreEqual(truncatedRow ? 0f : 1f, batch.Dones[row]);
        }
    }

    [TestMethod]
    public void ReportsItsMemory()
    {
        using var buffer = new ReplayBuffer(1000, BoxSpace.Uniform([4], ElementType.Float32, -1, 1));
        Assert.AreEqual(1000L * (16 + 16 + 4 + 4 + 1 + 1), buffer.MemoryBytes);
    }

    [TestMethod]
    public void SaveAndLoadRestoreTheSameSamples()
    {
        var space = BoxSpace.Uniform([1], ElementType.Float32, -10, 10);
        using var buffer = new ReplayBuffer(8, space);
        for (int i = 0; i < 11; i++)
        {
            buffer.Add(0, Obs(i), Obs(-i), i % 2, i, i % 3 == 0, false);
        }
        using var memory = new MemoryStream();
        buffer.Save(new BinaryWriter(memory));
        memory.Position = 0;
        using var copy = new ReplayBuffer(8, space);
        copy.Load(new BinaryReader(memory));
        var a = new Batch(32, 4);
        var b = new Batch(32, 4);
        buffer.Sample(new SeededRandom(5), a.View);
        copy.Sample(new SeededRandom(5), b.View);
        CollectionAssert.AreEqual(a.Observations, b.Observations);
        CollectionAssert.AreEqual(a.NextObservations, b.NextObservations);
        CollectionAssert.AreEqual(a.Dones, b.Dones);
    }

    /// <summary>What the network reads of each observation element type (the replay buffer and the greedy policy convert alike).</summary>
    [TestMethod]
    [DataRow(ElementType.Float32)]
    [DataRow(ElementType.Float64)]
    [DataRow(ElementType.UInt8)]
    [DataRow(ElementType.Int64)]
    public void EveryElementTypeBecomesTheSameFloats(ElementType type)
    {
        double[] values = [3, 0, 7, 255];
        byte[] raw = type switch
        {
            ElementType.Float32 => Obs([.. values.Select(v => (float)v)]),
            ElementType.Float64 => MemoryMarshal.AsBytes(values.AsSpan()).ToArray(),
            ElementType.UInt8 => [.. values.Select(v => (byte)v)],
            _ => MemoryMarshal.AsBytes(values.Select(v => (long)v).ToArray().AsSpan()).ToArray(),
        };
        var floats = new float[values.Length];
        NetworkInput.ToFloats(type, raw, floats);
        CollectionAssert.AreEqual(new float[] { 3, 0, 7, 255 }, floats);
        Assert.AreEqual(type == ElementType.UInt8 ? ElementType.UInt8 : ElementType.Float32, NetworkInput.TypeOf(BoxSpace.Uniform([4], type, 0, 255)));
    }
}
