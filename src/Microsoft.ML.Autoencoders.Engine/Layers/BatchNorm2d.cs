using System.Numerics;
using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Batch normalization of rows [C, H, W], one mean and variance per channel (Ioffe &amp; Szegedy, 2015; PyTorch's
/// BatchNorm2d): y = γ[c]·(x − μ[c]) / √(σ²[c] + ε) + β[c]. While training (<see cref="LayerContext.Training"/>) μ and σ²
/// are the batch's own, over the N·H·W values of each channel (σ² biased: divided by N·H·W), and the backward pass
/// differentiates through them. Otherwise (validation, scoring, ONNX) the running statistics stand in, and the layer is
/// a fixed per-channel affine map.
/// </summary>
/// <remarks>
/// <para>Running statistics follow PyTorch's convention: running = (1 − m)·running + m·batch with momentum m (0.1 by
/// default; Keras' momentum is 1 − m), and the running variance takes the batch's unbiased variance (Bessel's correction,
/// N·H·W / (N·H·W − 1) times the biased one) although the batch is normalized by the biased one, as PyTorch does. They
/// are parameters with the <see cref="ParameterRole.Buffer"/> role: saved and loaded with the model, so a reloaded model
/// scores the same, but never stepped by the optimizer nor penalized.</para>
/// <para>The running statistics change in a training-mode forward pass, and only the training step runs one: validation
/// and scoring run in inference mode, and the contractive penalty pushes tangents instead of running forward again (this
/// layer refuses to: in training its Jacobian couples a batch's rows), so each training batch moves them exactly once.</para>
/// <para>Channels are split over the threads, and every sum over a channel runs on one thread in one fixed order, so the
/// results do not depend on the thread count. The μ and 1/√(σ² + ε) a forward pass used stay in the layer's scratch
/// for the backward pass; nothing is allocated per batch.</para>
/// </remarks>
public sealed class BatchNorm2d : Layer
{
    /// <summary>PyTorch's default weight of a batch's statistics in the running ones.</summary>
    public const float DefaultMomentum = 0.1f;

    /// <summary>PyTorch's (and ONNX's) default guard added to the variance.</summary>
    public const float DefaultEpsilon = 1e-5f;

    /// <summary>Below this many values per extra thread, waking a worker costs more than its share of the pass.</summary>
    private const int MinValuesPerThread = 32 * 1024;

    private readonly Parameter[] _parameters;

    /// <summary>Creates the layer for images of <paramref name="channels"/>×<paramref name="height"/>×<paramref name="width"/>.</summary>
    public BatchNorm2d(int channels, int height, int width, float momentum = DefaultMomentum, float epsilon = DefaultEpsilon, string name = "batch_norm")
    {
        if (channels <= 0 || height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(channels), "Every size must be positive.");
        if (!(momentum >= 0 && momentum <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be in [0, 1].");
        if (!(epsilon > 0 && float.IsFinite(epsilon))) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Epsilon must be positive and finite.");
        Channels = channels;
        Height = height;
        Width = width;
        Momentum = momentum;
        Epsilon = epsilon;
        // PyTorch's names, so a state dict maps one to one; ONNX calls them scale, B, input_mean and input_var.
        Scale = new Parameter(name + ".weight", channels) { Role = ParameterRole.Scale };
        Shift = new Parameter(name + ".bias", channels) { Role = ParameterRole.Bias };
        RunningMean = new Parameter(name + ".running_mean", channels) { Role = ParameterRole.Buffer };
        RunningVariance = new Parameter(name + ".running_var", channels) { Role = ParameterRole.Buffer };
        _parameters = [Scale, Shift, RunningMean, RunningVariance];
    }

    /// <summary>Channels, each normalized on its own.</summary>
    public int Channels { get; }

    /// <summary>Rows of each image.</summary>
    public int Height { get; }

    /// <summary>Columns of each image.</summary>
    public int Width { get; }

    /// <summary>The weight of a batch's statistics in the running ones (PyTorch's convention).</summary>
    public float Momentum { get; }

    /// <summary>Added to the variance before its square root.</summary>
    public float Epsilon { get; }

    /// <summary>γ, [C], the gain after normalizing (starts at 1).</summary>
    public Parameter Scale { get; }

    /// <summary>β, [C], the shift after scaling (starts at 0).</summary>
    public Parameter Shift { get; }

    /// <summary>The running mean, [C] (starts at 0); a buffer, updated by training forward passes.</summary>
    public Parameter RunningMean { get; }

    /// <summary>The running (unbiased) variance, [C] (starts at 1); a buffer, updated by training forward passes.</summary>
    public Parameter RunningVariance { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override int InputSize => Channels * Height * Width;

    /// <inheritdoc/>
    public override int OutputSize => InputSize;

    /// <summary>
    /// The pass's μ and 1/√(σ² + ε), 2·C floats for the whole batch. The scratch is sized per row, so each row reserves
    /// them (any batch of one row or more then has room): 2·C floats against the C·H·W of the row's activations.
    /// </summary>
    public override int ScratchSizePerSample => 2 * Channels;

    /// <summary>Each channel's input gradient is written whole by the one thread that computes it.</summary>
    internal override bool CanOverwriteInputGradient => true;

    private int PlaneSize => Height * Width;

    /// <summary>γ = 1, β = 0, running mean 0, running variance 1 (PyTorch's start); draws nothing from <paramref name="random"/>.</summary>
    public override void Initialize(SeededRandom random)
    {
        Scale.Values.Fill(1f);
        Shift.Values.Clear();
        RunningMean.Values.Clear();
        RunningVariance.Values.Fill(1f);
    }

    /// <summary>Normalizes by the batch's statistics (and moves the running ones) while training, by the running ones otherwise.</summary>
    public override unsafe void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        if (context.Training && batch * PlaneSize == 1)
        {
            // One value per channel has no variance to normalize by (PyTorch refuses it too); a batch of two rows would do.
            throw new InvalidOperationException($"Batch norm in training needs more than one value per channel, but a batch of {batch} row(s) of {Channels}×{Height}×{Width} has one.");
        }
        if (x.Length < batch * InputSize || y.Length < batch * OutputSize || scratch.Length < 2 * Channels)
            throw new ArgumentException("The input, output or scratch is smaller than the batch needs.");
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pStatistics = scratch)
        {
            ParallelRange.Run(Channels, context.Threads, new ForwardChannels(this, px, py, pStatistics, batch, context.Training),
                grain: 1, minPerThread: MinChannelsPerThread(batch));
        }
    }

    private int MinChannelsPerThread(int batch) => Math.Max(1, MinValuesPerThread / Math.Max(1, batch * PlaneSize));

    private readonly unsafe struct ForwardChannels(BatchNorm2d layer, float* x, float* y, float* statistics, int batch, bool training) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            int channels = layer.Channels, plane = layer.PlaneSize, size = layer.InputSize;
            int count = batch * plane;
            Span<float> gamma = layer.Scale.Values, beta = layer.Shift.Values;
            Span<float> runningMean = layer.RunningMean.Values, runningVariance = layer.RunningVariance.Values;
            for (int c = start; c < end; c++)
            {
                float mean, inverseDeviation;
                if (training)
                {
                    // Two passes (the mean, then the squares about it) rather than Σx² − nμ², which cancels badly when |μ| ≫ σ.
                    // Within a plane the sums run in float vector lanes; across planes in double.
                    double sum = 0;
                    for (int n = 0; n < batch; n++) sum += PlaneSum(Plane(x, n, c, size, plane));
                    mean = (float)(sum / count);
                    double squares = 0;
                    for (int n = 0; n < batch; n++) squares += CenteredSquares(Plane(x, n, c, size, plane), mean);
                    double variance = squares / count;
                    inverseDeviation = (float)(1 / Math.Sqrt(variance + layer.Epsilon));
                    float momentum = layer.Momentum;
                    runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean;
                    runningVariance[c] = (1 - momentum) * runningVariance[c] + momentum * (float)(variance * count / (count - 1));
                }
                else
                {
                    mean = runningMean[c];
                    inverseDeviation = (float)(1 / Math.Sqrt((double)runningVariance[c] + layer.Epsilon));
                }
                statistics[c] = mean;
                statistics[channels + c] = inverseDeviation;
                float gain = gamma[c] * inverseDeviation, shift = beta[c];
                for (int n = 0; n < batch; n++)
                    Normalize(Plane(x, n, c, size, plane), new Span<float>(y + (nint)n * size + (nint)c * plane, plane), mean, gain, shift);
            }
        }
    }

    /// <summary>
    /// Through the batch's statistics after a training pass: with x̂ = (x − μ)·s, s = 1/√(σ² + ε) and M = N·H·W values per
    /// channel, dβ = Σ dy, dγ = Σ dy·x̂ and dx = γ·s·(dy − Σdy / M − x̂·Σ(dy·x̂) / M). After an inference pass the statistics
    /// are constants and dx = γ·s·dy.
    /// </summary>
    public override unsafe void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        if (scratch.Length < 2 * Channels) throw new ArgumentException("The scratch must hold the forward pass's statistics.", nameof(scratch));
        fixed (float* px = x)
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        fixed (float* pStatistics = scratch)
        {
            var kernel = new BackwardChannels(this, px, pdy, dx.IsEmpty ? null : pdx, pStatistics, batch, context.Training, context.OverwriteInputGradient);
            ParallelRange.Run(Channels, context.Threads, kernel, grain: 1, minPerThread: MinChannelsPerThread(batch));
        }
    }

    private readonly unsafe struct BackwardChannels(BatchNorm2d layer, float* x, float* dy, float* dx, float* statistics, int batch,
        bool throughBatchStatistics, bool overwrite) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            int channels = layer.Channels, plane = layer.PlaneSize, size = layer.InputSize;
            int count = batch * plane;
            Span<float> gamma = layer.Scale.Values, scaleGradient = layer.Scale.Gradients, shiftGradient = layer.Shift.Gradients;
            for (int c = start; c < end; c++)
            {
                float mean = statistics[c], inverseDeviation = statistics[channels + c];
                double gradientSum = 0, centeredProduct = 0; // Σ dy and Σ dy·(x − μ)
                for (int n = 0; n < batch; n++)
                {
                    (float sum, float product) = GradientSums(Plane(x, n, c, size, plane), Plane(dy, n, c, size, plane), mean);
                    gradientSum += sum;
                    centeredProduct += product;
                }
                shiftGradient[c] += (float)gradientSum;
                scaleGradient[c] += (float)(inverseDeviation * centeredProduct);
                if (dx == null) continue;

                float gain = gamma[c] * inverseDeviation;
                // dx = gain·(dy − meanGradient − (x − μ)·slope); both corrections vanish when the statistics are constants.
                float meanGradient = throughBatchStatistics ? (float)(gradientSum / count) : 0f;
                float slope = throughBatchStatistics ? (float)((double)inverseDeviation * inverseDeviation * centeredProduct / count) : 0f;
                for (int n = 0; n < batch; n++)
                {
                    InputGradient(Plane(x, n, c, size, plane), Plane(dy, n, c, size, plane),
                        new Span<float>(dx + (nint)n * size + (nint)c * plane, plane), mean, gain, meanGradient, slope, overwrite);
                }
            }
        }
    }

    private static unsafe ReadOnlySpan<float> Plane(float* rows, int n, int c, int size, int plane) =>
        new(rows + (nint)n * size + (nint)c * plane, plane);

    // The plane kernels below sum in vector lanes from the plane's first value, then the tail: a fixed order that depends
    // on the plane's length alone (not on its address, nor on the thread that runs it).

    private static float PlaneSum(ReadOnlySpan<float> values)
    {
        var lanes = Vector<float>.Zero;
        int i = 0;
        for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count) lanes += new Vector<float>(values.Slice(i));
        float sum = Vector.Sum(lanes);
        for (; i < values.Length; i++) sum += values[i];
        return sum;
    }

    private static float CenteredSquares(ReadOnlySpan<float> values, float mean)
    {
        var lanes = Vector<float>.Zero;
        var vMean = new Vector<float>(mean);
        int i = 0;
        for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var d = new Vector<float>(values.Slice(i)) - vMean;
            lanes += d * d;
        }
        float sum = Vector.Sum(lanes);
        for (; i < values.Length; i++)
        {
            float d = values[i] - mean;
            sum += d * d;
        }
        return sum;
    }

    /// <summary>y = (x − μ)·gain + shift, with gain = γ/√(σ² + ε): the form ONNX Runtime computes, rather than x·gain + (β − μ·gain).</summary>
    private static void Normalize(ReadOnlySpan<float> x, Span<float> y, float mean, float gain, float shift)
    {
        var vMean = new Vector<float>(mean);
        var vGain = new Vector<float>(gain);
        var vShift = new Vector<float>(shift);
        int i = 0;
        for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            ((new Vector<float>(x.Slice(i)) - vMean) * vGain + vShift).CopyTo(y.Slice(i));
        for (; i < x.Length; i++) y[i] = (x[i] - mean) * gain + shift;
    }

    /// <summary>(Σ dy, Σ dy·(x − μ)) over one plane.</summary>
    private static (float Sum, float CenteredProduct) GradientSums(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, float mean)
    {
        var sums = Vector<float>.Zero;
        var products = Vector<float>.Zero;
        var vMean = new Vector<float>(mean);
        int i = 0;
        for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var g = new Vector<float>(dy.Slice(i));
            sums += g;
            products += g * (new Vector<float>(x.Slice(i)) - vMean);
        }
        float sum = Vector.Sum(sums), product = Vector.Sum(products);
        for (; i < x.Length; i++)
        {
            sum += dy[i];
            product += dy[i] * (x[i] - mean);
        }
        return (sum, product);
    }

    /// <summary>dx = gain·(dy − meanGradient − (x − μ)·slope), written over dx or added to it.</summary>
    private static void InputGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float mean, float gain,
        float meanGradient, float slope, bool overwrite)
    {
        var vMean = new Vector<float>(mean);
        var vGain = new Vector<float>(gain);
        var vMeanGradient = new Vector<float>(meanGradient);
        var vSlope = new Vector<float>(slope);
        int i = 0;
        for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var g = vGain * (new Vector<float>(dy.Slice(i)) - vMeanGradient - (new Vector<float>(x.Slice(i)) - vMean) * vSlope);
            if (!overwrite) g += new Vector<float>(dx.Slice(i));
            g.CopyTo(dx.Slice(i));
        }
        for (; i < x.Length; i++)
        {
            float g = gain * (dy[i] - meanGradient - (x[i] - mean) * slope);
            dx[i] = overwrite ? g : dx[i] + g;
        }
    }

    /// <summary>
    /// Reshape to [N, C, H, W], BatchNormalization (inference form: the running statistics as input_mean and input_var,
    /// every parameter an initializer under its own name), Reshape back to flat rows.
    /// </summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        foreach (var parameter in _parameters) context.Graph.AddInitializer(parameter);
        string image = OnnxShapes.ToImage(context, Channels, Height, Width);
        string normalized = context.Tensor("normalized");
        context.AddNode("BatchNormalization", [image, Scale.Name, Shift.Name, RunningMean.Name, RunningVariance.Name], [normalized],
            OnnxNodeAttribute.Float("epsilon", Epsilon),
            // ONNX's momentum weighs the old running value (running·momentum + batch·(1 − momentum)): PyTorch's complement.
            // Inference ignores it; it is written so that the file states the layer fully.
            OnnxNodeAttribute.Float("momentum", 1 - Momentum));
        OnnxShapes.ToRows(context, normalized, OutputSize);
    }
}
