using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.ML.Autoencoders.Engine.Specs;

/// <summary>
/// The shape of one row's tensor, without the batch dimension: [784] for a flat row, [1, 28, 28] for a one-channel
/// image (channels, height, width), [T, F] for a window of T steps of F features. Rows are stored flat and row-major,
/// so a layer that only needs the element count reads <see cref="Size"/>. Written to JSON as a plain array.
/// </summary>
[JsonConverter(typeof(TensorShapeJsonConverter))]
public sealed class TensorShape : IEquatable<TensorShape>
{
    private readonly int[] _dimensions;
    private readonly IReadOnlyList<int> _readOnlyDimensions;

    /// <summary>Creates a shape; every dimension must be positive.</summary>
    public TensorShape(params int[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        if (dimensions.Length == 0) throw new ArgumentException("A row's shape needs at least one dimension.", nameof(dimensions));
        long size = 1;
        foreach (int d in dimensions)
        {
            if (d <= 0) throw new ArgumentException($"Every dimension of a shape must be positive (was {Format(dimensions)}).", nameof(dimensions));
            size *= d;
            if (size > int.MaxValue) throw new ArgumentException($"The shape {Format(dimensions)} holds more than {int.MaxValue} values per row.", nameof(dimensions));
        }
        _dimensions = (int[])dimensions.Clone();
        _readOnlyDimensions = Array.AsReadOnly(_dimensions); // not the array itself: a cast back would change the shape
        Size = (int)size;
    }

    /// <summary>The dimensions, outermost first.</summary>
    public IReadOnlyList<int> Dimensions => _readOnlyDimensions;

    /// <summary>How many dimensions.</summary>
    public int Rank => _dimensions.Length;

    /// <summary>The number of values in one row.</summary>
    public int Size { get; }

    /// <summary>Dimension <paramref name="axis"/>.</summary>
    public int this[int axis] => _dimensions[axis];

    /// <summary>A flat row of <paramref name="size"/> values.</summary>
    public static TensorShape Flat(int size) => new(size);

    /// <inheritdoc/>
    public bool Equals(TensorShape? other) => other is not null && _dimensions.AsSpan().SequenceEqual(other._dimensions);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TensorShape);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int d in _dimensions) hash.Add(d);
        return hash.ToHashCode();
    }

    /// <summary>Equal dimensions.</summary>
    public static bool operator ==(TensorShape? a, TensorShape? b) => a is null ? b is null : a.Equals(b);

    /// <summary>Different dimensions.</summary>
    public static bool operator !=(TensorShape? a, TensorShape? b) => !(a == b);

    /// <summary>"[1, 28, 28]".</summary>
    public override string ToString() => Format(_dimensions);

    private static string Format(int[] dimensions) => "[" + string.Join(", ", dimensions) + "]";
}

/// <summary>Writes a <see cref="TensorShape"/> as a JSON array of its dimensions.</summary>
internal sealed class TensorShapeJsonConverter : JsonConverter<TensorShape>
{
    public override TensorShape Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var dimensions = JsonSerializer.Deserialize<int[]>(ref reader, options)
            ?? throw new JsonException("A tensor shape must be an array of positive integers.");
        try
        {
            return new TensorShape(dimensions);
        }
        catch (ArgumentException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    public override void Write(Utf8JsonWriter writer, TensorShape value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (int d in value.Dimensions) writer.WriteNumberValue(d);
        writer.WriteEndArray();
    }
}
