using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Torch;

/// <summary>
/// The two tensor operations whose TorchSharp 0.107 operators convert a number to a <c>Scalar</c> implicitly:
/// <c>a + b</c> is <c>a.add(b, 1)</c> and <c>1 - a</c> is <c>a.negative().add(1, 1)</c>, each with a Scalar left to its
/// finalizer (see <see cref="ImplicitScalarGuard"/> for why that is unsafe). These do the same arithmetic, in the same
/// order, with one Scalar held for the process, so results are unchanged bit for bit. <c>-</c>, <c>*</c> and <c>/</c>
/// between tensors make no Scalar.
/// </summary>
internal static class TensorArithmetic
{
    // Held for the process: every alpha of 1 and the 1 of 1 - x (an integer, as the operators pass it: integer tensors take no floating alpha).
    private static readonly Scalar One = 1.ToScalar();

    /// <summary><paramref name="left"/> + <paramref name="right"/>, as the operator computes it.</summary>
    public static Tensor Plus(this Tensor left, Tensor right) => left.add(right, One);

    /// <summary>1 - <paramref name="x"/>, as <c>1 - x</c> computes it.</summary>
    public static Tensor OneMinus(this Tensor x)
    {
        using var negated = x.negative();
        return negated.add(One, One);
    }
}
