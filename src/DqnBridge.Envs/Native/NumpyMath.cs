using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace DqnBridge.Envs.Native;

/// <summary>
/// NumPy's (1.22 to 1.24) <c>cos</c>, <c>sin</c> and scalar <c>**</c> as it computes them on this CPU, so that
/// environments written with NumPy replay bit for bit.
/// <list type="bullet">
/// <item>float64 <c>np.cos</c>/<c>np.sin</c>: on x86-64 CPUs with AVX-512 (SKX), Intel's SVML short-vector
/// kernels (under 4 ulp), which differ from the C library in the last bits for most arguments; elsewhere
/// the C library, as .NET's Math.Cos does. The constants and operation order below follow SVML's published
/// algorithm: reduce by multiples of pi in three parts, then an odd polynomial in the remainder.</item>
/// <item>float32 <c>np.cos</c>/<c>np.sin</c>: NumPy's own kernel wherever the CPU has FMA (x86-64 with AVX2 and
/// FMA3 or AVX-512F, Arm64): Cody-Waite reduction by pi/2 in three parts, then a polynomial; it differs from
/// glibc's cosf/sinf for about 1 float32 in 10,000 of [-0.1, 0.1] (Acrobot's reset range). Elsewhere the C library.</item>
/// <item>float64 scalar <c>x**2</c> (a NumPy float64 scalar or a Python float): the C library's <c>pow</c>, not
/// <c>x*x</c>; glibc 2.36's pow rounds the square the other way for about 1 argument in 1,200.</item>
/// </list>
/// NumPy evaluates a scalar argument with the same kernels as an array.
/// </summary>
public static class NumpyMath
{
    /// <summary>Whether NumPy on this CPU uses the AVX-512 (SKX) float64 kernels (and so do we).</summary>
    public static bool UsesAvx512Kernels { get; } =
        Avx512F.IsSupported && Avx512F.VL.IsSupported && Avx512DQ.IsSupported && Avx512BW.IsSupported && Avx512CD.IsSupported;

    /// <summary>Whether NumPy on this CPU uses its own float32 sin/cos kernel (it needs fused multiply-add).</summary>
    public static bool UsesFloat32Kernel { get; } = (Avx2.IsSupported && Fma.IsSupported) || Avx512F.IsSupported || AdvSimd.Arm64.IsSupported;

    const double InvPi = 0.3183098861837907; // 0x3FD45F306DC9C883
    const double PiHigh = 3.141592653589793; // 0x400921FB54442D18
    const double PiMiddle = 1.224646799147353e-16; // 0x3CA1A62633145C06
    const double PiLow = 2.165713347843828e-32; // 0x395C1CD129024E09

    /// <summary>Cosine rounded as NumPy computes it.</summary>
    public static double Cos(double x) => UsesAvx512Kernels ? SvmlCos(x) : Math.Cos(x);

    /// <summary>Sine rounded as NumPy computes it.</summary>
    public static double Sin(double x) => UsesAvx512Kernels ? SvmlSin(x) : Math.Sin(x);

    /// <summary>SVML's AVX-512 float64 cosine (the low-accuracy variant NumPy links).</summary>
    public static double SvmlCos(double x)
    {
        double a = Math.Abs(x);
        if (!(a < 8388606.0 * PiHigh))
        {
            return Math.Cos(x); // huge, inf or nan: SVML's long reduction; never in our dynamics
        }

        if (a < 7.450580596923828e-09)
        {
            return 1.0;
        }

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
        if (!(Math.Abs(x) <= 16777216.0))
        {
            return Math.Sin(x); // huge, inf or nan: SVML's long reduction
        }

        if (x == 0)
        {
            return x;
        }

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

    /// <summary><c>x**2</c> on a float64 scalar: NumPy's scalar power and Python's float power both call the C library's pow.</summary>
    public static double Square(double x) => Math.Pow(x, 2.0);

    /// <summary>float32 <c>np.cos</c>.</summary>
    public static float Cos(float x) => UsesFloat32Kernel ? NumpySinCos(x, cosine: true) : MathF.Cos(x);

    /// <summary>float32 <c>np.sin</c>.</summary>
    public static float Sin(float x) => UsesFloat32Kernel ? NumpySinCos(x, cosine: false) : MathF.Sin(x);

    /// <summary>NumPy's float32 sin/cos kernel (loops_trigonometric), one lane of it.</summary>
    public static float NumpySinCos(float x, bool cosine)
    {
        if (float.IsNaN(x))
        {
            return float.NaN;
        }
        // Beyond these the three-part reduction loses accuracy and NumPy calls the C library.
        float reductionLimit = cosine ? 71476.0625f : 117435.992f;
        if (!(Math.Abs(x) <= reductionLimit))
        {
            return cosine ? MathF.Cos(x) : MathF.Sin(x);
        }

        // quadrant = round(x * 2/pi) by adding and subtracting 1.5 * 2^23.
        const float twoOverPi = 0.63661975f; // 0x1.45f306p-1
        const float roundingShifter = 12582912f; // 0x1.8p+23
        // NumPy's build (GCC, floating-point contraction on) fuses the multiply and the add.
        float quadrant = MathF.FusedMultiplyAdd(x, twoOverPi, roundingShifter) - roundingShifter;

        // x - quadrant * pi/2 with pi/2 split in three floats.
        float r = MathF.FusedMultiplyAdd(quadrant, -1.570796f, x); // -0x1.921fb0p+0
        r = MathF.FusedMultiplyAdd(quadrant, -3.1391647e-07f, r); // -0x1.5110b4p-22
        r = MathF.FusedMultiplyAdd(quadrant, -5.3903025e-15f, r); // -0x1.846988p-48
        float r2 = r * r;

        float cos = MathF.FusedMultiplyAdd(2.4372266e-05f, r2, -0.001388652f); // 0x1.98e616p-16, -0x1.6c06dcp-10
        cos = MathF.FusedMultiplyAdd(cos, r2, 0.04166662f); // 0x1.55553cp-5
        cos = MathF.FusedMultiplyAdd(cos, r2, -0.5f);
        cos = MathF.FusedMultiplyAdd(cos, r2, 1f);

        float sin = MathF.FusedMultiplyAdd(2.8404097e-06f, r2, -0.00019856491f); // 0x1.7d3bbcp-19, -0x1.a06bbap-13
        sin = MathF.FusedMultiplyAdd(sin, r2, 0.008333397f); // 0x1.11119ap-7
        sin = MathF.FusedMultiplyAdd(sin, r2, -0.16666667f); // -0x1.555556p-3
        sin = MathF.FusedMultiplyAdd(sin, r2, 0f);
        sin = MathF.FusedMultiplyAdd(sin, r, r);

        int k = (int)quadrant + (cosine ? 1 : 0);
        float result = (k & 1) == 0 ? sin : cos;
        // NumPy negates by subtracting from +0, so a negated zero is +0.
        return (k & 2) != 0 ? 0f - result : result;
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
