using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Nearest-neighbour upsampling of rows [C, L] by an integer factor s to [C, s·L]: every input value is repeated s times;
/// backward sums each run of s gradients.
/// </summary>
public sealed class Upsample1d : Layer
{
    /// <summary>Creates the layer for sequences of <paramref name="channels"/>×<paramref name="length"/>.</summary>
    public Upsample1d(int channels, int length, int scale)
    {
        if (channels <= 0 || length <= 0 || scale <= 0) throw new ArgumentOutOfRangeException(nameof(scale), "Every size and the scale must be positive.");
        Channels = channels;
        Length = length;
        Scale = scale;
    }

    /// <summary>Channels.</summary>
    public int Channels { get; }

    /// <summary>Input positions per channel.</summary>
    public int Length { get; }

    /// <summary>The factor.</summary>
    public int Scale { get; }

    /// <inheritdoc/>
    public override int InputSize => Channels * Length;

    /// <inheritdoc/>
    public override int OutputSize => InputSize * Scale;

    /// <inheritdoc/>
    internal override bool CanOverwriteInputGradient => true;

    /// <summary>Row by row, with no state: joins the chains around convolutions.</summary>
    internal override SampleParallelism SampleParallelism => SampleParallelism.Allowed;

    /// <summary>
    /// Every value repeated <see cref="Scale"/> times: a row of the batch is C·L values, so the whole batch is one run over
    /// its values, split over the threads.
    /// </summary>
    public override unsafe void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        fixed (float* px = x)
        fixed (float* py = y)
        {
            ParallelRange.Run(batch * InputSize, context.Threads, new Repeat(px, py, Scale));
        }
    }

    private readonly unsafe struct Repeat(float* x, float* y, int scale) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                float value = x[i];
                float* run = y + (nint)i * scale;
                for (int s = 0; s < scale; s++) run[s] = value;
            }
        }
    }

    /// <summary>Each input gradient is the sum of its run's, written over dx or added to it.</summary>
    public override unsafe void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        if (dx.IsEmpty) return;
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        {
            ParallelRange.Run(batch * InputSize, context.Threads, new SumRuns(pdy, pdx, Scale, context.OverwriteInputGradient));
        }
    }

    private readonly unsafe struct SumRuns(float* dy, float* dx, int scale, bool overwrite) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                float* run = dy + (nint)i * scale;
                float sum = overwrite ? 0f : dx[i];
                for (int s = 0; s < scale; s++) sum += run[s];
                dx[i] = sum;
            }
        }
    }

    /// <summary>Reshape to [N, C, L], Resize (nearest, asymmetric coordinates, floor: exactly index ⌊i / s⌋), Reshape back.</summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        string sequence = OnnxShapes.Reshaped(context, context.Input, "sequence", -1, Channels, Length);
        string scales = context.Tensor("scales"), resized = context.Tensor("resized");
        context.Graph.AddInitializer(scales, [3], [1f, 1f, Scale]);
        context.AddNode("Resize", [sequence, "", scales], [resized],
            OnnxNodeAttribute.String("mode", "nearest"),
            OnnxNodeAttribute.String("coordinate_transformation_mode", "asymmetric"),
            OnnxNodeAttribute.String("nearest_mode", "floor"));
        OnnxShapes.ToRows(context, resized, OutputSize);
    }
}
