namespace DqnBridge.Envs;

/// <summary>Element type of an observation or action array, named as NumPy names it.</summary>
public enum ElementType
{
    /// <summary>32-bit float.</summary>
    Float32,
    /// <summary>64-bit float.</summary>
    Float64,
    /// <summary>Byte (pixels).</summary>
    UInt8,
    /// <summary>64-bit integer.</summary>
    Int64,
}

/// <summary>Sizes and NumPy names of <see cref="ElementType"/>.</summary>
public static class ElementTypeExtensions
{
    /// <summary>Bytes per element.</summary>
    public static int Size(this ElementType type) => type switch
    {
        ElementType.Float32 => 4,
        ElementType.Float64 => 8,
        ElementType.UInt8 => 1,
        ElementType.Int64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>The NumPy dtype name, e.g. <c>float32</c>.</summary>
    public static string NumpyName(this ElementType type) => type switch
    {
        ElementType.Float32 => "float32",
        ElementType.Float64 => "float64",
        ElementType.UInt8 => "uint8",
        ElementType.Int64 => "int64",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}

/// <summary>A Gymnasium space: the set an observation or an action belongs to.</summary>
public abstract record Space;

/// <summary>Gymnasium's <c>Discrete(n, start)</c>: the integers start .. start + n - 1.</summary>
public sealed record DiscreteSpace(int N, int Start = 0) : Space
{
    /// <summary>Whether <paramref name="action"/> is in the space.</summary>
    public bool Contains(int action) => action >= Start && action < Start + N;

    /// <inheritdoc/>
    public override string ToString() => Start == 0 ? $"Discrete({N})" : $"Discrete({N}, start={Start})";
}

/// <summary>Gymnasium's <c>Box(low, high, shape, dtype)</c>, with per-element bounds.</summary>
public sealed record BoxSpace : Space
{
    /// <summary>A box of <paramref name="shape"/> and <paramref name="dtype"/> with per-element bounds <paramref name="low"/> and <paramref name="high"/>.</summary>
    public BoxSpace(int[] shape, ElementType dtype, double[] low, double[] high)
    {
        Shape = shape;
        Dtype = dtype;
        ElementCount = shape.Aggregate(1, (product, dim) => product * dim);
        if (low.Length != ElementCount || high.Length != ElementCount)
        {
            throw new ArgumentException($"Box bounds need {ElementCount} elements, got low {low.Length} and high {high.Length}.");
        }
        Low = low;
        High = high;
    }

    /// <summary>A box with the same bounds for every element.</summary>
    public static BoxSpace Uniform(int[] shape, ElementType dtype, double low, double high)
    {
        int count = shape.Aggregate(1, (product, dim) => product * dim);
        return new BoxSpace(shape, dtype, Enumerable.Repeat(low, count).ToArray(), Enumerable.Repeat(high, count).ToArray());
    }

    /// <summary>Shape of one element of the space.</summary>
    public int[] Shape { get; }
    /// <summary>Element type.</summary>
    public ElementType Dtype { get; }
    /// <summary>Lower bound of each element.</summary>
    public double[] Low { get; }
    /// <summary>Upper bound of each element.</summary>
    public double[] High { get; }
    /// <summary>Elements in one observation (the product of the shape).</summary>
    public int ElementCount { get; }
    /// <summary>Bytes in one observation.</summary>
    public int ByteSize => ElementCount * Dtype.Size();

    /// <inheritdoc/>
    public bool Equals(BoxSpace? other) =>
        other is not null && Dtype == other.Dtype && Shape.SequenceEqual(other.Shape)
        && Low.SequenceEqual(other.Low) && High.SequenceEqual(other.High);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Dtype, Shape.Length, ElementCount);

    /// <inheritdoc/>
    public override string ToString() => $"Box(shape=({string.Join(", ", Shape)}), dtype={Dtype.NumpyName()})";
}
