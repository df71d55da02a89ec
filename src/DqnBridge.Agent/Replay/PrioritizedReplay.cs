using DqnBridge.Envs;

namespace DqnBridge.Agent.Replay;

/// <summary>
/// Proportional prioritized replay (Schaul et al. 2016) over any replay buffer: slot i is drawn with probability
/// p_i / sum p, where p_i = (|TD error| + per_epsilon)^per_alpha from its last update, and a new transition enters at
/// the largest priority seen so far, so it is drawn at least once soon. A batch of B rows takes one draw from each of
/// B equal segments of [0, sum p) (stratified, as in the paper's rank-free variant). Each row's importance weight
/// (N P(i))^-beta is divided by the batch's largest, which leaves (p_min / p_i)^beta with p_min the batch's smallest
/// priority. The buffer underneath tells the sum tree which slots can be drawn (<see cref="IReplaySlotObserver"/>).
/// </summary>
public sealed class PrioritizedReplay : IReplayBuffer, IReplaySlotObserver
{
    private readonly IReplayBuffer _inner;
    private readonly SumTree _tree;
    private readonly double _alpha;
    private readonly double _epsilon;
    private double _maxPriority = 1.0; // before the exponent alpha

    // Since BeginStep: each priority set (slot, then its value before), newest last, and what max priority and beta were.
    private int[] _undoSlots = new int[16];
    private double[] _undoPriorities = new double[16];
    private int _undoEntries;
    private bool _journaling; // from the first BeginStep on
    private double _maxPriorityBeforeStep = 1.0;
    private double _betaBeforeStep = 0.4;

    /// <summary>Prioritized sampling over <paramref name="inner"/>, which it owns from now on.</summary>
    public PrioritizedReplay(IReplayBuffer inner, double alpha, double epsilon)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(alpha);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epsilon);
        _inner = inner;
        _tree = new SumTree(inner.SlotCount);
        _alpha = alpha;
        _epsilon = epsilon;
        inner.SlotObserver = this;
    }

    /// <summary>The importance-sampling exponent for the next batches (the trainer anneals it from per_beta_start to 1).</summary>
    public double Beta { get; set; } = 0.4;

    /// <summary>beta at step <paramref name="step"/> of <paramref name="totalSteps"/>: <paramref name="start"/> at step 0, linearly up to 1 at the last step.</summary>
    public static double AnnealedBeta(double start, long step, long totalSteps) =>
        start + (1.0 - start) * Math.Min(1.0, (double)step / totalSteps);

    /// <summary>The largest |TD error| + per_epsilon seen so far, before the exponent alpha: what new transitions enter with.</summary>
    public double MaxPriority => _maxPriority;

    /// <summary>The mean of p_i = (|TD error| + per_epsilon)^per_alpha over the transitions that can be drawn.</summary>
    public double MeanPriority => _tree.PositiveCount > 0 ? _tree.Total / _tree.PositiveCount : 0;

    /// <summary>The priorities by slot (for tests and logging).</summary>
    public SumTree Tree => _tree;

    /// <inheritdoc/>
    public ElementType InputType => _inner.InputType;
    /// <inheritdoc/>
    public int ObservationBytes => _inner.ObservationBytes;
    /// <inheritdoc/>
    public int Count => _inner.Count;
    /// <inheritdoc/>
    public long MemoryBytes => _inner.MemoryBytes + SumTreeBytes(_inner.SlotCount);
    /// <inheritdoc/>
    public int SlotCount => _inner.SlotCount;

    /// <summary>Prioritized replay observes its own buffer; nothing else may.</summary>
    public IReplaySlotObserver? SlotObserver
    {
        get => null;
        set => throw new NotSupportedException("A prioritized replay buffer reports its slots to nothing else.");
    }

    /// <summary>Bytes of the sum tree over <paramref name="slots"/> slots.</summary>
    public static long SumTreeBytes(int slots) => 2L * (long)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)slots) * sizeof(double);

    /// <inheritdoc/>
    public void Add(int envIndex, ReadOnlySpan<byte> observation, ReadOnlySpan<byte> nextObservation, int action, float reward, bool terminated, bool truncated) =>
        _inner.Add(envIndex, observation, nextObservation, action, reward, terminated, truncated);

    /// <inheritdoc/>
    public void TruncateEpisodes(ReadOnlySpan<byte> currentObservations) => _inner.TruncateEpisodes(currentObservations);

    /// <inheritdoc/>
    void IReplaySlotObserver.OnSampleable(int slot) => SetPriority(slot, Math.Pow(_maxPriority, _alpha));

    /// <inheritdoc/>
    void IReplaySlotObserver.OnRemoved(int slot) => SetPriority(slot, 0);

    /// <summary>Sets a slot's priority in the tree, remembering the old one for <see cref="UndoStep"/>.</summary>
    private void SetPriority(int slot, double priority)
    {
        if (_journaling)
        {
            if (_undoEntries == _undoSlots.Length)
            {
                Array.Resize(ref _undoSlots, _undoEntries * 2);
                Array.Resize(ref _undoPriorities, _undoEntries * 2);
            }
            _undoSlots[_undoEntries] = slot;
            _undoPriorities[_undoEntries++] = _tree[slot];
        }
        _tree.Set(slot, priority);
    }

    /// <inheritdoc/>
    public void BeginStep()
    {
        _inner.BeginStep();
        (_journaling, _undoEntries, _maxPriorityBeforeStep, _betaBeforeStep) = (true, 0, _maxPriority, Beta);
    }

    /// <summary>Puts the buffer underneath, every priority set since <see cref="BeginStep"/> (newest first, so the tree is the same to the bit), max priority and beta back.</summary>
    public void UndoStep()
    {
        if (!_journaling)
        {
            throw new InvalidOperationException("UndoStep without BeginStep.");
        }
        _inner.UndoStep();
        for (int e = _undoEntries - 1; e >= 0; e--)
        {
            _tree.Set(_undoSlots[e], _undoPriorities[e]);
        }
        (_undoEntries, _maxPriority, Beta) = (0, _maxPriorityBeforeStep, _betaBeforeStep);
    }

    /// <summary>Fills every row of <paramref name="batch"/> by priority, with its slot and importance weight.</summary>
    public void Sample(SeededRandom random, ReplayBatch batch)
    {
        double total = _tree.Total;
        if (!(total > 0))
        {
            throw new InvalidOperationException("Cannot sample from an empty replay buffer.");
        }
        int rows = batch.Actions.Length;
        double segment = total / rows;
        double smallest = double.PositiveInfinity;
        Span<double> drawn = rows <= 1024 ? stackalloc double[rows] : new double[rows];
        for (int row = 0; row < rows; row++)
        {
            int slot = _tree.Find((row + random.NextDouble()) * segment);
            batch.Slots[row] = slot;
            drawn[row] = _tree[slot];
            smallest = Math.Min(smallest, drawn[row]);
            _inner.Write(slot, row, batch);
        }
        for (int row = 0; row < rows; row++)
        {
            batch.Weights[row] = (float)Math.Pow(smallest / drawn[row], Beta);
        }
    }

    /// <inheritdoc/>
    public void Write(int slot, int row, ReplayBatch batch) => _inner.Write(slot, row, batch);

    /// <summary>
    /// Sets the priorities of the slots just drawn from their new |TD errors|: p = (|delta| + per_epsilon)^per_alpha.
    /// A slot drawn twice in the batch takes its last row's value.
    /// </summary>
    public void UpdatePriorities(ReadOnlySpan<int> slots, ReadOnlySpan<float> tdErrors)
    {
        for (int i = 0; i < slots.Length; i++)
        {
            double priority = Math.Abs((double)tdErrors[i]) + _epsilon;
            if (!double.IsFinite(priority))
            {
                throw new InvalidOperationException($"The TD error of replay slot {slots[i]} is {tdErrors[i]}; training has diverged (lower learning_rate, or clip gradients with max_grad_norm).");
            }
            _maxPriority = Math.Max(_maxPriority, priority);
            SetPriority(slots[i], Math.Pow(priority, _alpha));
        }
    }

    /// <inheritdoc/>
    public void Save(BinaryWriter writer)
    {
        _inner.Save(writer);
        writer.Write(_maxPriority);
        _tree.Save(writer);
    }

    /// <inheritdoc/>
    public void Load(BinaryReader reader)
    {
        _inner.Load(reader);
        _maxPriority = reader.ReadDouble();
        _tree.Load(reader);
    }

    /// <inheritdoc/>
    public void Dispose() => _inner.Dispose();
}
