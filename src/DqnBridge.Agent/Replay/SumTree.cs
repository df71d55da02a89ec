namespace DqnBridge.Agent.Replay;

/// <summary>
/// A binary tree over slot priorities whose every inner node holds the sum of its two children, so that changing one
/// priority and finding the slot where a running sum crosses a value both take log2(slots) steps. Inner nodes are always
/// recomputed as left + right (never adjusted by a difference), so they are a function of the leaves alone: a tree
/// rebuilt from saved leaves is the same tree to the bit.
/// </summary>
public sealed class SumTree
{
    private readonly double[] _nodes; // _nodes[1] is the root; leaves start at _leafBase
    private readonly int _leafBase;

    /// <summary>A tree of <paramref name="slots"/> priorities, all 0.</summary>
    public SumTree(int slots)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        Slots = slots;
        _leafBase = 1;
        while (_leafBase < slots)
        {
            _leafBase <<= 1;
        }
        _nodes = new double[2 * _leafBase];
    }

    /// <summary>Slots in the tree.</summary>
    public int Slots { get; }

    /// <summary>The sum of all priorities.</summary>
    public double Total => _nodes[1];

    /// <summary>Slots whose priority is above 0 (those that can be drawn).</summary>
    public int PositiveCount { get; private set; }

    /// <summary>The priority of <paramref name="slot"/>.</summary>
    public double this[int slot] => _nodes[_leafBase + slot];

    /// <summary>Sets the priority of <paramref name="slot"/> (0 takes it out of sampling).</summary>
    public void Set(int slot, double priority)
    {
        if (priority < 0 || !double.IsFinite(priority))
        {
            throw new ArgumentOutOfRangeException(nameof(priority), priority, "a priority must be finite and not negative");
        }
        int node = _leafBase + slot;
        PositiveCount += (priority > 0 ? 1 : 0) - (_nodes[node] > 0 ? 1 : 0);
        _nodes[node] = priority;
        for (node >>= 1; node >= 1; node >>= 1)
        {
            _nodes[node] = _nodes[2 * node] + _nodes[2 * node + 1];
        }
    }

    /// <summary>
    /// The slot where the running sum of priorities (in slot order) passes <paramref name="value"/>, a value in [0, Total):
    /// each slot is found for a share of [0, Total) equal to its priority. Never a slot of priority 0, even where
    /// rounding puts <paramref name="value"/> at or past the end.
    /// </summary>
    public int Find(double value)
    {
        if (!(Total > 0))
        {
            throw new InvalidOperationException("Cannot draw from a sum tree whose priorities are all 0.");
        }
        int node = 1;
        while (node < _leafBase)
        {
            int left = 2 * node;
            if (value < _nodes[left] || !(_nodes[left + 1] > 0))
            {
                node = left;
            }
            else
            {
                value -= _nodes[left];
                node = left + 1;
            }
        }
        return node - _leafBase;
    }

    /// <summary>Writes the leaves.</summary>
    public void Save(BinaryWriter writer)
    {
        writer.Write(Slots);
        for (int slot = 0; slot < Slots; slot++)
        {
            writer.Write(this[slot]);
        }
    }

    /// <summary>Reads what <see cref="Save"/> wrote and rebuilds the sums.</summary>
    public void Load(BinaryReader reader)
    {
        int slots = reader.ReadInt32();
        if (slots != Slots)
        {
            throw new InvalidDataException($"Sum tree mismatch: saved {slots} slots, this tree has {Slots}.");
        }
        Array.Clear(_nodes);
        PositiveCount = 0;
        for (int slot = 0; slot < Slots; slot++)
        {
            double priority = reader.ReadDouble();
            if (priority < 0 || !double.IsFinite(priority))
            {
                throw new InvalidDataException($"Sum tree slot {slot} has priority {priority}.");
            }
            _nodes[_leafBase + slot] = priority;
            PositiveCount += priority > 0 ? 1 : 0;
        }
        for (int node = _leafBase - 1; node >= 1; node--)
        {
            _nodes[node] = _nodes[2 * node] + _nodes[2 * node + 1];
        }
    }
}
