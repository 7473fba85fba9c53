using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Scoring;

/// <summary>
/// One passed-through input column of a look-ahead batch: <see cref="AutoencoderCursor"/> reads its input several
/// rows ahead of its caller, so the input's own getters already point past the caller's row. Each row's value is
/// captured as the input cursor passes it and handed out again when the caller reaches that row.
/// </summary>
internal abstract class BufferedColumn
{
    /// <summary>Buffers for <paramref name="column"/> of <paramref name="input"/>, for up to <paramref name="capacity"/> rows.</summary>
    public static BufferedColumn Create(DataViewRowCursor input, DataViewSchema.Column column, int capacity)
    {
        Type type = column.Type is VectorDataViewType vector
            ? typeof(BufferedVectorColumn<>).MakeGenericType(vector.ItemType.RawType)
            : typeof(BufferedValueColumn<>).MakeGenericType(column.Type.RawType);
        return (BufferedColumn)Activator.CreateInstance(type, input, column, capacity)!;
    }

    /// <summary>Copies the input cursor's current value into slot <paramref name="slot"/>.</summary>
    public abstract void Capture(int slot);

    /// <summary>A getter that hands out the value in the slot <paramref name="currentSlot"/> names when it is called.</summary>
    public abstract Delegate Getter(Func<int> currentSlot);
}

/// <summary>A column of plain values (numbers, text, keys, ...), which are copied by assignment.</summary>
internal sealed class BufferedValueColumn<T>(DataViewRowCursor input, DataViewSchema.Column column, int capacity) : BufferedColumn
{
    private readonly ValueGetter<T> _inputGetter = input.GetGetter<T>(column);
    private readonly T[] _values = new T[capacity];

    public override void Capture(int slot) => _inputGetter(ref _values[slot]);

    public override Delegate Getter(Func<int> currentSlot) => (ValueGetter<T>)((ref T value) => value = _values[currentSlot()]);
}

/// <summary>
/// A vector column. Each slot owns its buffers, filled by a deep copy: a getter may hand back arrays it reuses for the
/// next row, and the caller's value must not share the slot's arrays either.
/// </summary>
internal sealed class BufferedVectorColumn<T>(DataViewRowCursor input, DataViewSchema.Column column, int capacity) : BufferedColumn
{
    private readonly ValueGetter<VBuffer<T>> _inputGetter = input.GetGetter<VBuffer<T>>(column);
    private readonly VBuffer<T>[] _values = new VBuffer<T>[capacity];
    private VBuffer<T> _read;

    public override void Capture(int slot)
    {
        _inputGetter(ref _read);
        _read.CopyTo(ref _values[slot]);
    }

    public override Delegate Getter(Func<int> currentSlot) =>
        (ValueGetter<VBuffer<T>>)((ref VBuffer<T> value) => _values[currentSlot()].CopyTo(ref value));
}
