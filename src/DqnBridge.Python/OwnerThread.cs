namespace DqnBridge.Python;

/// <summary>What one thread's stack-only owners share: the free ownership cells and the open GIL scopes.</summary>
internal sealed class OwnerThread
{
    [ThreadStatic]
    private static OwnerThread? current;

    private Ownership.Cell? free;

    public static OwnerThread Current => current ??= new OwnerThread();

    public int ManagedThreadId { get; } = Environment.CurrentManagedThreadId;

    /// <summary>How many GIL scopes this thread has open; each scope knows its own level so releases go innermost first.</summary>
    public int OpenGilScopes;

    /// <summary>A free cell of this thread, as an intrusive list: renting and returning cost a few loads and stores.</summary>
    public Ownership.Cell Rent()
    {
        Ownership.Cell? cell = free;
        if (cell is null)
        {
            return new Ownership.Cell(this);
        }
        free = cell.NextFree;
        cell.NextFree = null;
        return cell;
    }

    public void Return(Ownership.Cell cell)
    {
        cell.NextFree = free;
        free = cell;
    }
}
