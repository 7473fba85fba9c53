using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// One step of a network with an explicit forward and backward pass. Data is a row-major batch:
/// x is [batch, InputSize], y is [batch, OutputSize]. Layers own parameters (views into the model's
/// <see cref="ParameterStore"/>) but no activation memory: the caller's <c>ActivationCache</c> holds x and y,
/// so one network can serve several threads, each with its own cache.
/// </summary>
/// <remarks>
/// A layer owns every rule about itself, so nothing elsewhere asks which type it is: its forward and backward passes,
/// which of its parameters are weights (<see cref="Parameter.Role"/>), how a tangent passes through it (the contractive
/// penalty's forward mode: <see cref="PushTangent"/>, <see cref="PullTangentGradient"/>), and how it writes itself
/// to ONNX (<see cref="ExportOnnx"/>). Its description as data is a <see cref="Specs.LayerSpec"/>.
/// </remarks>
public abstract class Layer
{
    /// <summary>Elements per sample going in.</summary>
    public abstract int InputSize { get; }

    /// <summary>Elements per sample coming out.</summary>
    public abstract int OutputSize { get; }

    /// <summary>
    /// The tensors this layer keeps in the model's store (empty for parameter-free layers): the learnable ones, and any
    /// <see cref="ParameterRole.Buffer"/> it updates itself (batch norm's running statistics), which are saved with the
    /// model but left alone by the optimizer.
    /// </summary>
    public virtual IReadOnlyList<Parameter> Parameters => Array.Empty<Parameter>();

    /// <summary>Floats of per-batch scratch this layer needs between forward and backward (e.g. a dropout mask).</summary>
    public virtual int ScratchSizePerSample => 0;

    /// <summary>True when <see cref="Backward"/> honours <see cref="LayerContext.OverwriteInputGradient"/>.</summary>
    internal virtual bool CanOverwriteInputGradient => false;

    /// <summary>True when <see cref="Backward"/> honours <see cref="LayerContext.OverwriteParameterGradients"/>.</summary>
    internal virtual bool CanOverwriteParameterGradients => false;

    /// <summary>True when the layer reads <see cref="LayerContext.SparseInput"/> if it is given (a dense layer does).</summary>
    internal virtual bool ReadsSparseInput => false;

    /// <summary>
    /// Whether <see cref="Models.Sequential"/> may run this layer on chunks of the batch, several threads at once, in a
    /// chain with its neighbours (<see cref="SampleParallelism"/>). A layer that says so and has parameters must override
    /// <see cref="PrepareChunkGradients"/> and <see cref="ReduceChunkGradients"/>.
    /// </summary>
    internal virtual SampleParallelism SampleParallelism => SampleParallelism.None;

    /// <summary>
    /// Called once before a chained backward pass over <paramref name="chunks"/> chunks on up to <paramref name="workers"/>
    /// threads, on the calling thread: the layer sizes and clears a parameter-gradient block per chunk and its per-thread
    /// buffers, and does any whole-batch preparation (flipping the weights) that the chunk calls then only read.
    /// </summary>
    internal virtual void PrepareChunkGradients(int chunks, int workers)
    {
        if (Parameters.Count > 0)
            throw new NotSupportedException($"A {GetType().Name} layer has parameters but keeps no per-chunk gradients, so it cannot join a sample-parallel chain.");
    }

    /// <summary>
    /// Called once after a chained backward pass, on the calling thread: adds the blocks of chunks 0 .. <paramref name="chunks"/>
    /// − 1 to the parameters' gradients in chunk order (written over instead, under
    /// <see cref="LayerContext.OverwriteParameterGradients"/>, when the layer honours it).
    /// </summary>
    internal virtual void ReduceChunkGradients(int chunks, in LayerContext context) { }

    /// <summary>
    /// This layer's inference over chunks of rows on one thread (with <paramref name="next"/>, the layer after it or null,
    /// when the step takes it in), for a network run band by band (<see cref="Models.RowBandInference"/>); null, the
    /// default, when the layer does not compute each row from that row alone or has no such step.
    /// </summary>
    internal virtual RowBandStep? CreateRowBandStep(Layer? next) => null;

    /// <summary>Fills the parameters with their initial values.</summary>
    public virtual void Initialize(SeededRandom random) { }

    /// <summary>y[batch, OutputSize] = f(x[batch, InputSize]). Overwrites y.</summary>
    public abstract void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context);

    /// <summary>The element-wise function this layer applies, if it is an activation (null for every other layer).</summary>
    public virtual Activation? AppliedActivation => null;

    /// <summary>
    /// Runs this layer into <paramref name="z"/> and <paramref name="next"/> (the layer after it) into <paramref name="y"/>
    /// in one pass, with the same results as the two Forward calls; false (nothing written) when this layer has no fused
    /// form with that one. The layer decides: a dense layer fuses the activations its GEMM epilogue knows, a convolution
    /// applies them to each image's output while it is still in cache. <paramref name="scratch"/> is this layer's own.
    /// </summary>
    internal virtual bool TryForwardActivated(ReadOnlySpan<float> x, Span<float> z, Span<float> y, Span<float> scratch, Layer next, int batch, in LayerContext context)
        => false;

    /// <summary>
    /// Runs <paramref name="below"/> (the layer under this one), this layer, and <paramref name="next"/> (the layer above,
    /// or null) when this layer fuses it as in <see cref="TryForwardActivated"/>, in one pass: this layer forms its own
    /// working copy of its input from <paramref name="belowInput"/> through <see cref="WritePaddedPlanes"/>, image by
    /// image, so the slot between the two layers is never written (the caller makes sure nothing reads it). Returns how
    /// many layers ran: 0 (nothing written), 2 (below and this, output in <paramref name="z"/>) or 3 (and next, output in
    /// <paramref name="y"/>). <paramref name="scratch"/> is this layer's own.
    /// </summary>
    internal virtual int TryForwardFromLayerBelow(Layer below, ReadOnlySpan<float> belowInput, Span<float> z, Span<float> y, Span<float> scratch,
        Layer? next, int batch, in LayerContext context) => 0;

    /// <summary>
    /// Whether <see cref="WritePaddedPlanes"/> can write this layer's output as zero-padded planes of
    /// <paramref name="channels"/>×<paramref name="height"/>×<paramref name="width"/> (its output must have that shape).
    /// </summary>
    internal virtual bool CanWritePaddedPlanes(int channels, int height, int width) => false;

    /// <summary>
    /// Writes this layer's output for the one sample <paramref name="x"/> straight into <paramref name="target"/>'s
    /// zero-padded planes at <paramref name="padded"/>, zeros included: the values
    /// <see cref="DirectConvolution.CopyIntoPadded"/> would write from the output. Only where
    /// <see cref="CanWritePaddedPlanes"/> said so.
    /// </summary>
    internal virtual unsafe void WritePaddedPlanes(float* x, float* padded, in PaddedPlanes target) =>
        throw new NotSupportedException($"{GetType().Name} does not write padded planes.");

    /// <summary>
    /// Whether this layer's backward can hand each sample's input gradient, while it is in cache, to <paramref name="below"/>
    /// (<see cref="LayerContext.InputGradientTaker"/>), whose <see cref="BackwardSample"/> then writes its own input
    /// gradient from it: the gradient slot between the two is never written. A layer that says so must honor the context.
    /// </summary>
    internal virtual bool CanHandInputGradientsTo(Layer below) => false;

    /// <summary>
    /// Whether <see cref="BackwardSample"/> can take the output gradient of a sample laid out as
    /// <paramref name="channels"/>×<paramref name="height"/>×<paramref name="width"/> (this layer's output must have that shape).
    /// </summary>
    internal virtual bool CanTakeSampleGradients(int channels, int height, int width) => false;

    /// <summary>
    /// This layer's backward pass for the one sample whose output gradient is <paramref name="dy"/>: its input gradient
    /// written over <paramref name="dx"/> or added to it, the values <see cref="Backward"/> gives. For layers without
    /// parameters whose backward needs neither x nor y; called from several threads at once, for different samples.
    /// </summary>
    internal virtual unsafe void BackwardSample(float* dy, float* dx, bool overwrite) =>
        throw new NotSupportedException($"{GetType().Name} does not take gradients sample by sample.");

    /// <summary>
    /// Backward through this layer and the layer below it at once, when that one is an activation this layer can fold in:
    /// with <paramref name="x"/> the activation's output y, writes the activation's input gradient dz = (∂L/∂x) ⊙ f'(y)
    /// straight into <paramref name="dz"/> (overwriting it) along with this layer's parameter gradients, and leaves the
    /// activation's own gradient slot alone. False, doing nothing, when this layer cannot; the caller then runs both
    /// backward passes as usual.
    /// </summary>
    internal virtual bool TryBackwardThroughActivation(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dz,
        Layer below, int batch, in LayerContext context) => false;

    /// <summary>
    /// Backward through this layer and <paramref name="below"/> at once, done by the layer below when it can take this
    /// one's backward into its own (an activation offers itself to <see cref="TryBackwardBelowActivation"/>): with
    /// <paramref name="belowInput"/> the lower layer's input and <paramref name="output"/>/<paramref name="outputGradient"/>
    /// this layer's, writes the lower layer's input gradient and parameter gradients. False, doing nothing, otherwise.
    /// </summary>
    internal virtual bool TryBackwardIntoLayerBelow(Layer below, ReadOnlySpan<float> belowInput, ReadOnlySpan<float> output,
        ReadOnlySpan<float> outputGradient, Span<float> belowInputGradient, ReadOnlySpan<float> belowScratch, int batch, in LayerContext context) => false;

    /// <summary>
    /// Backward through the activation above this layer and this layer at once: with <paramref name="activated"/> the
    /// activation's output and <paramref name="activatedGradient"/> the gradient there, this layer forms its own output
    /// gradient (activatedGradient ⊙ f'(activated)) piece by piece while it is in cache, and runs its backward pass from it;
    /// the activation's input gradient slot is never written. Called only with
    /// <see cref="LayerContext.OverwriteInputGradient"/> set. False, doing nothing, when this layer cannot; the caller then
    /// runs both backward passes as usual.
    /// </summary>
    internal virtual bool TryBackwardBelowActivation(ReadOnlySpan<float> x, ReadOnlySpan<float> activated, ReadOnlySpan<float> activatedGradient,
        Span<float> dx, ReadOnlySpan<float> scratch, ActivationLayer activation, int batch, in LayerContext context) => false;

    /// <summary>
    /// Given dL/dy, accumulates dL/dx into <paramref name="dx"/> (unless it is empty: the first layer's input
    /// gradient is never needed; written instead of added under <see cref="LayerContext.OverwriteInputGradient"/>)
    /// and accumulates the parameter gradients. x and y are the forward pass's values.
    /// </summary>
    public abstract void Backward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context);

    /// <summary>
    /// The matrix W [InputSize, OutputSize] when this layer computes y = x·W + b (a dense layer), else null: a tied
    /// decoder layer reuses it transposed, and closed-form penalties that need it read it here.
    /// </summary>
    public virtual Parameter? LinearWeights => null;

    /// <summary>
    /// Writes this layer into an ONNX graph: nodes computing <see cref="LayerExportContext.Output"/> from
    /// <see cref="LayerExportContext.Input"/> as inference does, and initializers for the parameters it owns.
    /// </summary>
    public virtual void ExportOnnx(LayerExportContext context) =>
        throw new NotSupportedException($"A {GetType().Name} layer has no ONNX form, so this network cannot be exported.");

    /// <summary>
    /// Forward-mode differentiation: <paramref name="tangentOut"/> = (∂y/∂x)·<paramref name="tangentIn"/> at the forward
    /// point (x, y) of the last pass, for each of <paramref name="batch"/> rows. The contractive penalty pushes probe
    /// directions through the encoder with it. Layers that cannot say so; the penalty then names them.
    /// </summary>
    public virtual void PushTangent(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scratch,
        ReadOnlySpan<float> tangentIn, Span<float> tangentOut, int batch, in LayerContext context) =>
        throw new NotSupportedException($"The contractive penalty cannot push a tangent through a {GetType().Name} layer.");

    /// <summary>
    /// Reverse mode through <see cref="PushTangent"/>: given g = ∂P/∂tangentOut, writes ∂P/∂tangentIn into
    /// <paramref name="tangentInGradient"/> (unless it is empty) and adds P's gradient through the layer's own state —
    /// its parameters' gradients, and <paramref name="outputGradient"/> (∂P/∂y) when its Jacobian depends on its output.
    /// </summary>
    public virtual void PullTangentGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scratch,
        ReadOnlySpan<float> tangentIn, ReadOnlySpan<float> tangentOutGradient, Span<float> tangentInGradient, Span<float> outputGradient,
        int batch, in LayerContext context) =>
        throw new NotSupportedException($"The contractive penalty cannot differentiate a {GetType().Name} layer.");
}
