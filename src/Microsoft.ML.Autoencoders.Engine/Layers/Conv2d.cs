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
public sealed class Conv2d : Layer
{
    private readonly Parameter[] _parameters;
    private float[] _columnGradient = []; // grown once; the backward pass of one training step uses it

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

    /// <inheritdoc/>
    public override int OutputSize => Filters * Geometry.OutputPositions;

    /// <summary>The im2col matrix of each image, [C·kh·kw, Ho·Wo], kept from forward for backward.</summary>
    public override int ScratchSizePerSample => Geometry.PatchSize * Geometry.OutputPositions;

    /// <summary>Xavier/He with Keras' fans for convolutions: fan-in C·kh·kw, fan-out F·kh·kw.</summary>
    public override void Initialize(SeededRandom random)
    {
        int kernel = Geometry.KernelHeight * Geometry.KernelWidth;
        WeightInitializer.Fill(Weights.Values, Geometry.Channels * kernel, Filters * kernel, Initialization, random);
        Bias.Values.Clear();
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        int patch = Geometry.PatchSize, positions = Geometry.OutputPositions;
        ReadOnlySpan<float> w = Weights.Values, b = Bias.Values;
        for (int n = 0; n < batch; n++)
        {
            Span<float> cols = scratch.Slice(n * patch * positions, patch * positions);
            Im2Col.Gather(Geometry, x.Slice(n * InputSize, InputSize), cols);
            Span<float> output = y.Slice(n * OutputSize, OutputSize);
            Gemm.Multiply(Transpose.No, Transpose.No, Filters, positions, patch, 1f, w, patch, cols, positions, 0f, output, positions, context.Threads);
            for (int f = 0; f < Filters; f++)
            {
                Span<float> plane = output.Slice(f * positions, positions);
                TensorPrimitives.Add(plane, b[f], plane);
            }
        }
    }

    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        int patch = Geometry.PatchSize, positions = Geometry.OutputPositions;
        ReadOnlySpan<float> w = Weights.Values;
        Span<float> dW = Weights.Gradients, db = Bias.Gradients;
        if (!dx.IsEmpty && _columnGradient.Length < patch * positions) _columnGradient = new float[patch * positions];
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> cols = scratch.Slice(n * patch * positions, patch * positions);
            ReadOnlySpan<float> gradient = dy.Slice(n * OutputSize, OutputSize);
            // dW[F, K] += dY[F, P] · colsᵀ[P, K]
            Gemm.Multiply(Transpose.No, Transpose.Yes, Filters, patch, positions, 1f, gradient, positions, cols, positions, 1f, dW, patch, context.Threads);
            for (int f = 0; f < Filters; f++) db[f] += TensorPrimitives.Sum(gradient.Slice(f * positions, positions));
            if (dx.IsEmpty) continue;
            // dcols[K, P] = Wᵀ[K, F] · dY[F, P], then added back to the input positions each column came from.
            Span<float> columnGradient = _columnGradient.AsSpan(0, patch * positions);
            Gemm.Multiply(Transpose.Yes, Transpose.No, patch, positions, Filters, 1f, w, patch, gradient, positions, 0f, columnGradient, positions, context.Threads);
            Im2Col.Scatter(Geometry, columnGradient, dx.Slice(n * InputSize, InputSize));
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
