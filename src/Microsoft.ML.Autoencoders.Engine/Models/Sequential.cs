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
    /// The forward loop. <paramref name="input"/>, when not empty, stands in for slot 0 and <paramref name="output"/> for
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

        for (int i = fromLayer; i < toLayer; i++)
        {
            LayerContext layerContext = i == 0 ? first : context;
            ReadOnlySpan<float> x = i == 0 && !input.IsEmpty ? input : cache.Values(i, batch);
            // A dense layer and the activation after it run as one GEMM with a fused epilogue, same bits as apart. The GEMM
            // writes straight into the activation's slot and the epilogue applies bias and activation in place: the
            // pre-activation slot between them is left as it was, since nothing reads it (activations differentiate
            // through their output, dense layers never read theirs, and slots read from outside are kept written),
            // which saves a store of the layer's whole output.
            Span<float> activated;
            if (i + 1 < toLayer && !_readSlots[i + 1]
                && _layers[i].TryForwardActivated(x, activated = Destination(cache, i + 2, batch, output), activated, cache.Scratch(i, batch), _layers[i + 1], batch, layerContext))
            {
                i++;
                continue;
            }

            _layers[i].Forward(x, Destination(cache, i + 1, batch, output), cache.Scratch(i, batch), batch, layerContext);
        }
    }

    /// <summary>Where slot <paramref name="slot"/> is written: the caller's output for the last slot, when given, else the cache.</summary>
    private Span<float> Destination(ActivationCache cache, int slot, int batch, Span<float> output) =>
        slot == _layers.Length && !output.IsEmpty ? output : cache.Values(slot, batch);

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
        for (int i = fromLayer - 1; i >= toLayer; i--)
        {
            Span<float> dx = i == 0 && !needInputGradient ? Span<float>.Empty : cache.Gradients(i, batch);
            // The first layer reads the same mask its forward pass made (the input slot is unchanged since).
            LayerContext layerContext = i == 0 ? context with { SparseInput = cache.InputMask(batch) } : context;
            // A dense layer over an activation can write the activation's input gradient itself, in the same pass as its own
            // (Layer.TryBackwardThroughActivation); only when the slots are written over, not added to.
            if (overwriteGradients && i - 1 >= toLayer && (i - 1 > 0 || needInputGradient)
                && _layers[i].TryBackwardThroughActivation(cache.Values(i, batch), cache.Gradients(i + 1, batch), cache.Gradients(i - 1, batch),
                    _layers[i - 1], batch, layerContext with { OverwriteInputGradient = true }))
            {
                i--;
                continue;
            }

            // A layer can hand its backward to the layer below it (an activation to the convolution under it, which forms
            // its own output gradient from the activation's), so the gradient between the two never makes a round trip
            // through memory (Layer.TryBackwardIntoLayerBelow).
            if (overwriteGradients && i - 1 >= toLayer && !_readSlots[i] && _layers[i - 1].CanOverwriteInputGradient)
            {
                Span<float> dxBelow = i - 1 == 0 && !needInputGradient ? Span<float>.Empty : cache.Gradients(i - 1, batch);
                LayerContext below = (i - 1 == 0 ? context with { SparseInput = cache.InputMask(batch) } : context) with { OverwriteInputGradient = true };
                if (_layers[i].TryBackwardIntoLayerBelow(_layers[i - 1], cache.Values(i - 1, batch), cache.Values(i + 1, batch), cache.Gradients(i + 1, batch),
                        dxBelow, cache.Scratch(i - 1, batch), batch, below))
                {
                    i--;
                    continue;
                }
            }

            if (overwriteGradients)
            {
                if (_layers[i].CanOverwriteInputGradient) layerContext = layerContext with { OverwriteInputGradient = true };
                else dx.Clear();
            }

            _layers[i].Backward(cache.Values(i, batch), cache.Values(i + 1, batch), cache.Gradients(i + 1, batch), dx,
                cache.Scratch(i, batch), batch, layerContext);
        }
    }

    private static void CheckBatch(ActivationCache cache, int batch)
    {
        if (batch <= 0 || batch > cache.MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"The batch must be in 1..{cache.MaxBatch}, the size the cache was made for.");
    }
}
