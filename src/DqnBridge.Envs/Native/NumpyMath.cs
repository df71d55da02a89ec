using System.Runtime.Intrinsics.X86;

namespace DqnBridge.Envs.Native;

/// <summary>
/// float64 <c>np.cos</c> and <c>np.sin</c> as NumPy computes them on this CPU. On x86-64 CPUs with
/// AVX-512 (SKX), NumPy 1.22+ evaluates them with Intel's SVML short-vector kernels (under 4 ulp),
/// which differ from the C library in the last bits for most arguments; elsewhere it calls the C
/// library, as .NET's Math.Cos does. Gymnasium's CartPole calls np.cos/np.sin, so reproducing it bit for
/// bit needs the same kernel. The constants and operation order below follow SVML's published
/// algorithm: reduce by multiples of pi in three parts, then an odd polynomial in the remainder.
/// </summary>
public static class NumpyMath
{
    /// <summary>Whether NumPy on this CPU uses the AVX-512 kernels (and so do we).</summary>
    public static bool UsesAvx512Kernels { get; } = Avx512F.IsSupported && Avx512DQ.IsSupported && Avx512BW.IsSupported && Avx512CD.IsSupported;

    const double InvPi = 0.3183098861837907; // 0x3FD45F306DC9C883
    const double PiHigh = 3.141592653589793; // 0x400921FB54442D18
    const double PiMiddle = 1.224646799147353e-16; // 0x3CA1A62633145C06
    const double PiLow = 2.165713347843828e-32; // 0x395C1CD129024E09

    public static double Cos(double x) => UsesAvx512Kernels ? SvmlCos(x) : Math.Cos(x);

    public static double Sin(double x) => UsesAvx512Kernels ? SvmlSin(x) : Math.Sin(x);

    /// <summary>SVML's AVX-512 float64 cosine (the low-accuracy variant NumPy links).</summary>
    public static double SvmlCos(double x)
    {
        double a = Math.Abs(x);
        if (!(a < 8388606.0 * PiHigh)) return Math.Cos(x); // huge, inf or nan: SVML's long reduction; never in our dynamics
        if (a < 7.450580596923828e-09) return 1.0;

        // cos(a) = (-1)^n sin(a - (n + 1/2) pi) with n = floor(a / pi), taken from an FMA rounded toward zero.
        double n = FloorOfProduct(a, InvPi);
        bool odd = ((long)n & 1) != 0;
        double shifted = n + 0.5;
        double r = Math.FusedMultiplyAdd(shifted, PiHigh, -a);
        r = Math.FusedMultiplyAdd(PiMiddle, shifted, r);
        double r2 = r * r;
        double reduced = Math.FusedMultiplyAdd(PiLow, shifted, r);

        double p = Math.FusedMultiplyAdd(-7.37280909726507e-13, r2, 1.6048055576979365e-10);
        p = Math.FusedMultiplyAdd(r2, p, -2.505187912674299e-08);
        p = Math.FusedMultiplyAdd(r2, p, 2.755731658449074e-06);
        p = Math.FusedMultiplyAdd(r2, p, -0.00019841269824944275);
        double signed = odd ? -reduced : reduced;
        p = Math.FusedMultiplyAdd(r2, p, 0.00833333333328519);
        double cube = signed * r2;
        p = Math.FusedMultiplyAdd(r2, p, -0.16666666666666183);
        return Math.FusedMultiplyAdd(cube, p, signed);
    }

    /// <summary>SVML's AVX-512 float64 sine (the low-accuracy variant NumPy links).</summary>
    public static double SvmlSin(double x)
    {
        if (!(Math.Abs(x) <= 16777216.0)) return Math.Sin(x); // huge, inf or nan: SVML's long reduction
        if (x == 0) return x;

        // sin(x) = (-1)^n sin(x - n pi) with n = round(x / pi), from the 1.5 * 2^52 shifter trick.
        const double shifter = 6755399441055744.0;
        double shiftedSum = Math.FusedMultiplyAdd(x, InvPi, shifter);
        bool odd = (BitConverter.DoubleToInt64Bits(shiftedSum) & 1) != 0;
        double n = shiftedSum - shifter;
        double r = Math.FusedMultiplyAdd(-n, PiHigh, x);
        r = Math.FusedMultiplyAdd(-PiMiddle, n, r);
        double r2 = r * r;
        double reduced = Math.FusedMultiplyAdd(-PiLow, n, r);

        double p = Math.FusedMultiplyAdd(-7.373344533110665e-13, r2, 1.6048095404959637e-10);
        double cube = reduced * r2;
        p = Math.FusedMultiplyAdd(r2, p, -2.505188027386288e-08);
        p = Math.FusedMultiplyAdd(r2, p, 2.7557316600552628e-06);
        p = Math.FusedMultiplyAdd(r2, p, -0.00019841269825056256);
        p = Math.FusedMultiplyAdd(r2, p, 0.008333333333285542);
        p = Math.FusedMultiplyAdd(r2, p, -0.16666666666666186);
        double result = Math.FusedMultiplyAdd(cube, p, reduced);
        return odd ? -result : result;
    }

    /// <summary>floor(a * b) of the exact product, as an FMA onto 2^52 rounded toward zero gives it.</summary>
    static double FloorOfProduct(double a, double b)
    {
        double high = a * b;
        double low = Math.FusedMultiplyAdd(a, b, -high);
        double floor = Math.Floor(high);
        return floor == high && low < 0 ? floor - 1 : floor;
    }
}
