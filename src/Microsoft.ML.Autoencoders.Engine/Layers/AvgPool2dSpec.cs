using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Average pooling (<see cref="AvgPool2d"/>) over rows [C, H, W], as PyTorch's nn.AvgPool2d with its default
/// count_include_pad=True: a square window of <paramref name="PoolSize"/>, a stride (0: the window size), zero
/// <paramref name="Padding"/> on every side that counts in each window's divisor, and with <paramref name="CeilMode"/> a
/// last partial window whose overhang past the padding does not count.
/// </summary>
[LayerKind("avg_pool2d")]
public sealed record AvgPool2dSpec(int PoolSize = 2, int Stride = 0, int Padding = 0, bool CeilMode = false) : LayerSpec
{
    /// <summary>Its layer has no forward mode for the contractive penalty.</summary>
    internal override bool LacksTangents => true;

    /// <summary>
    /// The geometry over rows of <paramref name="input"/>: <see cref="Padding"/> on every side, and ceil mode's overhang
    /// added at the bottom and right.
    /// </summary>
    public ConvGeometry Geometry(TensorShape input)
    {
        int stride = Stride == 0 ? PoolSize : Stride;
        if (PoolSize <= 0 || stride <= 0) throw new ArgumentException($"the window and stride must be positive (were {PoolSize}, {stride}).");
        // PyTorch's rule: more padding than half the window would give windows of padding alone.
        if (Padding < 0 || 2 * Padding > PoolSize) throw new ArgumentException($"the padding must be in [0, {PoolSize / 2}], half the window (was {Padding}).");
        if (input.Rank != 3) throw Refuse("an image [channels, height, width]", input);
        if (input[1] + 2 * Padding < PoolSize || input[2] + 2 * Padding < PoolSize) throw Refuse($"an image of at least {PoolSize}×{PoolSize} with its padding", input);
        int Overhang(int size)
        {
            if (!CeilMode) return 0;
            int padded = size + 2 * Padding;
            int output = (padded - PoolSize + stride - 1) / stride + 1;
            if ((output - 1) * stride >= size + Padding) output--; // a window must start inside the image or its left padding (PyTorch's rule)
            return Math.Max((output - 1) * stride + PoolSize - padded, 0);
        }
        return new ConvGeometry(input[0], input[1], input[2], PoolSize, PoolSize, stride, 1, Padding, Padding,
            Padding + Overhang(input[1]), Padding + Overhang(input[2]));
    }

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        var g = Geometry(input);
        return new TensorShape(input[0], g.OutputHeight, g.OutputWidth);
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) => new AvgPool2d(Geometry(context.InputShape), Padding, CeilMode);

    /// <summary>Nearest upsampling by the stride, when that gives back the input's size.</summary>
    public override LayerSpec Mirror(MirrorContext context)
    {
        int stride = Stride == 0 ? PoolSize : Stride;
        var input = context.OutputShape;
        var output = context.InputShape;
        if (output[1] * stride != input[1] || output[2] * stride != input[2])
            throw new NotSupportedException($"Upsampling {output} by {stride} does not give back {input} (padding, ceil mode or a remainder): give the decoder explicitly.");
        return new Upsample2dSpec(stride);
    }
}
