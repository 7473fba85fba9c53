using System.Numerics.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Training;

/// <summary>
/// An <see cref="ITrainingRowSource"/> over row-major arrays already in memory: streamed training of data that happens to
/// fit (tests compare the two trainers on it), or a source to wrap.
/// </summary>
internal sealed class ArrayRowSource : ITrainingRowSource
{
    private readonly float[] _inputs;
    private readonly float[]? _targets;

    /// <summary>The first <paramref name="rows"/> rows of <paramref name="inputs"/> (and <paramref name="targets"/>, or null), <paramref name="width"/> values each.</summary>
    public ArrayRowSource(float[] inputs, float[]? targets, int rows, int width)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (rows <= 0 || width <= 0) throw new ArgumentException($"An array source needs rows and a width (was {rows} × {width}).");
        if (inputs.Length < (long)rows * width || (targets != null && targets.Length < (long)rows * width))
            throw new ArgumentException($"The arrays hold fewer than {rows} rows × {width} values.");
        // Checked once here, as the contract asks of a pass: the arrays do not change between passes.
        if (!float.IsFinite(TensorPrimitives.Sum(inputs.AsSpan(0, rows * width)))
            || (targets != null && !float.IsFinite(TensorPrimitives.Sum(targets.AsSpan(0, rows * width)))))
            throw new ArgumentException("The training arrays hold a NaN or infinite value: training data must be finite.");
        (_inputs, _targets, RowCount, Width) = (inputs, targets, rows, width);
    }

    /// <inheritdoc/>
    public int Width { get; }

    /// <inheritdoc/>
    public long RowCount { get; }

    /// <inheritdoc/>
    public bool HasTargets => _targets != null;

    /// <inheritdoc/>
    public ITrainingRowPass OpenPass() => new Pass(this);

    private sealed class Pass(ArrayRowSource source) : ITrainingRowPass
    {
        private long _next;

        public bool TryRead(Span<float> input, Span<float> target)
        {
            if (_next == source.RowCount) return false;
            int width = source.Width, offset = checked((int)(_next * width));
            source._inputs.AsSpan(offset, width).CopyTo(input);
            source._targets?.AsSpan(offset, width).CopyTo(target);
            _next++;
            return true;
        }

        public bool TrySkip(Span<float> scratchInput, Span<float> scratchTarget)
        {
            if (_next == source.RowCount) return false;
            _next++;
            return true;
        }

        public void Dispose() { }
    }
}
