using System.Numerics.Tensors;
using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A 2-D transposed convolution over rows [C, H, W], giving [F, Ho, Wo]: every input value x[c, iy, ix] adds
/// W[c, f, ky, kx]·x[c, iy, ix] to y[f, iy·stride + ky·dilation − padTop, ix·stride + kx·dilation − padLeft], plus b[f].
/// It is the input gradient of a <see cref="Conv2d"/> that maps [F, Ho, Wo] to [C, H, W], so it reuses that
/// convolution's im2col: per image, columns = Wᵀ [F·kh·kw, C] · x [C, H·W], scattered into the output by col2im.
/// </summary>
/// <remarks>
/// <see cref="Geometry"/> is that convolution's geometry: its input image is this layer's output, its output positions
/// are this layer's input positions. Ho = (H − 1)·stride − padTop − padBottom + dilation·(k − 1) + outputPadding + 1,
/// where the output padding (rows and columns no input reaches, which hold only the bias) is the remainder the
/// convolution's floor division drops, so it is always smaller than the stride.
/// </remarks>
public sealed class ConvTranspose2d : Layer
{
    /// <summary>
    /// The weight gradient is summed over this many fixed groups of images (fewer for smaller batches), each group in its
    /// own block, and the blocks added in order: the split into groups depends only on the batch size, never on the thread
    /// count, so every thread count gives the same bits. It also caps the threads the backward pass can use.
    /// </summary>
    private const int WeightGradientGroups = 16;

    private readonly Parameter[] _parameters;
    private float[] _groupGradients = []; // grown once: one block of C·F·kh·kw + F per group of images
    private float[] _outputColumns = []; // grown once: im2col of the output gradient, one block per thread

    /// <summary>Creates the layer.</summary>
    /// <param name="inputChannels">C, the channels of the rows coming in.</param>
    /// <param name="geometry">The convolution this layer transposes: its input is this layer's output [F, Ho, Wo] and its
    /// output positions are this layer's input positions [H, W].</param>
    /// <param name="initialization">The weights' initial distribution, already resolved for the following activation.</param>
    /// <param name="name">The prefix of the parameters' names.</param>
    public ConvTranspose2d(int inputChannels, ConvGeometry geometry, WeightInitialization initialization, string name = "conv_transpose")
    {
        if (inputChannels <= 0) throw new ArgumentOutOfRangeException(nameof(inputChannels));
        if (geometry.Channels <= 0 || geometry.Height <= 0 || geometry.Width <= 0)
            throw new ArgumentException($"The output image {geometry.Channels}×{geometry.Height}×{geometry.Width} must have positive sizes.", nameof(geometry));
        if (geometry.OutputHeight <= 0 || geometry.OutputWidth <= 0)
            throw new ArgumentException($"The kernel does not fit the {geometry.Height}×{geometry.Width} output.", nameof(geometry));
        if (initialization == WeightInitialization.XavierOrHeByActivation)
            throw new ArgumentException("Resolve XavierOrHeByActivation for the following activation first (WeightInitializer.Resolve).", nameof(initialization));
        InputChannels = inputChannels;
        Geometry = geometry;
        Initialization = initialization;
        Weights = new Parameter(name + ".weight", inputChannels, geometry.Channels, geometry.KernelHeight, geometry.KernelWidth);
        Bias = new Parameter(name + ".bias", geometry.Channels) { Role = ParameterRole.Bias };
        _parameters = [Weights, Bias];
    }

    /// <summary>The convolution this layer transposes (see the constructor).</summary>
    public ConvGeometry Geometry { get; }

    /// <summary>C, the input channels.</summary>
    public int InputChannels { get; }

    /// <summary>F, the output channels.</summary>
    public int Filters => Geometry.Channels;

    /// <summary>H, the input rows.</summary>
    public int InputHeight => Geometry.OutputHeight;

    /// <summary>W, the input columns.</summary>
    public int InputWidth => Geometry.OutputWidth;

    /// <summary>Output rows after the last one an input reaches (ONNX's output_padding on the height axis).</summary>
    public int OutputPaddingHeight => (Geometry.Height + Geometry.PadTop + Geometry.PadBottom - Geometry.Dilation * (Geometry.KernelHeight - 1) - 1) % Geometry.Stride;

    /// <summary>Output columns after the last one an input reaches (ONNX's output_padding on the width axis).</summary>
    public int OutputPaddingWidth => (Geometry.Width + Geometry.PadLeft + Geometry.PadRight - Geometry.Dilation * (Geometry.KernelWidth - 1) - 1) % Geometry.Stride;

    /// <summary>The weights' initial distribution.</summary>
    public WeightInitialization Initialization { get; }

    /// <summary>W, [C, F, kh, kw] (the ConvTranspose layout of ONNX and PyTorch); as a matrix, [C, F·kh·kw].</summary>
    public Parameter Weights { get; }

    /// <summary>b, [F].</summary>
    public Parameter Bias { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override int InputSize => InputChannels * Geometry.OutputPositions;

    /// <inheritdoc/>
    public override int OutputSize => Filters * Geometry.Height * Geometry.Width;

    /// <summary>The input gradient is one GEMM per image, whose beta = 0 writes over the stale values.</summary>
    internal override bool CanOverwriteInputGradient => true;

    /// <summary>The weight and bias gradients are the sum of the groups' blocks, which can be written instead of added.</summary>
    internal override bool CanOverwriteParameterGradients => true;

    /// <summary>
    /// The columns Wᵀ·x of each image, [F·kh·kw, H·W]. They live in the caller's scratch rather than in the layer so that
    /// several threads can run inference on one network, each with its own activation cache; backward does not read them.
    /// </summary>
    public override int ScratchSizePerSample => Geometry.PatchSize * Geometry.OutputPositions;

    /// <summary>
    /// Xavier/He with the fans Keras and PyTorch both use for a transposed convolution: fan-in F·kh·kw and fan-out
    /// C·kh·kw, read off the [C, F, kh, kw] weight as if it were a convolution's [out, in, kh, kw]. (Each output value
    /// really sums about C·kh·kw / stride² inputs; we keep the frameworks' convention so the same network starts alike.)
    /// </summary>
    public override void Initialize(SeededRandom random)
    {
        int kernel = Geometry.KernelHeight * Geometry.KernelWidth;
        WeightInitializer.Fill(Weights.Values, Filters * kernel, InputChannels * kernel, Initialization, random);
        Bias.Values.Clear();
    }

    /// <summary>Images are split over the threads, each image one single-threaded GEMM and a col2im.</summary>
    public override unsafe void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pScratch = scratch)
        {
            ParallelRange.Run(batch, context.Threads, new ForwardImages(this, px, py, pScratch), grain: 1, minPerThread: 1);
        }
    }

    private readonly unsafe struct ForwardImages(ConvTranspose2d layer, float* x, float* y, float* scratch) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            var g = layer.Geometry;
            int patch = g.PatchSize, positions = g.OutputPositions, planeSize = g.Height * g.Width;
            int inputSize = layer.InputSize, outputSize = layer.OutputSize, channels = layer.InputChannels;
            ReadOnlySpan<float> w = layer.Weights.Values, b = layer.Bias.Values;
            for (int n = start; n < end; n++)
            {
                // cols[F·kh·kw, H·W] = Wᵀ · x[C, H·W]: column p holds what input position p adds under each kernel tap.
                var cols = new Span<float>(scratch + (nint)n * patch * positions, patch * positions);
                var image = new ReadOnlySpan<float>(x + (nint)n * inputSize, inputSize);
                Gemm.Multiply(Transpose.Yes, Transpose.No, patch, positions, channels, 1f, w, patch, image, positions, 0f, cols, positions, threads: 1);
                var output = new Span<float>(y + (nint)n * outputSize, outputSize);
                for (int f = 0; f < g.Channels; f++) output.Slice(f * planeSize, planeSize).Fill(b[f]);
                Im2Col.Scatter(g, cols, output);
            }
        }
    }

    /// <summary>
    /// Per image, the output gradient's im2col dcols [F·kh·kw, H·W] (the same gather the convolution's forward pass
    /// does) gives dx = W·dcols, dW += x·dcolsᵀ and db += the planes' sums. Threads take whole groups of images; each group
    /// sums its dW and db into a block of its own, and the blocks are added in group order afterwards.
    /// </summary>
    public override unsafe void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        int patch = Geometry.PatchSize, positions = Geometry.OutputPositions;
        int weightCount = Weights.Length, block = weightCount + Filters;
        int groups = Math.Clamp(batch, 1, WeightGradientGroups); // one (empty) group for an empty batch, so the gradients are still written
        int parts = ParallelRange.Parts(groups, context.Threads, minPerThread: 1);
        if (_groupGradients.Length < groups * block) _groupGradients = new float[WeightGradientGroups * block];
        if (_outputColumns.Length < parts * patch * positions) _outputColumns = new float[parts * patch * positions];
        Array.Clear(_groupGradients, 0, groups * block);
        fixed (float* px = x)
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        fixed (float* pGroups = _groupGradients)
        fixed (float* pColumns = _outputColumns)
        {
            var kernel = new BackwardParts(this, px, pdy, dx.IsEmpty ? null : pdx, pGroups, pColumns, batch, groups, parts, context.OverwriteInputGradient);
            // One index per part, so each call knows which column block is its own.
            if (parts == 1) kernel.Execute(0, 1);
            else ParallelRange.Run(parts, context.Threads, kernel, grain: 1, minPerThread: 1);
        }

        Span<float> dW = Weights.Gradients, db = Bias.Gradients;
        int first = 0;
        if (context.OverwriteParameterGradients)
        {
            _groupGradients.AsSpan(0, weightCount).CopyTo(dW);
            _groupGradients.AsSpan(weightCount, Filters).CopyTo(db);
            first = 1;
        }
        for (int group = first; group < groups; group++)
        {
            ReadOnlySpan<float> partial = _groupGradients.AsSpan(group * block, block);
            TensorPrimitives.Add(dW, partial.Slice(0, weightCount), dW);
            TensorPrimitives.Add(db, partial.Slice(weightCount, Filters), db);
        }
    }

    private readonly unsafe struct BackwardParts(ConvTranspose2d layer, float* x, float* dy, float* dx, float* groupGradients, float* columns,
        int batch, int groups, int parts, bool overwrite) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            for (int part = start; part < end; part++)
            {
                (int firstGroup, int endGroup) = ParallelRange.Range(groups, part, parts, grain: 1);
                for (int group = firstGroup; group < endGroup; group++) Group(part, group);
            }
        }

        private void Group(int part, int group)
        {
            var g = layer.Geometry;
            int patch = g.PatchSize, positions = g.OutputPositions, planeSize = g.Height * g.Width, filters = g.Channels;
            int channels = layer.InputChannels, inputSize = layer.InputSize, outputSize = layer.OutputSize, block = layer.Weights.Length + filters;
            var dW = new Span<float>(groupGradients + (nint)group * block, layer.Weights.Length);
            var db = new Span<float>(groupGradients + (nint)group * block + layer.Weights.Length, filters);
            var cols = new Span<float>(columns + (nint)part * patch * positions, patch * positions);
            ReadOnlySpan<float> w = layer.Weights.Values;
            (int firstImage, int endImage) = ParallelRange.Range(batch, group, groups, grain: 1);
            for (int n = firstImage; n < endImage; n++)
            {
                var gradient = new ReadOnlySpan<float>(dy + (nint)n * outputSize, outputSize);
                Im2Col.Gather(g, gradient, cols);
                var image = new ReadOnlySpan<float>(x + (nint)n * inputSize, inputSize);
                // dW[C, F·kh·kw] += x[C, H·W] · dcolsᵀ[H·W, F·kh·kw]
                Gemm.Multiply(Transpose.No, Transpose.Yes, channels, patch, positions, 1f, image, positions, cols, positions, 1f, dW, patch, threads: 1);
                for (int f = 0; f < filters; f++) db[f] += TensorPrimitives.Sum(gradient.Slice(f * planeSize, planeSize));
                if (dx == null) continue;
                // dx[C, H·W] (+)= W[C, F·kh·kw] · dcols[F·kh·kw, H·W]: the convolution of dy with the same weights.
                var inputGradient = new Span<float>(dx + (nint)n * inputSize, inputSize);
                Gemm.Multiply(Transpose.No, Transpose.No, channels, positions, patch, 1f, w, patch, cols, positions, overwrite ? 0f : 1f, inputGradient, positions, threads: 1);
            }
        }
    }

    /// <summary>
    /// Reshape to [N, C, H, W], ConvTranspose (W, b, kernel, strides, dilations, pads, output_padding), Reshape back to
    /// flat rows. ONNX's pads take rows and columns off the output, as this layer's padding does.
    /// </summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        var g = Geometry;
        context.Graph.AddInitializer(Weights);
        context.Graph.AddInitializer(Bias);
        string image = OnnxShapes.ToImage(context, InputChannels, InputHeight, InputWidth);
        string transposed = context.Tensor("conv_transpose");
        context.AddNode("ConvTranspose", [image, Weights.Name, Bias.Name], [transposed],
            OnnxNodeAttribute.Ints("kernel_shape", g.KernelHeight, g.KernelWidth),
            OnnxNodeAttribute.Ints("strides", g.Stride, g.Stride),
            OnnxNodeAttribute.Ints("dilations", g.Dilation, g.Dilation),
            OnnxNodeAttribute.Ints("pads", g.PadTop, g.PadLeft, g.PadBottom, g.PadRight),
            OnnxNodeAttribute.Ints("output_padding", OutputPaddingHeight, OutputPaddingWidth));
        OnnxShapes.ToRows(context, transposed, OutputSize);
    }
}
