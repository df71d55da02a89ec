using System.Runtime;

namespace DqnBridge.Agent.Torch;

/// <summary>
/// Keeps garbage collections out of TorchSharp code that makes <c>Scalar</c>s from doubles implicitly and hands them
/// to libtorch, which our code cannot avoid in torch.optim's AdamW and RMSprop steps and in gradient clipping (Adam's <c>mul_(beta1)</c>,
/// <c>add_(grad, alpha: 1 - beta1)</c>, <c>addcdiv_(..., value: -step_size)</c>, ...). TorchSharp 0.107 leaves such a
/// Scalar to its finalizer and does not keep it alive across the native call, so a collection at that moment (started
/// by any thread's allocations) can finalize it and free the libtorch scalar in use ("Unknown scalar type", or a wrong
/// value). Upstream: the pull requests dotnet/TorchSharp#1434 and dotnet/TorchSharp#1496 (unmerged, so not in 0.107),
/// which dispose the Scalars that implicit conversions create instead of leaving them to the finalizer.
/// <para>
/// Our own code converts nothing implicitly: every Scalar it passes is made with <c>ToScalar()</c> and held by its owner
/// (the reference update's gamma, one and soft-update weights, the CNN's 1/255), and the two operators that would
/// convert one (<c>a + b</c> and <c>1 - a</c>) go through <see cref="TensorArithmetic"/>, so only calls into
/// TorchSharp's own code need this guard. A collection that another thread asks for explicitly (<c>GC.Collect</c>) still ends the
/// region: the runtime allows that, and nothing in DqnBridge does it.
/// </para>
/// <para>
/// Cost: starting the region is one blocking collection per use, negligible beside a CNN step and about a quarter of
/// an MLP reference step (the fused path, the default there, calls no torch.optim). If the runtime cannot grant the
/// region, the code runs unguarded, as without this type. One region per update also left the managed heap of a
/// noisy-net run growing (finalizable TorchSharp objects waiting between regions: 1.36 GB peak RSS after 70k steps of
/// the rainbow-classic-control preset, 242 MB without the regions), which is why Adam, the default, runs
/// <see cref="Updates.HeldScalarAdam"/> instead and needs no region.
/// </para>
/// <para>
/// Delete this type (used in <see cref="Updates.ReferenceUpdate"/> for AdamW, RMSprop and clipping) once the
/// TorchSharp version in Directory.Packages.props includes that fix: torch.optim's step then disposes its Scalars itself.
/// </para>
/// </summary>
internal readonly struct ImplicitScalarGuard : IDisposable
{
    // Bytes the guarded code may allocate (all threads together) before the runtime collects anyway.
    private const long AllocationBudget = 4 << 20;

    private readonly bool _started;

    private ImplicitScalarGuard(bool started) => _started = started;

    /// <summary>Starts a no-GC region for the code up to <see cref="Dispose"/>.</summary>
    public static ImplicitScalarGuard Enter() => new(GC.TryStartNoGCRegion(AllocationBudget));

    public void Dispose()
    {
        // The region may have ended already (an explicit collection, or the budget spent); ending it again would throw.
        if (_started && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            GC.EndNoGCRegion();
        }
    }
}
