using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Models;

/// <summary>
/// Layers applied one after another. Slot 0 of an <see cref="ActivationCache"/> is the input and slot i+1
/// is layer i's output; forward fills the slots, backward walks them in reverse. Ranges of layers can be run
/// on their own, so an autoencoder can stop at its code (encode) or add a penalty's gradient there.
/// </summary>
public sealed class Sequential
{
    private readonly Layer[] _layers;
    private readonly bool[] _readSlots;

    /// <summary>Chains <paramref name="layers"/>; each layer's input size must equal the previous output size.</summary>
    public Sequential(IEnumerable<Layer> layers)
    {
        _layers = layers.ToArray();
        if (_layers.Length == 0) throw new ArgumentException("A network needs at least one layer.", nameof(layers));
        _readSlots = new bool[_layers.Length + 1];
        for (int i = 1; i < _layers.Length; i++)
        {
            if (_layers[i].InputSize != _layers[i - 1].OutputSize)
            {
                throw new ArgumentException(
                    $"Layer {i} ({_layers[i].GetType().Name}) takes {_layers[i].InputSize} inputs but layer {i - 1} gives {_layers[i - 1].OutputSize}.",
                    nameof(layers));
            }
        }
    }

    /// <summary>
    /// When true (the default), an input batch that is mostly zeros (up to <see cref="Kernels.SparseDenseGemm.MaxDensity"/>
    /// nonzeros, as MNIST's 19 %) reaches the first dense layer with a mask of its nonzeros, which makes that layer's forward
    /// product and weight gradient cost in proportion to them. Same results up to the order of float additions.
    /// </summary>
    public bool UsesSparseInput { get; set; } = true;

    /// <summary>
    /// Marks slot <paramref name="slot"/> as read from outside the layers (the code, a node a penalty reads): a fused
    /// dense + activation pass, which skips writing the slot between the two, is then not used across it.
    /// </summary>
    public void KeepSlotWritten(int slot)
    {
        if (slot < 0 || slot > _layers.Length) throw new ArgumentOutOfRangeException(nameof(slot), slot, $"Slots run from 0 to {_layers.Length}.");
        _readSlots[slot] = true;
    }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>Elements per sample going in.</summary>
    public int InputSize => _layers[0].InputSize;

    /// <summary>Elements per sample coming out.</summary>
    public int OutputSize => _layers[^1].OutputSize;

    /// <summary>Every parameter of every layer, in layer order.</summary>
    public IEnumerable<Parameter> Parameters => _layers.SelectMany(l => l.Parameters);

    /// <summary>Elements per sample of slot <paramref name="slot"/> (0 = input, i + 1 = output of layer i).</summary>
    public int SlotSize(int slot) => slot == 0 ? InputSize : _layers[slot - 1].OutputSize;

    /// <summary>Creates the buffers for batches of up to <paramref name="maxBatch"/> rows.</summary>
    public ActivationCache CreateCache(int maxBatch, bool forTraining) => new(this, maxBatch, forTraining);

    /// <summary>Runs layers [<paramref name="fromLayer"/>, <paramref name="toLayer"/>) forward; their inputs must be in the cache.</summary>
    public void Forward(ActivationCache cache, int batch, in LayerContext context, int fromLayer = 0, int toLayer = -1) =>
        Run(cache, batch, context, fromLayer, toLayer < 0 ? _layers.Length : toLayer, ReadOnlySpan<float>.Empty, Span<float>.Empty);

    /// <summary>
    /// Runs the whole network from <paramref name="input"/> ([batch, InputSize]) into <paramref name="output"/>
    /// ([batch, OutputSize]) without staging either in the cache: the first layer reads the caller's rows and the last
    /// one writes the caller's buffer. For inference: the cache's input and output slots are left as they were, so a
    /// backward pass cannot follow.
    /// </summary>
    public void Forward(ActivationCache cache, ReadOnlySpan<float> input, Span<float> output, int batch, in LayerContext context)
    {
        if (input.Length < (long)batch * InputSize) throw new ArgumentException($"The input must hold {batch}×{InputSize} values.", nameof(input));
        if (output.Length < (long)batch * OutputSize) throw new ArgumentException($"The output must hold {batch}×{OutputSize} values.", nameof(output));
        Run(cache, batch, context, 0, _layers.Length, input.Slice(0, batch * InputSize), output.Slice(0, batch * OutputSize));
    }

    /// <summary>
    /// True (the default) when runs of layers that work image by image (convolutions with the pooling, upsampling and
    /// activations around them) are taken a few images at a time through the whole run on one thread, the threads taking
    /// chunks as they finish (<see cref="SampleParallelChain"/>), instead of each layer splitting the batch over the threads
    /// and waiting for all of them at its end. Same forward values and input gradients; parameter gradients summed chunk
    /// by chunk (in chunk order, so they do not depend on the thread count). Tests turn it off to compare.
    /// </summary>
    internal bool ChainsSamples { get; set; } = true;

    /// <summary>Rows per chunk of a chain; 0 (the default) sizes them from the batch (<see cref="SampleParallelChain.ChunkRows"/>).</summary>
    internal int ChainChunkRows { get; set; }

    /// <summary>
    /// The forward pass. <paramref name="input"/>, when not empty, stands in for slot 0 and <paramref name="output"/> for
    /// the last slot.
    /// </summary>
    private void Run(ActivationCache cache, int batch, in LayerContext context, int fromLayer, int toLayer, ReadOnlySpan<float> input, Span<float> output)
    {
        CheckBatch(cache, batch);
        // The first layer may visit only the input's nonzeros; every other layer gets the context as given.
        LayerContext first = context;
        if (fromLayer == 0 && toLayer > 0)
        {
            if (!UsesSparseInput) cache.ForgetInputMask();
            else if (input.IsEmpty && cache.TakeGatheredInputMask(batch, out NonzeroMask? gathered)) first = context with { SparseInput = gathered };
            else first = context with { SparseInput = cache.MaskInput(input.IsEmpty ? cache.Values(0, batch) : input, batch, context.Threads) };
        }

        ForwardLayers(cache, 0, batch, fromLayer, toLayer, context, first, input, output, ChainsSamples);
    }

    /// <summary>
    /// The forward loop over rows [<paramref name="start"/>, <paramref name="start"/> + <paramref name="rows"/>) of layers
    /// [<paramref name="fromLayer"/>, <paramref name="toLayer"/>): the whole batch, or one chunk of a chain (then
    /// <paramref name="formChains"/> is false and the context carries the chunk). <paramref name="input"/> and
    /// <paramref name="output"/>, when not empty, are the same rows of the caller's buffers.
    /// </summary>
    internal void ForwardLayers(ActivationCache cache, int start, int rows, int fromLayer, int toLayer, in LayerContext context, in LayerContext first,
        ReadOnlySpan<float> input, Span<float> output, bool formChains)
    {
        for (int i = fromLayer; i < toLayer; i++)
        {
            if (formChains && ForwardChainEnd(i, toLayer) is int end and > 0)
            {
                RunForwardChain(cache, rows, i, end, context, input, output);
                i = end - 1;
                continue;
            }

            LayerContext layerContext = i == 0 ? first : context;
            ReadOnlySpan<float> x = i == 0 && !input.IsEmpty ? input : cache.Values(i, start, rows);
            // A layer whose output the layer above copies into a working layout of its own (an upsampling under a direct
            // convolution, which keeps zero-padded planes) can be run by that layer, writing straight into the layout: the
            // slot between them is then never written, as nothing reads it (the layer above keeps its copy for backward,
            // the layer below never reads its output; slots read from outside are kept written).
            if (i + 1 < toLayer && !_readSlots[i + 1])
            {
                bool nextJoins = i + 2 < toLayer && !_readSlots[i + 2];
                int ran = _layers[i + 1].TryForwardFromLayerBelow(_layers[i], x, Destination(cache, i + 2, start, rows, output),
                    nextJoins ? Destination(cache, i + 3, start, rows, output) : Span<float>.Empty, cache.Scratch(i + 1, start, rows),
                    nextJoins ? _layers[i + 2] : null, rows, context);
                if (ran > 0)
                {
                    i += ran - 1;
                    continue;
                }
            }

            // A dense layer and the activation after it run as one GEMM with a fused epilogue, same bits as apart. The GEMM
            // writes straight into the activation's slot and the epilogue applies bias and activation in place: the
            // pre-activation slot between them is left as it was, since nothing reads it (activations differentiate
            // through their output, dense layers never read theirs, and slots read from outside are kept written),
            // which saves a store of the layer's whole output.
            Span<float> activated;
            if (i + 1 < toLayer && !_readSlots[i + 1]
                && _layers[i].TryForwardActivated(x, activated = Destination(cache, i + 2, start, rows, output), activated, cache.Scratch(i, start, rows),
                    _layers[i + 1], rows, layerContext))
            {
                i++;
                continue;
            }

            _layers[i].Forward(x, Destination(cache, i + 1, start, rows, output), cache.Scratch(i, start, rows), rows, layerContext);
        }
    }

    /// <summary>Where slot <paramref name="slot"/>'s rows are written: the caller's output for the last slot, when given, else the cache.</summary>
    private Span<float> Destination(ActivationCache cache, int slot, int start, int rows, Span<float> output) =>
        slot == _layers.Length && !output.IsEmpty ? output : cache.Values(slot, start, rows);

    /// <summary>
    /// Runs layers (<paramref name="toLayer"/>, <paramref name="fromLayer"/>] backward, starting from the gradient
    /// already accumulated in slot <paramref name="fromLayer"/>. The input slot's gradient is computed only when
    /// <paramref name="needInputGradient"/> is set, which saves the first layer's largest GEMM. Gradients are added to
    /// the slots below <paramref name="fromLayer"/>, unless <paramref name="overwriteGradients"/> says those slots hold
    /// nothing yet: then they are written, and the cache's gradients need no clearing before the pass.
    /// </summary>
    public void Backward(ActivationCache cache, int batch, in LayerContext context, int fromLayer = -1, int toLayer = 0,
        bool needInputGradient = false, bool overwriteGradients = false)
    {
        if (fromLayer < 0) fromLayer = _layers.Length;
        CheckBatch(cache, batch);
        if (!cache.HasGradients) throw new InvalidOperationException("This cache was created for inference; create it with forTraining: true.");
        // The first layer reads the same mask its forward pass made (the input slot is unchanged since).
        BackwardLayers(cache, 0, batch, fromLayer, toLayer, context, cache.InputMask(batch), needInputGradient, overwriteGradients, ChainsSamples);
    }

    /// <summary>
    /// The backward loop over rows [<paramref name="start"/>, <paramref name="start"/> + <paramref name="rows"/>): the whole
    /// batch, or one chunk of a chain (then <paramref name="formChains"/> is false, the context carries the chunk and
    /// <paramref name="inputMask"/> is null: no layer that reads it joins a chain).
    /// </summary>
    internal void BackwardLayers(ActivationCache cache, int start, int rows, int fromLayer, int toLayer, in LayerContext context, NonzeroMask? inputMask,
        bool needInputGradient, bool overwriteGradients, bool formChains)
    {
        for (int i = fromLayer - 1; i >= toLayer; i--)
        {
            if (formChains && BackwardChainBottom(i, toLayer) is int bottom and >= 0)
            {
                RunBackwardChain(cache, rows, bottom, i + 1, context, needInputGradient, overwriteGradients);
                i = bottom;
                continue;
            }

            LayerContext layerContext = i == 0 ? context with { SparseInput = inputMask } : context;
            // A dense layer over an activation can write the activation's input gradient itself, in the same pass as its own
            // (Layer.TryBackwardThroughActivation); only when the slots are written over, not added to.
            if (overwriteGradients && i - 1 >= toLayer && (i - 1 > 0 || needInputGradient)
                && _layers[i].TryBackwardThroughActivation(cache.Values(i, start, rows), cache.Gradients(i + 1, start, rows), cache.Gradients(i - 1, start, rows),
                    _layers[i - 1], rows, layerContext with { OverwriteInputGradient = true }))
            {
                i--;
                continue;
            }

            // A layer can hand its backward to the layer below it (an activation to the convolution under it, which forms
            // its own output gradient from the activation's), so the gradient between the two never makes a round trip
            // through memory (Layer.TryBackwardIntoLayerBelow); the layer under that one may in turn take the convolution's
            // input gradient image by image (InputGradientTarget).
            if (overwriteGradients && i - 1 >= toLayer && !_readSlots[i] && _layers[i - 1].CanOverwriteInputGradient)
            {
                var (slotBelow, taker) = InputGradientTarget(i - 1, toLayer, needInputGradient, overwriteGradients);
                LayerContext below = (i - 1 == 0 ? context with { SparseInput = inputMask } : context)
                    with { OverwriteInputGradient = true, InputGradientTaker = taker };
                if (_layers[i].TryBackwardIntoLayerBelow(_layers[i - 1], cache.Values(i - 1, start, rows), cache.Values(i + 1, start, rows),
                        cache.Gradients(i + 1, start, rows), GradientSlot(cache, slotBelow, start, rows), cache.Scratch(i - 1, start, rows), rows, below))
                {
                    i -= taker == null ? 1 : 2;
                    continue;
                }
            }

            var (slot, takerBelow) = InputGradientTarget(i, toLayer, needInputGradient, overwriteGradients);
            Span<float> dx = GradientSlot(cache, slot, start, rows);
            if (takerBelow != null) layerContext = layerContext with { OverwriteInputGradient = true, InputGradientTaker = takerBelow };
            else if (overwriteGradients)
            {
                if (_layers[i].CanOverwriteInputGradient) layerContext = layerContext with { OverwriteInputGradient = true };
                else dx.Clear();
            }

            _layers[i].Backward(cache.Values(i, start, rows), cache.Values(i + 1, start, rows), cache.Gradients(i + 1, start, rows), dx,
                cache.Scratch(i, start, rows), rows, layerContext);
            if (takerBelow != null) i--;
        }
    }

    /// <summary>
    /// Where the input gradient of layer <paramref name="low"/> goes in this pass: the slot below it (−1 when that is the
    /// input's and it is not wanted), or, when the layer under it takes it image by image (a convolution handing its dx
    /// to an upsampling: <see cref="Layer.CanHandInputGradientsTo"/>), that layer's own input gradient slot and the layer,
    /// which the call's context names; the slot between them is then never written. Only when gradients are written over
    /// (both layers write theirs over), the lower layer is in the pass, and its input gradient is wanted.
    /// </summary>
    private (int Slot, Layer? Taker) InputGradientTarget(int low, int toLayer, bool needInputGradient, bool overwriteGradients)
    {
        int below = low - 1;
        if (overwriteGradients && below >= toLayer && (below > 0 || needInputGradient)
            && _layers[below].CanOverwriteInputGradient && _layers[low].CanOverwriteInputGradient && _layers[low].CanHandInputGradientsTo(_layers[below]))
            return (below, _layers[below]);
        return (low == 0 && !needInputGradient ? -1 : low, null);
    }

    private static Span<float> GradientSlot(ActivationCache cache, int slot, int start, int rows) =>
        slot < 0 ? Span<float>.Empty : cache.Gradients(slot, start, rows);

    private int ForwardChainEnd(int from, int toLayer) => SampleParallelChain.ForwardChainEnd(_layers, from, toLayer);

    private int BackwardChainBottom(int top, int toLayer) => SampleParallelChain.BackwardChainBottom(_layers, top, toLayer);

    /// <summary>Runs layers [<paramref name="from"/>, <paramref name="end"/>) forward as one chain (the caller's buffers pinned for it).</summary>
    private unsafe void RunForwardChain(ActivationCache cache, int batch, int from, int end, in LayerContext context, ReadOnlySpan<float> input, Span<float> output)
    {
        fixed (float* pInput = input)
        fixed (float* pOutput = output)
        {
            // An empty span pins as null, which the chain reads as "use the cache's slot".
            cache.Chain.Forward(this, cache, batch, from, end, SampleParallelChain.ChunkRows(ChainChunkRows, batch), context,
                input.IsEmpty ? null : pInput, output.IsEmpty ? null : pOutput);
        }
    }

    /// <summary>Runs layers [<paramref name="bottom"/>, <paramref name="end"/>) backward as one chain.</summary>
    private void RunBackwardChain(ActivationCache cache, int batch, int bottom, int end, in LayerContext context, bool needInputGradient, bool overwriteGradients) =>
        cache.Chain.Backward(this, cache, batch, bottom, end, SampleParallelChain.ChunkRows(ChainChunkRows, batch), context,
            needInputGradient, overwriteGradients);

    private static void CheckBatch(ActivationCache cache, int batch)
    {
        if (batch <= 0 || batch > cache.MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"The batch must be in 1..{cache.MaxBatch}, the size the cache was made for.");
    }
}
