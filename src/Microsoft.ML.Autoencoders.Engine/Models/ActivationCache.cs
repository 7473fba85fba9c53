using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Models;

/// <summary>
/// One arena holding every activation of a <see cref="Sequential"/> for a batch (and, for training, their
/// gradients and the layers' scratch), sized once so that no batch allocates. Slot 0 is the input.
/// Each thread that runs a network needs its own cache; the parameters are shared.
/// </summary>
public sealed class ActivationCache
{
    private readonly float[] _values;
    private readonly float[]? _gradients;
    private readonly int _valuesStart, _gradientsStart;
    private readonly float[] _scratch;
    private readonly int[] _slotOffsets;
    private readonly int[] _slotSizes;
    private readonly int[] _scratchOffsets;
    private readonly int[] _scratchSizes;
    private readonly NonzeroMask? _inputMask;
    private bool _inputMaskIsCurrent;
    private int _gatheredMaskRows = -1;

    internal ActivationCache(Sequential network, int maxBatch, bool forTraining)
    {
        if (maxBatch <= 0) throw new ArgumentOutOfRangeException(nameof(maxBatch));
        MaxBatch = maxBatch;
        int slots = network.Layers.Count + 1;
        _slotOffsets = new int[slots];
        _slotSizes = new int[slots];
        long total = 0;
        for (int s = 0; s < slots; s++)
        {
            _slotOffsets[s] = checked((int)total);
            _slotSizes[s] = network.SlotSize(s);
            total += (long)maxBatch * _slotSizes[s];
        }
        _values = CacheLineAligned.Allocate(checked((int)total), out _valuesStart);
        _gradients = forTraining ? CacheLineAligned.Allocate((int)total, out _gradientsStart) : null;

        _scratchOffsets = new int[network.Layers.Count];
        _scratchSizes = new int[network.Layers.Count];
        long scratch = 0;
        for (int i = 0; i < network.Layers.Count; i++)
        {
            _scratchOffsets[i] = checked((int)scratch);
            _scratchSizes[i] = network.Layers[i].ScratchSizePerSample;
            scratch += (long)maxBatch * _scratchSizes[i];
        }
        _scratch = new float[checked((int)scratch)];

        // A mask for the input, refused above the density where the sparse products stop paying.
        if (network.Layers[0].ReadsSparseInput)
            _inputMask = new NonzeroMask(maxBatch, _slotSizes[0], checked((int)Math.Ceiling((double)maxBatch * _slotSizes[0] * SparseDenseGemm.MaxDensity)));
    }

    /// <summary>The largest batch this cache holds.</summary>
    public int MaxBatch { get; }

    /// <summary>True when gradient buffers exist (the cache was made for training).</summary>
    public bool HasGradients => _gradients != null;

    /// <summary>Slot <paramref name="slot"/>'s values for the first <paramref name="batch"/> rows, [batch, size].</summary>
    public Span<float> Values(int slot, int batch) => _values.AsSpan(_valuesStart + _slotOffsets[slot], batch * _slotSizes[slot]);

    /// <summary>Slot <paramref name="slot"/>'s gradients for the first <paramref name="batch"/> rows.</summary>
    public Span<float> Gradients(int slot, int batch) =>
        (_gradients ?? throw new InvalidOperationException("This cache has no gradients (made for inference)."))
            .AsSpan(_gradientsStart + _slotOffsets[slot], batch * _slotSizes[slot]);

    /// <summary>Layer <paramref name="layer"/>'s scratch for <paramref name="batch"/> rows.</summary>
    public Span<float> Scratch(int layer, int batch) => _scratch.AsSpan(_scratchOffsets[layer], batch * _scratchSizes[layer]);

    /// <summary>Rows [<paramref name="start"/>, <paramref name="start"/> + <paramref name="rows"/>) of slot <paramref name="slot"/>'s values.</summary>
    internal Span<float> Values(int slot, int start, int rows) =>
        _values.AsSpan(_valuesStart + _slotOffsets[slot] + start * _slotSizes[slot], rows * _slotSizes[slot]);

    /// <summary>Rows [<paramref name="start"/>, <paramref name="start"/> + <paramref name="rows"/>) of slot <paramref name="slot"/>'s gradients.</summary>
    internal Span<float> Gradients(int slot, int start, int rows) =>
        (_gradients ?? throw new InvalidOperationException("This cache has no gradients (made for inference)."))
            .AsSpan(_gradientsStart + _slotOffsets[slot] + start * _slotSizes[slot], rows * _slotSizes[slot]);

    /// <summary>Rows [<paramref name="start"/>, <paramref name="start"/> + <paramref name="rows"/>) of layer <paramref name="layer"/>'s scratch.</summary>
    internal Span<float> Scratch(int layer, int start, int rows) =>
        _scratch.AsSpan(_scratchOffsets[layer] + start * _scratchSizes[layer], rows * _scratchSizes[layer]);

    /// <summary>
    /// The job that runs this cache's chains of sample-parallel layers (<see cref="Sequential"/>): one per cache, as a
    /// cache is one thread's, made on the first chain so that no batch allocates.
    /// </summary>
    internal SampleParallelChain Chain => _chain ??= new SampleParallelChain();

    private SampleParallelChain? _chain;

    /// <summary>
    /// Marks the nonzeros of <paramref name="input"/>'s first <paramref name="batch"/> rows (the input slot's, or the caller's) and returns the mask, or null when they hold too many
    /// nonzeros for the sparse product to pay (or the first layer cannot read them). Valid until the next call.
    /// </summary>
    internal NonzeroMask? MaskInput(ReadOnlySpan<float> input, int batch, int threads)
    {
        _gatheredMaskRows = -1;
        _inputMaskIsCurrent = _inputMask != null && _inputMask.TryBuild(input, batch, _slotSizes[0], threads);
        return _inputMaskIsCurrent ? _inputMask : null;
    }

    /// <summary>
    /// Copies the rows of <paramref name="source"/> listed in <paramref name="rows"/> into the input slot and, when the first
    /// layer reads sparse input, marks their nonzeros in the same pass (<see cref="NonzeroMask.TryBuildGathered"/>): the
    /// next forward pass from the input slot takes that mask (<see cref="TakeGatheredInputMask"/>) instead of reading the
    /// batch again. Whoever changes the slot before that pass must call <see cref="ForgetInputMask"/>.
    /// </summary>
    internal void GatherInput(float[] source, ReadOnlySpan<int> rows, int threads)
    {
        int batch = rows.Length;
        if (_inputMask is null)
        {
            RowGather.Gather(source, rows, _slotSizes[0], Values(0, batch), threads);
            return;
        }

        _inputMaskIsCurrent = _inputMask.TryBuildGathered(source, rows, _slotSizes[0], Values(0, batch), threads);
        _gatheredMaskRows = batch;
    }

    /// <summary>
    /// Whether <see cref="GatherInput"/> left a mask for a forward pass over <paramref name="batch"/> rows of the input slot,
    /// and that mask (null when the batch was too dense for the sparse path). Answers true once per gather.
    /// </summary>
    internal bool TakeGatheredInputMask(int batch, out NonzeroMask? mask)
    {
        bool gathered = _gatheredMaskRows == batch;
        _gatheredMaskRows = -1;
        mask = gathered && _inputMaskIsCurrent ? _inputMask : null;
        return gathered;
    }

    /// <summary>The input as <see cref="MaskInput"/> last left it, if that was for <paramref name="batch"/> rows; backward reads it.</summary>
    internal NonzeroMask? InputMask(int batch) =>
        _inputMaskIsCurrent && _inputMask!.Rows == batch ? _inputMask : null;

    /// <summary>Forgets the input's mask, e.g. when the dense path is asked for.</summary>
    internal void ForgetInputMask()
    {
        _inputMaskIsCurrent = false;
        _gatheredMaskRows = -1;
    }

    /// <summary>Zeroes every activation gradient: backward passes accumulate.</summary>
    public void ZeroGradients()
    {
        if (_gradients != null) Array.Clear(_gradients);
    }

    // Slots start at whole multiples of the row sizes from a 64-byte boundary, so with row sizes that are multiples of 16
    // floats every row starts a cache line: two threads writing neighbouring bands of the same rows (a GEMM split by
    // columns, its epilogue) then never share a line. From an arbitrary array start they shared one per row, and
    // bounced it between the cores (a 256×256×64 GEMM + bias + ReLU on two threads: 94 µs unaligned, 60 µs aligned).
}
