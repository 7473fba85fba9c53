using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Max pooling (<see cref="MaxPool1d"/>) over rows [C, L] (channels first) with a window of <paramref name="PoolSize"/>, a
/// stride (0: the window size) and <paramref name="Padding"/> on both ends that no window takes its maximum from, as
/// PyTorch's nn.MaxPool1d(kernel_size, stride, padding) and Keras' MaxPooling1D (padding "valid") compute: ⌊(L + 2·padding −
/// window) / stride⌋ + 1 outputs.
/// </summary>
[LayerKind("max_pool1d")]
public sealed record MaxPool1dSpec(int PoolSize = 2, int Stride = 0, int Padding = 0) : LayerSpec
{
    /// <summary>Its layer has no forward mode for the contractive penalty.</summary>
    internal override bool LacksTangents => true;

    /// <summary>The stride in effect: the window size when <see cref="Stride"/> is 0.</summary>
    public int EffectiveStride => Stride == 0 ? PoolSize : Stride;

    /// <summary>The output length for sequences of <paramref name="length"/>.</summary>
    public int OutputLength(int length)
    {
        int stride = EffectiveStride;
        if (PoolSize <= 0 || stride <= 0) throw new ArgumentException($"the window and stride must be positive (were {PoolSize}, {stride}).");
        // PyTorch's rule: past half a window, a window could lie wholly in the padding and have no maximum.
        if (Padding < 0 || Padding > PoolSize / 2) throw new ArgumentException($"the padding must be between 0 and half the window, {PoolSize / 2} (was {Padding}).");
        if (length + 2 * Padding < PoolSize) throw new ArgumentException($"a window of {PoolSize} does not fit a sequence of {length} with padding {Padding}.");
        return (length + 2 * Padding - PoolSize) / stride + 1;
    }

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        if (input.Rank != 2) throw Refuse("a sequence [channels, length] (channels first)", input);
        return new TensorShape(input[0], OutputLength(input[1]));
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context)
    {
        var input = context.InputShape;
        return new MaxPool1d(input[0], input[1], PoolSize, EffectiveStride, Padding);
    }

    /// <summary>Nearest upsampling by the stride, when that gives back the input's length (as <see cref="MaxPool2dSpec.Mirror"/>).</summary>
    public override LayerSpec Mirror(MirrorContext context)
    {
        int stride = EffectiveStride;
        var input = context.OutputShape;
        var output = context.InputShape;
        if (output[1] * stride != input[1])
            throw new NotSupportedException($"Upsampling {output} by {stride} does not give back {input} (a remainder): give the decoder explicitly.");
        return new Upsample1dSpec(stride);
    }
}
