namespace Microsoft.ML.Autoencoders.Engine.Training;

/// <summary>
/// Shuffling within a bounded buffer, for rows that arrive one at a time: the first rows fill it, then each new row takes the
/// place of a uniformly chosen buffered one, which goes out; at the end of the pass the rest go out in a random order. A row
/// can move anywhere later in the pass but at most about a buffer's length earlier, so the order is a local shuffle, as
/// random as the buffer is large against the data. Memory: the buffer, whatever the number of rows.
/// </summary>
internal sealed class ShuffleBuffer
{
    private readonly int _width;
    private readonly float[] _inputs;
    private readonly float[]? _targets;
    private readonly int[] _drainOrder;
    private int _count, _drained;

    /// <summary>Holds up to <paramref name="capacity"/> rows of <paramref name="width"/> values (and as many targets when <paramref name="withTargets"/>).</summary>
    public ShuffleBuffer(int capacity, int width, bool withTargets)
    {
        _width = width;
        _inputs = new float[checked(capacity * width)];
        _targets = withTargets ? new float[checked(capacity * width)] : null;
        _drainOrder = new int[capacity];
        Capacity = capacity;
        Clear();
    }

    /// <summary>The most rows it holds.</summary>
    public int Capacity { get; }

    /// <summary>Empties the buffer for a new pass.</summary>
    public void Clear() => (_count, _drained) = (0, -1);

    /// <summary>
    /// Takes a row in; once the buffer is full, a random buffered row makes room and is copied to <paramref name="outInput"/>
    /// (<paramref name="outTarget"/>), and true is returned. False while it is still filling.
    /// </summary>
    public bool Exchange(ReadOnlySpan<float> input, ReadOnlySpan<float> target, Span<float> outInput, Span<float> outTarget, SeededRandom random)
    {
        if (_count < Capacity)
        {
            Store(_count++, input, target);
            return false;
        }
        int slot = random.NextInt(Capacity);
        Load(slot, outInput, outTarget);
        Store(slot, input, target);
        return true;
    }

    /// <summary>After the pass's last row: the buffered rows, one per call in a random order, until false.</summary>
    public bool TryDrain(Span<float> outInput, Span<float> outTarget, SeededRandom random)
    {
        if (_drained < 0)
        {
            for (int i = 0; i < _count; i++) _drainOrder[i] = i;
            random.Shuffle(_drainOrder.AsSpan(0, _count));
            _drained = 0;
        }
        if (_drained == _count) return false;
        Load(_drainOrder[_drained++], outInput, outTarget);
        return true;
    }

    private void Store(int slot, ReadOnlySpan<float> input, ReadOnlySpan<float> target)
    {
        input.CopyTo(_inputs.AsSpan(slot * _width, _width));
        if (_targets != null) target.CopyTo(_targets.AsSpan(slot * _width, _width));
    }

    private void Load(int slot, Span<float> input, Span<float> target)
    {
        _inputs.AsSpan(slot * _width, _width).CopyTo(input);
        _targets?.AsSpan(slot * _width, _width).CopyTo(target);
    }
}
