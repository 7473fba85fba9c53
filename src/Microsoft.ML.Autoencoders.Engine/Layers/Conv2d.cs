using System.Numerics.Tensors;
using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A 2-D convolution over rows of shape [C, H, W] (channels first, as ONNX and PyTorch store them), giving
/// [F, Ho, Wo]: y[f] = b[f] + Σ_c W[f, c] ⋆ x[c]. Each image is one GEMM, W [F, C·kh·kw] · im2col(x) [C·kh·kw, Ho·Wo];
/// the im2col matrix stays in the layer's scratch for the backward pass, which is two more GEMMs per image (dW, and the
/// input gradient scattered back by col2im).
/// </summary>
public sealed partial class Conv2d : Layer
{
    private readonly Parameter[] _parameters;
    private float[] _columnGradient = []; // grown once, a block per thread (per worker in a chain); the backward pass of one training step uses it
    private float[] _sampleInputGradients = []; // one image's dx per thread, handed to the layer below (LayerContext.InputGradientTaker)
    private DirectLayout? _direct; // remade when the kernel set changes: the 512-bit one lays narrow planes flat

    /// <summary>Creates the layer; <paramref name="geometry"/> fixes the input shape, kernel, stride, dilation and padding.</summary>
    public Conv2d(ConvGeometry geometry, int filters, WeightInitialization initialization, string name = "conv")
    {
        if (filters <= 0) throw new ArgumentOutOfRangeException(nameof(filters));
        if (initialization == WeightInitialization.XavierOrHeByActivation)
            throw new ArgumentException("Resolve XavierOrHeByActivation for the following activation first (WeightInitializer.Resolve).", nameof(initialization));
        if (geometry.OutputHeight <= 0 || geometry.OutputWidth <= 0)
            throw new ArgumentException($"The kernel does not fit the {geometry.Height}×{geometry.Width} input.", nameof(geometry));
        Geometry = geometry;
        Filters = filters;
        Initialization = initialization;
        if (DirectConvolution.Supports(geometry)) _direct = new DirectLayout(geometry, filters, _usesVector512);
        Weights = new Parameter(name + ".weight", filters, geometry.Channels, geometry.KernelHeight, geometry.KernelWidth);
        Bias = new Parameter(name + ".bias", filters) { Role = ParameterRole.Bias };
        _parameters = [Weights, Bias];
    }

    /// <summary>Input shape, kernel, stride, dilation and padding.</summary>
    public ConvGeometry Geometry { get; }

    /// <summary>Output channels.</summary>
    public int Filters { get; }

    /// <summary>The weights' initial distribution.</summary>
    public WeightInitialization Initialization { get; }

    /// <summary>W, [F, C, kh, kw] (ONNX's Conv layout).</summary>
    public Parameter Weights { get; }

    /// <summary>b, [F].</summary>
    public Parameter Bias { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override int InputSize => Geometry.Channels * Geometry.Height * Geometry.Width;

    /// <summary>Written over image by image: the thread that scatters an image's gradient clears it first, while it is hot.</summary>
    internal override bool CanOverwriteInputGradient => true;

    /// <inheritdoc/>
    public override int OutputSize => Filters * Geometry.OutputPositions;

    /// <summary>
    /// What forward keeps for backward, per image: the zero-padded input planes (stride 1, <see cref="DirectConvolution"/>),
    /// else the im2col matrix [C·kh·kw, Ho·Wo].
    /// </summary>
    public override int ScratchSizePerSample => _direct?.PaddedInputSize ?? Geometry.PatchSize * Geometry.OutputPositions;

    /// <summary>True when the layer convolves directly from padded planes rather than through im2col and a GEMM.</summary>
    public bool IsDirect => _direct != null;

    /// <summary>
    /// Whether the direct path runs its 512-bit kernels: by default where the CPU table says a core retires two 512-bit
    /// FMAs a cycle (<see cref="DirectConvolution.PreferVector512"/>). Tests set it to hold both paths to the reference on
    /// one machine; forward outputs and input gradients have the same bits either way, weight gradients not quite. The
    /// padded layout follows it (<see cref="ScratchSizePerSample"/> changes), so it is set before the layer's scratch is sized.
    /// </summary>
    internal bool UsesVector512
    {
        get => _usesVector512;
        set
        {
            if (value && !DirectConvolution.Vector512Supported) throw new PlatformNotSupportedException("The 512-bit kernels need AVX-512.");
            if (value == _usesVector512) return;
            _usesVector512 = value;
            if (_direct != null) _direct = new DirectLayout(Geometry, Filters, value);
        }
    }

    private bool _usesVector512 = DirectConvolution.PreferVector512;

    /// <summary>True when the direct path lays its planes out flat (narrow planes on the 512-bit kernels: <see cref="DirectConvolution.FlatPlanesApply"/>).</summary>
    internal bool UsesFlatPlanes => _direct?.Flat != null;

    /// <summary>
    /// The scratch must hold this layout's planes for every image: a cache sized before <see cref="UsesVector512"/> changed
    /// the layout would otherwise be written past its slice, or read in the other layout.
    /// </summary>
    private void CheckScratch(ReadOnlySpan<float> scratch, int batch)
    {
        if (_direct != null && scratch.Length < (long)batch * _direct.PaddedInputSize)
            throw new InvalidOperationException($"The scratch holds {scratch.Length} floats, not the {(long)batch * _direct.PaddedInputSize} this layout needs: " +
                "the cache was made before the kernel set changed.");
    }

    /// <summary>Xavier/He with Keras' fans for convolutions: fan-in C·kh·kw, fan-out F·kh·kw.</summary>
    public override void Initialize(SeededRandom random)
    {
        int kernel = Geometry.KernelHeight * Geometry.KernelWidth;
        WeightInitializer.Fill(Weights.Values, Geometry.Channels * kernel, Filters * kernel, Initialization, random);
        Bias.Values.Clear();
    }

    /// <summary>Images are split over the threads, each image one single-threaded GEMM (they are small: 16×9×784 on MNIST).</summary>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
        => Run(x, y, scratch, batch, context, activation: null);

    /// <summary>
    /// The convolution and the activation after it in one pass over the batch: each image's output gets the activation
    /// in place right after it is computed, while it is in cache (the same kernel as the activation layer's, so the same
    /// bits), instead of the activation layer reading and writing the whole batch again on one thread.
    /// </summary>
    internal override bool TryForwardActivated(ReadOnlySpan<float> x, Span<float> z, Span<float> y, Span<float> scratch, Layer next, int batch, in LayerContext context)
    {
        if (next is not ActivationLayer { HasFusedForm: true } activation) return false;
        Run(x, y, scratch, batch, context, activation);
        return true;
    }

    /// <summary>
    /// The direct path with the layer below (an upsampling) writing each image's padded planes from its own input, and the
    /// activation above fused as in <see cref="TryForwardActivated"/> when it has a fused form: the slot between the two
    /// layers, which only this layer's forward would read, is never written nor read (the L6 input of the Keras-blog
    /// network is 16×28×28 floats an image, written by the upsampling and read back to be copied into the planes).
    /// </summary>
    internal override int TryForwardFromLayerBelow(Layer below, ReadOnlySpan<float> belowInput, Span<float> z, Span<float> y, Span<float> scratch,
        Layer? next, int batch, in LayerContext context)
    {
        var g = Geometry;
        // Flat planes (narrow layers on the 512-bit path) are written by their own copy, which reads the plain input.
        if (_direct == null || _direct.Flat != null || !below.CanWritePaddedPlanes(g.Channels, g.Height, g.Width)) return 0;
        ActivationLayer? activation = next is ActivationLayer { HasFusedForm: true } fusable ? fusable : null;
        Run(belowInput, activation != null ? y : z, scratch, batch, context, activation, inputWriter: below);
        return activation != null ? 3 : 2;
    }

    private unsafe void Run(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context, ActivationLayer? activation,
        Layer? inputWriter = null)
    {
        CheckScratch(scratch, batch);
        var fused = new FusedActivation(activation);
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pScratch = scratch)
        fixed (float* pw = Weights.Values)
        fixed (float* pb = Bias.Values)
        {
            if (_direct != null) ParallelRange.Run(batch, context.Threads, new ForwardDirect(this, px, py, pScratch, pw, pb, fused, inputWriter), grain: 1, minPerThread: 1);
            else ParallelRange.Run(batch, context.Threads, new ForwardImages(this, px, py, pScratch, fused), grain: 1, minPerThread: 1);
        }
    }

    /// <summary>The activation a forward pass applies to each image's output in place, if any.</summary>
    private readonly struct FusedActivation(ActivationLayer? layer)
    {
        private readonly bool _active = layer != null;
        private readonly Activation _kind = layer?.Kind ?? Activation.Linear;
        private readonly float _slope = layer?.FusedSlope ?? 0f;

        /// <summary>A ReLU, which the direct kernels apply themselves as they store (<see cref="DirectConvolution.Correlate"/>).</summary>
        public bool IsRelu => _active && _kind == Activation.Relu;

        public unsafe void ApplyInPlace(float* values, int count)
        {
            if (_active) ElementwiseActivation.Run(values, null, values, count, _kind, _slope);
        }
    }

    /// <summary>
    /// Each image copied into its zero-padded planes in the scratch (kept for dW), or written there by
    /// <paramref name="inputWriter"/> from its own input <paramref name="x"/>, then correlated directly.
    /// </summary>
    private readonly unsafe partial struct ForwardDirect(Conv2d layer, float* x, float* y, float* scratch, float* weights, float* bias, FusedActivation activation,
        Layer? inputWriter) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            if (layer._direct!.Flat != null) { ExecuteFlat(start, end); return; }
            var g = layer.Geometry;
            var d = layer._direct!;
            var planes = new PaddedPlanes(g.Channels, g.Height, g.Width, d.PaddedHeight, d.InputRowStride, g.PadTop, g.PadLeft);
            for (int n = start; n < end; n++)
            {
                float* padded = scratch + (nint)n * d.PaddedInputSize;
                float* output = y + (nint)n * layer.OutputSize;
                if (inputWriter != null) inputWriter.WritePaddedPlanes(x + (nint)n * inputWriter.InputSize, padded, planes);
                else DirectConvolution.CopyIntoPadded(x + (nint)n * layer.InputSize, g.Channels, g.Height, g.Width, padded, d.PaddedHeight, d.InputRowStride, g.PadTop, g.PadLeft);
                DirectConvolution.Correlate(padded, g.Channels, d.PaddedHeight, d.InputRowStride, weights, bias, layer.Filters, g.KernelHeight, g.KernelWidth,
                    output, g.OutputHeight, g.OutputWidth, accumulate: false, layer._usesVector512, relu: activation.IsRelu);
                if (!activation.IsRelu) activation.ApplyInPlace(output, layer.OutputSize);
            }
        }
    }

    private readonly unsafe struct ForwardImages(Conv2d layer, float* x, float* y, float* scratch, FusedActivation activation) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            var g = layer.Geometry;
            int patch = g.PatchSize, positions = g.OutputPositions, filters = layer.Filters;
            ReadOnlySpan<float> w = layer.Weights.Values, b = layer.Bias.Values;
            for (int n = start; n < end; n++)
            {
                var cols = new Span<float>(scratch + (nint)n * patch * positions, patch * positions);
                Im2Col.Gather(g, new ReadOnlySpan<float>(x + (nint)n * layer.InputSize, layer.InputSize), cols);
                var output = new Span<float>(y + (nint)n * layer.OutputSize, layer.OutputSize);
                Gemm.Multiply(Transpose.No, Transpose.No, filters, positions, patch, 1f, w, patch, cols, positions, 0f, output, positions, threads: 1);
                for (int f = 0; f < filters; f++)
                {
                    Span<float> plane = output.Slice(f * positions, positions);
                    TensorPrimitives.Add(plane, b[f], plane);
                }
                activation.ApplyInPlace(y + (nint)n * layer.OutputSize, layer.OutputSize);
            }
        }
    }

    /// <summary>
    /// Called on its own (not as a chunk of a chain), the backward pass sums dW and db over this many fixed groups of images
    /// (fewer for smaller batches), each group into a block of its own, and adds the blocks in order: the split depends on
    /// the batch size and the machine only, never on the thread count a call asks for, so on a given machine a convolution
    /// outside any chain (the first layer under a batch norm, a 1-D convolution under a dense layer) gives every thread
    /// count the same bits, as a chained one does. One group per processor, as the chains' chunks
    /// (<see cref="Models.SampleParallelChain.DefaultChunks"/>): a run on every processor then pays what it paid when the
    /// groups were the threads' shares, while a fixed 16 made a one-thread pass over small images (8×8, 8 channels) about
    /// 15 % slower, each group repacking the kernel and folding its lane sums. Settable so a test on a machine of one or two
    /// processors can ask for more groups than threads, the only split where summing per thread instead of per group shows.
    /// </summary>
    internal int WeightGradientGroups
    {
        get => _weightGradientGroups;
        set => _weightGradientGroups = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "At least one group.");
    }

    private int _weightGradientGroups = Models.SampleParallelChain.DefaultChunks;

    // Sums of the weight and bias gradients, one block of F·K + F per group of images, or per chunk of a chain
    // (PrepareChunkGradients), added into the parameters' gradients in order afterwards.
    private float[] _partialGradients = [];

    /// <summary>
    /// Threads take whole groups of images (<see cref="WeightGradientGroups"/>): each group adds its images' dW and db into
    /// a block of its own (summed into the parameters' gradients afterwards), with the thread's buffers, and scatters its
    /// images' input gradients, which no other thread touches.
    /// </summary>
    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
        => RunBackward(dy, dx, scratch, batch, context, ReadOnlySpan<float>.Empty, activation: null);

    /// <summary>
    /// The direct path forms each image's output gradient from the activation above (its output and gradient) just
    /// before using it, in a per-thread buffer, with the activation's own gradient kernel (the same bits as apart).
    /// </summary>
    internal override bool TryBackwardBelowActivation(ReadOnlySpan<float> x, ReadOnlySpan<float> activated, ReadOnlySpan<float> activatedGradient,
        Span<float> dx, ReadOnlySpan<float> scratch, ActivationLayer activation, int batch, in LayerContext context)
    {
        if (_direct == null) return false;
        RunBackward(activatedGradient, dx, scratch, batch, context, activated, activation);
        return true;
    }

    /// <summary>
    /// The direct path hands each image's dx to a layer below that takes its output gradients image by image (not from flat
    /// planes, whose backward writes dx its own way).
    /// </summary>
    internal override bool CanHandInputGradientsTo(Layer below) =>
        _direct != null && _direct.Flat == null && below.CanTakeSampleGradients(Geometry.Channels, Geometry.Height, Geometry.Width);

    private unsafe void RunBackward(ReadOnlySpan<float> dy, Span<float> dx, ReadOnlySpan<float> scratch, int batch, in LayerContext context,
        ReadOnlySpan<float> activated, ActivationLayer? activation)
    {
        CheckScratch(scratch, batch);
        int patch = Geometry.PatchSize, positions = Geometry.OutputPositions;
        int groups, parts, block, worker;
        if (context.Chunk is { } chunk)
        {
            // One chunk of a chain: PrepareChunkGradients sized and cleared everything before the chain; the chunk adds into
            // its own gradient block, with the worker's buffers (another thread may be in this method on another chunk).
            if (chunk.Index >= _preparedChunks || chunk.Worker >= _preparedWorkers)
                throw new InvalidOperationException("A chunk's backward pass came before PrepareChunkGradients made its blocks.");
            groups = parts = 1;
            block = ChunkBlockStride;
            worker = chunk.Worker;
        }
        else
        {
            groups = Math.Clamp(batch, 1, WeightGradientGroups); // one (empty) group for an empty batch, so the gradients are still written
            parts = ParallelRange.Parts(groups, context.Threads, minPerThread: 1);
            block = Filters * patch + Filters;
            worker = 0;
            if (_partialGradients.Length < groups * block) _partialGradients = new float[groups * block];
            Array.Clear(_partialGradients, 0, groups * block);
            if (_direct != null) _direct.EnsureBackwardBuffers(parts, Weights.Values, activation is not null and not ReluLayer ? OutputSize : 0);
            else if (!dx.IsEmpty && _columnGradient.Length < parts * patch * positions) _columnGradient = new float[parts * patch * positions];
            if (context.InputGradientTaker != null && _sampleInputGradients.Length < parts * InputSize) _sampleInputGradients = new float[parts * InputSize];
        }
        if (context.InputGradientTaker != null && _direct == null)
            throw new InvalidOperationException("Only the direct path hands its input gradients to the layer below (CanHandInputGradientsTo).");

        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        fixed (float* pScratch = scratch)
        fixed (float* pPartials = _partialGradients)
        fixed (float* pColumns = _columnGradient)
        fixed (float* pActivated = activated)
        fixed (float* pSampleGradients = _sampleInputGradients)
        {
            // In a chunk, group 0 and part 0 of the kernel are the chunk: its block and the worker's buffers are where theirs would be.
            float* partials = pPartials + (context.Chunk is { } c ? (nint)c.Index * block : 0);
            if (_direct != null)
            {
                fixed (float* pPadded = _direct.PaddedGradient)
                fixed (float* pOutputGradient = _direct.OutputGradient)
                {
                    var kernel = new BackwardDirect(this, pdy, dx.IsEmpty ? null : pdx, pScratch, partials, block,
                        pPadded + (nint)worker * _direct.PaddedGradientBlockSize, pOutputGradient + (nint)worker * OutputSize, batch, groups, parts,
                        context.OverwriteInputGradient, activation, pActivated,
                        context.InputGradientTaker, pSampleGradients + (nint)worker * InputSize);
                    if (parts == 1) kernel.Execute(0, groups);
                    else ParallelRange.Run(groups, context.Threads, kernel, grain: 1, minPerThread: 1);
                }
            }
            else
            {
                var kernel = new BackwardImages(this, pdy, dx.IsEmpty ? null : pdx, pScratch, partials, block, pColumns + (nint)worker * patch * positions,
                    batch, groups, parts, context.OverwriteInputGradient);
                if (parts == 1) kernel.Execute(0, groups);
                else ParallelRange.Run(groups, context.Threads, kernel, grain: 1, minPerThread: 1);
            }
        }

        if (context.Chunk == null) AddPartialGradients(groups, block);
    }

    /// <summary>Adds the first <paramref name="count"/> partial blocks (<paramref name="stride"/> floats apart) to dW and db, in order.</summary>
    private void AddPartialGradients(int count, int stride)
    {
        int weights = Filters * Geometry.PatchSize;
        Span<float> dW = Weights.Gradients, db = Bias.Gradients;
        for (int p = 0; p < count; p++)
        {
            ReadOnlySpan<float> partial = _partialGradients.AsSpan(p * stride, weights + Filters);
            TensorPrimitives.Add(dW, partial.Slice(0, weights), dW);
            TensorPrimitives.Add(db, partial.Slice(weights, Filters), db);
        }
    }

    /// <summary>Images go through a chain a chunk at a time (<see cref="Models.SampleParallelChain"/>); the heaviest of its layers.</summary>
    internal override SampleParallelism SampleParallelism => SampleParallelism.Preferred;

    // The chunks and threads the blocks were last made for; a chunk call beyond them is a caller's error, caught before it writes.
    private int _preparedChunks, _preparedWorkers;

    /// <summary>Floats between two chunks' gradient blocks: whole cache lines, so two threads adding into neighbouring blocks never share one.</summary>
    private int ChunkBlockStride => DirectConvolution.RoundUp(Filters * Geometry.PatchSize + Filters, 16);

    /// <summary>
    /// A zeroed dW and db block per chunk, and the per-thread buffers for <paramref name="workers"/> threads; the weights are
    /// flipped for the input gradient once here, which every chunk then reads.
    /// </summary>
    internal override void PrepareChunkGradients(int chunks, int workers)
    {
        int size = chunks * ChunkBlockStride, patch = Geometry.PatchSize, positions = Geometry.OutputPositions;
        if (_partialGradients.Length < size) _partialGradients = new float[size];
        Array.Clear(_partialGradients, 0, size);
        // The output-gradient buffers are made whatever the activation above: whether it folds in is decided chunk by chunk.
        if (_direct != null) _direct.EnsureBackwardBuffers(workers, Weights.Values, OutputSize);
        else if (_columnGradient.Length < workers * patch * positions) _columnGradient = new float[workers * patch * positions];
        // Whether a chunk hands its input gradients down is decided chunk by chunk too.
        if (_direct != null && _sampleInputGradients.Length < workers * InputSize) _sampleInputGradients = new float[workers * InputSize];
        _preparedChunks = chunks;
        _preparedWorkers = workers;
    }

    /// <summary>The chunks' blocks added to dW and db in chunk order: the same sums whichever thread ran which chunk.</summary>
    internal override void ReduceChunkGradients(int chunks, in LayerContext context)
    {
        AddPartialGradients(chunks, ChunkBlockStride);
        _preparedChunks = _preparedWorkers = 0;
    }

    /// <summary>
    /// The im2col backward pass over groups [firstGroup, endGroup) of a batch cut into <paramref name="groups"/> (each into its
    /// own block of <paramref name="partials"/>), with the buffers of the thread's part of <paramref name="parts"/>.
    /// </summary>
    private readonly unsafe struct BackwardImages(Conv2d layer, float* dy, float* dx, float* scratch, float* partials, int block, float* columns, int batch,
        int groups, int parts, bool overwrite) : IRangeKernel
    {
        public void Execute(int firstGroup, int endGroup)
        {
            int part = ParallelRange.PartStartingAt(firstGroup, groups, parts);
            for (int group = firstGroup; group < endGroup; group++)
            {
                var (start, end) = ParallelRange.Range(batch, group, groups, grain: 1);
                ExecuteGroup(start, end, partials + (nint)group * block, part);
            }
        }

        private void ExecuteGroup(int start, int end, float* groupGradients, int part)
        {
            var g = layer.Geometry;
            int patch = g.PatchSize, positions = g.OutputPositions, filters = layer.Filters;
            var dW = new Span<float>(groupGradients, filters * patch);
            var db = new Span<float>(groupGradients + filters * patch, filters);
            ReadOnlySpan<float> w = layer.Weights.Values;
            for (int n = start; n < end; n++)
            {
                var cols = new ReadOnlySpan<float>(scratch + (nint)n * patch * positions, patch * positions);
                var gradient = new ReadOnlySpan<float>(dy + (nint)n * layer.OutputSize, layer.OutputSize);
                // dW[F, K] += dY[F, P] · colsᵀ[P, K]
                Gemm.Multiply(Transpose.No, Transpose.Yes, filters, patch, positions, 1f, gradient, positions, cols, positions, 1f, dW, patch, threads: 1);
                for (int f = 0; f < filters; f++) db[f] += TensorPrimitives.Sum(gradient.Slice(f * positions, positions));
                if (dx == null) continue;
                // dcols[K, P] = Wᵀ[K, F] · dY[F, P], then added back to the input positions each column came from.
                var columnGradient = new Span<float>(columns + (nint)part * patch * positions, patch * positions);
                Gemm.Multiply(Transpose.Yes, Transpose.No, patch, positions, filters, 1f, w, patch, gradient, positions, 0f, columnGradient, positions, threads: 1);
                var image = new Span<float>(dx + (nint)n * layer.InputSize, layer.InputSize);
                if (overwrite) image.Clear();
                Im2Col.Scatter(g, columnGradient, image);
            }
        }
    }

    /// <summary>
    /// The direct backward pass of a stride-1 layer, image by image: dy is copied once into zero-padded planes, which serve
    /// both dW (its rows, with the padded input forward kept) and dx (the correlation of the padded planes with the flipped
    /// kernel: dy padded by kernel − 1 − padding); db comes from dy's sums. The weight gradient takes
    /// <see cref="DirectLayout.GradientGroup"/> images at a time, so its kernels end their passes with horizontal sums once
    /// per gradient group; those start at the first image of the kernel's group (<paramref name="groups"/>, each summed into its
    /// own block of <paramref name="partials"/>), so the sums depend on the batch size only, not on the threads.
    /// With a <paramref name="taker"/>, each image's dx goes to a per-thread buffer, from which the layer below writes its
    /// own input gradient into <paramref name="dx"/>.
    /// </summary>
    private readonly unsafe partial struct BackwardDirect(Conv2d layer, float* dy, float* dx, float* scratch, float* partials, int block,
        float* paddedGradients, float* outputGradients, int batch, int groups, int parts, bool overwrite, ActivationLayer? activation, float* activated,
        Layer? taker, float* sampleGradients) : IRangeKernel
    {
        /// <summary>Groups [firstGroup, endGroup) of the batch, each into its own gradient block, with the buffers of the thread's part.</summary>
        public void Execute(int firstGroup, int endGroup)
        {
            int part = ParallelRange.PartStartingAt(firstGroup, groups, parts);
            for (int group = firstGroup; group < endGroup; group++)
            {
                var (start, end) = ParallelRange.Range(batch, group, groups, grain: 1);
                if (layer._direct!.Flat != null) ExecuteFlat(start, end, partials + (nint)group * block, part);
                else ExecuteGroup(start, end, partials + (nint)group * block, part);
            }
        }

        private void ExecuteGroup(int start, int end, float* groupGradients, int part)
        {
            var g = layer.Geometry;
            var d = layer._direct!;
            int filters = layer.Filters, patch = g.PatchSize, ho = g.OutputHeight, wo = g.OutputWidth;
            float* dW = groupGradients;
            float* db = dW + filters * patch;
            int top = g.KernelHeight - 1 - g.PadTop, left = g.KernelWidth - 1 - g.PadLeft;
            fixed (float* flipped = d.FlippedWeights)
            {
                float* paddedGradient = paddedGradients + (nint)part * d.PaddedGradientBlockSize;
                float* outputGradient = outputGradients + (nint)part * layer.OutputSize;
                // A ReLU above is folded into the pass that pads dy (its mask is all its gradient needs); other activations
                // form the gradient in a buffer first.
                bool maskByRelu = activation is ReluLayer;
                for (int first = start; first < end; first += d.GradientGroup)
                {
                    int count = Math.Min(d.GradientGroup, end - first);
                    for (int i = 0; i < count; i++)
                    {
                        int n = first + i;
                        float* gradient = dy + (nint)n * layer.OutputSize;
                        if (activation != null && !maskByRelu)
                        {
                            new ActivationLayer.GradientPass(activation, activated + (nint)n * layer.OutputSize, gradient, outputGradient, overwrite: true)
                                .Execute(0, layer.OutputSize);
                            gradient = outputGradient;
                        }
                        DirectConvolution.FormPaddedGradient(gradient, maskByRelu ? activated + (nint)n * layer.OutputSize : null, filters, ho, wo,
                            paddedGradient + (nint)i * d.PaddedGradientSize, d.PaddedGradientHeight, d.GradientRowStride, top, left, db);
                    }
                    DirectConvolution.AccumulateWeightGradient(scratch + (nint)first * d.PaddedInputSize, g.Channels, d.PaddedHeight, d.InputRowStride,
                        paddedGradient + (nint)top * d.GradientRowStride + left, d.GradientRowStride, d.PaddedGradientHeight * d.GradientRowStride,
                        filters, g.KernelHeight, g.KernelWidth, wo, ho, dW, layer._usesVector512, count, d.PaddedInputSize, d.PaddedGradientSize);
                    if (dx == null) continue;
                    for (int i = 0; i < count; i++)
                    {
                        int n = first + i;
                        float* planes = paddedGradient + (nint)i * d.PaddedGradientSize;
                        if (taker != null)
                        {
                            // The image's dx, still in cache, taken straight on by the layer below (an upsampling sums its blocks).
                            float* sampleGradient = sampleGradients + (nint)part * layer.InputSize;
                            DirectConvolution.Correlate(planes, filters, d.PaddedGradientHeight, d.GradientRowStride, flipped, null, g.Channels,
                                g.KernelHeight, g.KernelWidth, sampleGradient, g.Height, g.Width, accumulate: false, layer._usesVector512);
                            taker.BackwardSample(sampleGradient, dx + (nint)n * taker.InputSize, overwrite);
                            continue;
                        }
                        DirectConvolution.Correlate(planes, filters, d.PaddedGradientHeight, d.GradientRowStride, flipped, null, g.Channels,
                            g.KernelHeight, g.KernelWidth, dx + (nint)n * layer.InputSize, g.Height, g.Width, accumulate: !overwrite, layer._usesVector512);
                    }
                }
            }
        }
    }

    /// <summary>
    /// The buffers of the direct path. The padded input lives in each image's scratch (so concurrent scorers never share
    /// it); the backward buffers are the layer's, one block per thread.
    /// </summary>
    private sealed class DirectLayout
    {
        private readonly ConvGeometry _geometry;
        private readonly int _filters;

        public DirectLayout(ConvGeometry g, int filters, bool vector512)
        {
            _geometry = g;
            _filters = filters;
            PaddedHeight = g.Height + g.PadTop + g.PadBottom;
            InputRowStride = DirectConvolution.RowStride(g.Width + g.PadLeft + g.PadRight, g.OutputWidth, g.KernelWidth);
            PaddedInputSize = g.Channels * PaddedHeight * InputRowStride;
            // dL/dx is a stride-1 correlation of dy giving H×W: kernel − 1 − padding zeros before dy on each axis. The row
            // stride also leaves zeros after each row of dy up to its width rounded to 16, which dW's whole-vector loads need
            // (explicit padding can make Wo wider than W, so that is not implied by the correlation's own stride).
            PaddedGradientHeight = g.Height + g.KernelHeight - 1;
            GradientRowStride = Math.Max(DirectConvolution.RowStride(g.Width + g.KernelWidth - 1, g.Width, g.KernelWidth),
                g.KernelWidth - 1 - g.PadLeft + DirectConvolution.RoundUp(g.OutputWidth, DirectConvolution.ChunkColumns));
            PaddedGradientSize = filters * PaddedGradientHeight * GradientRowStride;
            GradientGroup = DirectConvolution.WeightGradientImagesPerPass(g.OutputHeight, g.OutputWidth);
            if (!vector512 || !DirectConvolution.FlatPlanesApply(g, filters)) return;
            // Flat planes keep one image's dy planes a thread: their dW sums in lanes across the thread's images already.
            GradientGroup = 1;
            Flat = new FlatPlaneLayout(g, filters);
            InputRowStride = GradientRowStride = Flat.RowStride;
            PaddedInputSize = Flat.InputSize;
            PaddedGradientSize = Flat.GradientBlockSize;
        }

        /// <summary>The flat layout of narrow planes for the 512-bit kernels, or null for padded rows.</summary>
        public FlatPlaneLayout? Flat { get; }

        /// <summary>Rows of the padded input planes (the stride-1 output height plus kernel − 1).</summary>
        public int PaddedHeight { get; }

        /// <summary>Floats per padded input row: the padded width, or more so a last chunk's loads stay in the row.</summary>
        public int InputRowStride { get; }

        /// <summary>Floats of one image's padded input planes (its forward scratch).</summary>
        public int PaddedInputSize { get; }

        /// <summary>Rows of dy's padded planes.</summary>
        public int PaddedGradientHeight { get; }

        /// <summary>Floats per row of dy's padded planes.</summary>
        public int GradientRowStride { get; }

        /// <summary>Floats of one image's padded dy planes.</summary>
        public int PaddedGradientSize { get; }

        /// <summary>
        /// Images whose padded dy planes a thread holds at once, for the weight gradient to sum over in one pass
        /// (<see cref="DirectConvolution.WeightGradientImagesPerPass"/>).
        /// </summary>
        public int GradientGroup { get; }

        /// <summary>Floats of one thread's padded dy planes: <see cref="GradientGroup"/> images.</summary>
        public int PaddedGradientBlockSize => GradientGroup * PaddedGradientSize;

        /// <summary>
        /// Each thread's padded dy planes. Rows of padded planes have only their interiors written (<see cref="DirectConvolution.FormPaddedGradient"/>),
        /// always at the same places, so the borders keep the zeros of the allocation.
        /// </summary>
        public float[] PaddedGradient { get; private set; } = [];
        public float[] FlippedWeights { get; private set; } = [];

        /// <summary>Per thread, one image's output gradient formed from the activation above (when it is folded in).</summary>
        public float[] OutputGradient { get; private set; } = [];

        /// <summary>
        /// Grows the per-thread blocks for <paramref name="parts"/> threads (with <paramref name="outputGradientSize"/>
        /// floats each for an output gradient) and flips the current weights.
        /// </summary>
        public void EnsureBackwardBuffers(int parts, ReadOnlySpan<float> weights, int outputGradientSize)
        {
            var g = _geometry;
            if (PaddedGradient.Length < parts * PaddedGradientBlockSize) PaddedGradient = new float[parts * PaddedGradientBlockSize];
            if (OutputGradient.Length < parts * outputGradientSize) OutputGradient = new float[parts * outputGradientSize];
            if (FlippedWeights.Length != weights.Length) FlippedWeights = new float[weights.Length];
            DirectConvolution.FlipForInputGradient(weights, _filters, g.Channels, g.KernelHeight, g.KernelWidth, FlippedWeights);
        }
    }

    /// <summary>Reshape to [N, C, H, W], Conv (W, b, pads, strides, dilations), Reshape back to flat rows.</summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        var g = Geometry;
        context.Graph.AddInitializer(Weights);
        context.Graph.AddInitializer(Bias);
        string image = OnnxShapes.ToImage(context, g.Channels, g.Height, g.Width);
        string convolved = context.Tensor("conv");
        context.AddNode("Conv", [image, Weights.Name, Bias.Name], [convolved],
            OnnxNodeAttribute.Ints("kernel_shape", g.KernelHeight, g.KernelWidth),
            OnnxNodeAttribute.Ints("strides", g.Stride, g.Stride),
            OnnxNodeAttribute.Ints("dilations", g.Dilation, g.Dilation),
            OnnxNodeAttribute.Ints("pads", g.PadTop, g.PadLeft, g.PadBottom, g.PadRight));
        OnnxShapes.ToRows(context, convolved, OutputSize);
    }
}
