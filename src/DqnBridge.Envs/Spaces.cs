namespace DqnBridge.Envs;

/// <summary>Element type of an observation or action array, named as NumPy names it.</summary>
public enum ElementType
{
    Float32,
    Float64,
    UInt8,
    Int64,
}

public static class ElementTypeExtensions
{
    public static int Size(this ElementType type) => type switch
    {
        ElementType.Float32 => 4,
        ElementType.Float64 => 8,
        ElementType.UInt8 => 1,
        ElementType.Int64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

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
    public bool Contains(int action) => action >= Start && action < Start + N;

    public override string ToString() => Start == 0 ? $"Discrete({N})" : $"Discrete({N}, start={Start})";
}

/// <summary>Gymnasium's <c>Box(low, high, shape, dtype)</c>, with per-element bounds.</summary>
public sealed record BoxSpace : Space
{
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

    public int[] Shape { get; }
    public ElementType Dtype { get; }
    public double[] Low { get; }
    public double[] High { get; }
    public int ElementCount { get; }
    public int ByteSize => ElementCount * Dtype.Size();

    public bool Equals(BoxSpace? other) =>
        other is not null && Dtype == other.Dtype && Shape.SequenceEqual(other.Shape)
        && Low.SequenceEqual(other.Low) && High.SequenceEqual(other.High);

    public override int GetHashCode() => HashCode.Combine(Dtype, Shape.Length, ElementCount);

    public override string ToString() => $"Box(shape=({string.Join(", ", Shape)}), dtype={Dtype.NumpyName()})";
}
