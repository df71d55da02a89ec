using DqnBridge.Envs.Native;

namespace DqnBridge.Envs.Tests;

/// <summary>
/// NumPy's kernels against values NumPy 1.24.2 computed on an AVX-512 CPU (Debian 12), chosen where NumPy and
/// the C library disagree. The kernels are plain code (fused multiply-adds), so they give these values on any CPU.
/// </summary>
[TestClass]
public sealed class NumpyMathTests
{
    [TestMethod]
    [DataRow(0.3050029237453802, 0.9538460745828665, 0.30029596401359904)] // C library: cos 0.9538460745828664, sin 0.300295964013599
    [DataRow(-0.2141986199118584, 0.9771470528574483, -0.21256443044875425)] // C library: cos 0.9771470528574482, sin -0.21256443044875423
    [DataRow(0.15236911158798772, 0.988414267824561, 0.15178021992617066)] // C library: cos 0.9884142678245611, sin 0.15178021992617063
    [DataRow(-0.22854839546989847, 0.973996302261906, -0.2265639052897308)] // C library: cos 0.9739963022619059, sin -0.22656390528973078
    [DataRow(-10.535571286719978, -0.4439507958775487, 0.8960511653023452)] // C library: cos -0.44395079587754865, sin 0.8960511653023454
    [DataRow(-4.780123371634689, 0.06768260948861475, 0.9977069030395708)] // C library: cos 0.06768260948861474, sin 0.9977069030395709
    public void Float64KernelsGiveNumpysAvx512Values(double x, double cos, double sin)
    {
        Assert.AreEqual(cos, NumpyMath.SvmlCos(x), $"cos({x:R})");
        Assert.AreEqual(sin, NumpyMath.SvmlSin(x), $"sin({x:R})");
    }

    /// <summary>Acrobot's reset state is float32 in [-0.1, 0.1]; its first observation takes NumPy's float32 cos/sin.</summary>
    [TestMethod]
    [DataRow(0xBDBD1689u, 0x3F7EE8DEu, 0xBDBCD1CAu)] // -0.09232814: cos 0.9957408, sin -0.092197016 (sinf -0.09219702)
    [DataRow(0xBDBA835Eu, 0x3F7EF06Au, 0xBDBA4164u)] // -0.091070876: cos 0.9958559, sin -0.090945035 (sinf -0.09094504)
    [DataRow(0x3D2EB165u, 0x3F7FC468u, 0x3D2EA3D6u)] // 0.042649645: cos 0.9990907 (cosf 0.9990906), sin 0.042636715
    [DataRow(0xBD82D493u, 0x3F7F7A52u, 0xBD82BDCCu)] // -0.063882016: cos 0.9979602, sin -0.06383857 (sinf -0.06383858)
    [DataRow(0xBF8C4BABu, 0x3EEA09A0u, 0xBF63B090u)] // -1.0960592: cos 0.45710468 (cosf 0.45710465), sin -0.8894129 (sinf -0.88941294)
    [DataRow(0xBFA50E61u, 0x3E8E2197u, 0xBF75F039u)] // -1.2895013: cos 0.27760002 (cosf 0.2776), sin -0.96069676
    [DataRow(0xC073A6A7u, 0xBF496104u, 0x3F1E0EFFu)] // -3.8070467: cos -0.7866366 (cosf -0.78663653), sin 0.6174163
    [DataRow(0xC50E1FC4u, 0x3F5D2BFFu, 0x3F00EA2Bu)] // -2273.9854: cos 0.8639526, sin 0.5035731 (sinf 0.5035732)
    [DataRow(0x45BE7179u, 0x3F5FF64Eu, 0xBEF801FDu)] // 6094.184: cos 0.87485206 (cosf 0.8748521), sin -0.48439017 (sinf -0.48439014)
    // Large arguments, where the quadrant's fused multiply-add (as NumPy's compiler emits it) matters.
    [DataRow(0xC766CE4Au, 0x3F34FD29u, 0x3F350CBDu)] // -59086.29: cos 0.7069879, sin 0.7072256
    [DataRow(0xC7CE0318u, 0xBF34F046u, 0xBF35199Fu)] // -105478.19: cos -0.7067913, sin -0.7074222
    public void Float32KernelGivesNumpysValues(uint xBits, uint cosBits, uint sinBits)
    {
        float x = BitConverter.UInt32BitsToSingle(xBits);
        Assert.AreEqual(cosBits, BitConverter.SingleToUInt32Bits(NumpyMath.NumpySinCos(x, cosine: true)), $"cos({x:R})");
        Assert.AreEqual(sinBits, BitConverter.SingleToUInt32Bits(NumpyMath.NumpySinCos(x, cosine: false)), $"sin({x:R})");
    }

    [TestMethod]
    public void Float32KernelKeepsNanAndZero()
    {
        Assert.IsTrue(float.IsNaN(NumpyMath.NumpySinCos(float.NaN, cosine: true)));
        Assert.AreEqual(1f, NumpyMath.NumpySinCos(0f, cosine: true));
        Assert.AreEqual(0f, NumpyMath.NumpySinCos(0f, cosine: false));
    }
}
