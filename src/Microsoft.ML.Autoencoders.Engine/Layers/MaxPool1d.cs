using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Max pooling over rows [C, L] with a window, a stride and padding on both ends (which no window takes its maximum from,
/// as PyTorch pads with −∞). Forward keeps the position of each window's maximum in the scratch, so backward routes each
/// gradient to exactly that input; ties go to the first position and a NaN wins, as in <see cref="MaxPool2d"/> and PyTorch.
/// </summary>
public sealed class MaxPool1d : Layer
{
    /// <summary>Creates the layer for sequences of <paramref name="channels"/>×<paramref name="length"/>.</summary>
    public MaxPool1d(int channels, int length, int poolSize, int stride, int padding)
    {
        if (channels <= 0 || length <= 0 || poolSize <= 0 || stride <= 0) throw new ArgumentOutOfRangeException(nameof(poolSize), "Every size, the window and the stride must be positive.");
        if (padding < 0 || padding > poolSize / 2) throw new ArgumentOutOfRangeException(nameof(padding), "The padding must be between 0 and half the window.");
        if (length + 2 * padding < poolSize) throw new ArgumentException("The window does not fit the input.", nameof(poolSize));
        FloatPositions.RequireExact((long)channels * length, "max_pool1d", nameof(length));
        Channels = channels;
        Length = length;
        PoolSize = poolSize;
        Stride = stride;
        Padding = padding;
        OutputLength = (length + 2 * padding - poolSize) / stride + 1;
    }

    /// <summary>Channels.</summary>
    public int Channels { get; }

    /// <summary>Input positions per channel.</summary>
    public int Length { get; }

    /// <summary>The window.</summary>
    public int PoolSize { get; }

    /// <summary>The step between windows.</summary>
    public int Stride { get; }

    /// <summary>Positions outside the sequence at each end that windows may cover.</summary>
    public int Padding { get; }

    /// <summary>Output positions per channel.</summary>
    public int OutputLength { get; }

    /// <inheritdoc/>
    public override int InputSize => Channels * Length;

    /// <inheritdoc/>
    public override int OutputSize => Channels * OutputLength;

    /// <summary>The index (within the row) of each output's maximum, stored as a float (exact below 2^24, which the constructor requires).</summary>
    public override int ScratchSizePerSample => OutputSize;

    /// <inheritdoc/>
    internal override bool CanOverwriteInputGradient => true;

    /// <summary>Row by row, with no state but each row's scratch: joins the chains around convolutions.</summary>
    internal override SampleParallelism SampleParallelism => SampleParallelism.Allowed;

    /// <summary>Rows are split over the threads; each output keeps the index of its maximum for backward.</summary>
    public override unsafe void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pArgmax = scratch)
        {
            ParallelRange.Run(batch, context.Threads, new ForwardRows(this, px, py, pArgmax), grain: 1, minPerThread: 8);
        }
    }

    private readonly unsafe struct ForwardRows(MaxPool1d layer, float* x, float* y, float* argmax) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            for (int n = start; n < end; n++)
                layer.Pool(x + (nint)n * layer.InputSize, y + (nint)n * layer.OutputSize, argmax + (nint)n * layer.OutputSize);
        }
    }

    /// <summary>One row: each window clipped to the sequence (the padding never wins), its first maximum or a NaN kept.</summary>
    private unsafe void Pool(float* row, float* output, float* indices)
    {
        for (int c = 0, o = 0; c < Channels; c++)
        {
            int channel = c * Length;
            for (int w = 0; w < OutputLength; w++, o++)
            {
                int first = w * Stride - Padding;
                int from = Math.Max(first, 0), to = Math.Min(first + PoolSize, Length);
                int best = channel + from;
                float max = row[best];
                for (int i = channel + from + 1; i < channel + to; i++)
                {
                    float value = row[i];
                    if (value > max || float.IsNaN(value))
                    {
                        max = value;
                        best = i;
                    }
                }
                output[o] = max;
                indices[o] = best;
            }
        }
    }

    /// <summary>Rows are split over the threads: each routes its outputs' gradients to the inputs that won.</summary>
    public override unsafe void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        if (dx.IsEmpty) return;
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        fixed (float* pArgmax = scratch)
        {
            ParallelRange.Run(batch, context.Threads, new BackwardRows(this, pdy, pdx, pArgmax, context.OverwriteInputGradient), grain: 1, minPerThread: 8);
        }
    }

    private readonly unsafe struct BackwardRows(MaxPool1d layer, float* dy, float* dx, float* argmax, bool overwrite) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            for (int n = start; n < end; n++)
            {
                float* target = dx + (nint)n * layer.InputSize;
                float* gradient = dy + (nint)n * layer.OutputSize;
                float* indices = argmax + (nint)n * layer.OutputSize;
                // Overlapping windows (stride below the window) can pick the same input twice: its gradient is the sum.
                if (overwrite) new Span<float>(target, layer.InputSize).Clear();
                for (int o = 0; o < layer.OutputSize; o++) target[(int)indices[o]] += gradient[o];
            }
        }
    }

    /// <summary>Reshape to [N, C, L], MaxPool with a 1-D window (its pads as PyTorch's −∞ padding), Reshape back.</summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        string sequence = OnnxShapes.Reshaped(context, context.Input, "sequence", -1, Channels, Length);
        string pooled = context.Tensor("pooled");
        context.AddNode("MaxPool", [sequence], [pooled],
            OnnxNodeAttribute.Ints("kernel_shape", PoolSize),
            OnnxNodeAttribute.Ints("strides", Stride),
            OnnxNodeAttribute.Ints("pads", Padding, Padding));
        OnnxShapes.ToRows(context, pooled, OutputSize);
    }
}
