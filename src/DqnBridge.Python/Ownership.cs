namespace DqnBridge.Python;

/// <summary>
/// The release guard of a stack-only owner (<see cref="PyReference"/>, <see cref="NumpyArray"/>, <see cref="GilScope"/>).
/// C# cannot forbid copying a ref struct without an analyzer, and a copied owner released twice would decref twice or
/// release the GIL twice. So the released-or-not state lives outside the struct, in a pooled <see cref="Cell"/> that
/// every copy points to with the generation it was issued: the first release through any copy bumps the generation,
/// and a later release or use through another copy throws. Cells are pooled per thread (a ref struct never leaves
/// its thread's stack), so owners allocate nothing in steady state.
/// </summary>
internal readonly struct Ownership
{
    private readonly Cell? cell;
    private readonly long generation;

    private Ownership(Cell cell)
    {
        this.cell = cell;
        generation = cell.Generation;
    }

    /// <summary>Starts the ownership of a new owner on <paramref name="thread"/>, the current thread.</summary>
    public static Ownership Take(OwnerThread thread) => new(thread.Rent());

    /// <summary>Starts the ownership of a new owner on this thread.</summary>
    public static Ownership Take() => Take(OwnerThread.Current);

    /// <summary>False for a default (never-owning or moved-from) owner.</summary>
    public bool IsSet => cell is not null;

    /// <summary>Set and not yet released through this or any copy.</summary>
    public bool IsHeld => cell is not null && cell.Generation == generation;

    /// <summary>The thread that took this ownership; null for a default owner.</summary>
    public OwnerThread? Thread => cell?.Thread;

    /// <summary>Throws unless the owner may still be used.</summary>
    public void ThrowIfReleased(string ownerName)
    {
        if (!IsHeld)
        {
            throw new ObjectDisposedException(ownerName,
                $"This {ownerName} was already released, through this value or a copy of it; it owns nothing any more.");
        }
    }

    /// <summary>
    /// Throws <see cref="InvalidOperationException"/> (before anything is released) when a copy of this owner was
    /// already released; nothing to check for a default owner.
    /// </summary>
    public void ThrowIfReleasedThroughACopy(string ownerName)
    {
        if (cell is not null && cell.Generation != generation)
        {
            throw new InvalidOperationException(
                $"This {ownerName} was already released through a copy of it: an owner must be released exactly once, so do not copy it.");
        }
    }

    /// <summary>Marks the owner released (for every copy) and recycles the cell. Call after <see cref="ThrowIfReleasedThroughACopy"/>.</summary>
    public void Release()
    {
        if (cell is not null)
        {
            cell.Generation++;
            cell.Thread.Return(cell);
        }
    }

    /// <summary>One reusable record; its generation changes each time an owner using it is released.</summary>
    internal sealed class Cell(OwnerThread thread)
    {
        public readonly OwnerThread Thread = thread;
        public long Generation;
        public Cell? NextFree;
    }
}
