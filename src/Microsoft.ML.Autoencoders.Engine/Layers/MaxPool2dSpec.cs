using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Max pooling (<see cref="MaxPool2d"/>) over rows [C, H, W] with a square window of <paramref name="PoolSize"/>, a stride
/// (0: the window size) and, with <paramref name="CeilMode"/>, a last partial window (7 → 4 with a window of 2).
/// </summary>
[LayerKind("max_pool2d")]
public sealed record MaxPool2dSpec(int PoolSize = 2, int Stride = 0, bool CeilMode = false) : LayerSpec
{
    /// <summary>Its layer has no forward mode for the contractive penalty.</summary>
    internal override bool LacksTangents => true;

    /// <summary>The geometry over rows of <paramref name="input"/>; ceil mode's overhang is bottom/right padding.</summary>
    public ConvGeometry Geometry(TensorShape input)
    {
        int stride = Stride == 0 ? PoolSize : Stride;
        if (PoolSize <= 0 || stride <= 0) throw new ArgumentException($"the window and stride must be positive (were {PoolSize}, {stride}).");
        if (input.Rank != 3) throw Refuse("an image [channels, height, width]", input);
        if (input[1] < PoolSize || input[2] < PoolSize) throw Refuse($"an image of at least {PoolSize}×{PoolSize}", input);
        int Overhang(int size)
        {
            if (!CeilMode) return 0;
            int output = (size - PoolSize + stride - 1) / stride + 1;
            if ((output - 1) * stride >= size) output--; // a window must start inside the image (PyTorch's rule)
            return Math.Max((output - 1) * stride + PoolSize - size, 0);
        }
        return new ConvGeometry(input[0], input[1], input[2], PoolSize, PoolSize, stride, 1, 0, 0, Overhang(input[1]), Overhang(input[2]));
    }

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        var g = Geometry(input);
        return new TensorShape(input[0], g.OutputHeight, g.OutputWidth);
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) => new MaxPool2d(Geometry(context.InputShape), CeilMode);

    /// <summary>Nearest upsampling by the stride, when that gives back the input's size (no ceil-mode overhang).</summary>
    public override LayerSpec Mirror(MirrorContext context)
    {
        int stride = Stride == 0 ? PoolSize : Stride;
        var input = context.OutputShape;
        var output = context.InputShape;
        if (output[1] * stride != input[1] || output[2] * stride != input[2])
            throw new NotSupportedException($"Upsampling {output} by {stride} does not give back {input} (ceil mode or a remainder): give the decoder explicitly.");
        return new Upsample2dSpec(stride);
    }
}
