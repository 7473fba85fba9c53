using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Models;

/// <summary>
/// One block of a convolutional encoder: a convolution of <paramref name="Filters"/> channels, its activation, and then
/// either max pooling by <paramref name="Pooling"/> (stride-1 convolution) or nothing (a strided convolution that
/// shrinks the image itself, when <paramref name="Pooling"/> is 1).
/// </summary>
/// <param name="Filters">Output channels of the block's convolution.</param>
/// <param name="KernelSize">The square kernel's side.</param>
/// <param name="Stride">The convolution's stride; above 1 the decoder undoes it with a transposed convolution.</param>
/// <param name="Pooling">Max pooling window and stride after the activation (1 = none); ceil mode, as Keras' "same" pooling.</param>
public sealed record ConvolutionBlock(int Filters, int KernelSize = 3, int Stride = 1, int Pooling = 2);

/// <summary>
/// The settings of a convolutional autoencoder as a list of <see cref="ConvolutionBlock"/>s, mirrored by the decoder
/// as the Keras blog builds it: Conv16-Pool-Conv8-Pool-Conv8-Pool on MNIST becomes the code 8×4×4, then
/// Conv8-Up-Conv8-Up-Conv16-Up and a last convolution back to the input's channels with the output activation.
/// <see cref="ToSpec"/> turns it into the <see cref="NetworkSpec"/> every network is built from.
/// </summary>
/// <remarks>
/// Ceil-mode pooling lets odd sizes through (7 → 4), so upsampling cannot always give a block's input size back
/// (4 → 8, not 7). The decoder follows the Keras blog's answer: each decoder convolution is "same" while the image is
/// still too small and "valid" (trimming kernel − 1) as soon as trimming still leaves enough to reach the block's
/// input size after upsampling, which on MNIST gives 4 → 8 → 16 → 14 → 28. A network whose decoder cannot end on the
/// input's size this way is refused with the sizes it would give.
/// </remarks>
public sealed record ConvolutionalArchitecture
{
    /// <summary>The per-row image shape [channels, height, width].</summary>
    public required TensorShape InputShape { get; init; }

    /// <summary>The encoder's blocks, outermost first; the code is the last block's output, flattened.</summary>
    public required IReadOnlyList<ConvolutionBlock> Blocks { get; init; }

    /// <summary>The activation after every convolution but the last.</summary>
    public Activation HiddenActivation { get; init; } = Activation.Relu;

    /// <summary>The activation of the last convolution (Sigmoid suits pixels in [0, 1]).</summary>
    public Activation OutputActivation { get; init; } = Activation.Sigmoid;

    /// <summary>The negative slope of every leaky ReLU.</summary>
    public float LeakyReluSlope { get; init; } = ActivationSpec.DefaultSlope;

    /// <summary>Inverted dropout after every block of the encoder and the decoder (training only; 0 = none).</summary>
    public float DropoutRate { get; init; }

    /// <summary>How the convolutions' weights are drawn.</summary>
    public WeightInitialization Initialization { get; init; } = WeightInitialization.XavierOrHeByActivation;

    /// <summary>The network as layer specs, resolved; throws <see cref="ArgumentException"/> naming the block at fault.</summary>
    public NetworkSpec ToSpec()
    {
        ArgumentNullException.ThrowIfNull(InputShape);
        if (InputShape.Rank != 3) throw new ArgumentException($"A convolutional autoencoder takes images [channels, height, width]; the input shape is {InputShape}.");
        if (Blocks is not { Count: > 0 }) throw new ArgumentException("Give at least one convolution block.");
        for (int i = 0; i < Blocks.Count; i++)
        {
            var block = Blocks[i];
            if (block.Filters <= 0 || block.KernelSize <= 0 || block.Stride <= 0 || block.Pooling <= 0)
                throw new ArgumentException($"Convolution block {i} ({block}): filters, kernel size, stride and pooling must be positive.");
            if (block.Stride > 1 && block.Pooling > 1)
                throw new ArgumentException($"Convolution block {i} ({block}) both strides and pools: the decoder undoes one or the other, so choose one.");
        }

        var encoder = new List<LayerSpec>();
        var blockStarts = new List<int>(); // each block's first layer in the encoder
        foreach (var block in Blocks)
        {
            blockStarts.Add(encoder.Count);
            encoder.Add(new Conv2dSpec(block.Filters, block.KernelSize, block.Stride, Conv2dPadding.Same, Initialization: Initialization));
            encoder.Add(Activate(HiddenActivation));
            if (block.Pooling > 1) encoder.Add(new MaxPool2dSpec(block.Pooling, CeilMode: true));
            if (DropoutRate > 0) encoder.Add(new DropoutSpec(DropoutRate));
        }
        var resolvedEncoder = NetworkSpec.ResolveEncoder(InputShape, encoder);

        // The decoder, block by block from the code outwards, back to the size each block took in the encoder.
        var decoder = new List<LayerSpec>();
        int height = resolvedEncoder[^1].OutputShape![1], width = resolvedEncoder[^1].OutputShape![2];
        for (int i = Blocks.Count - 1; i >= 0; i--)
        {
            var block = Blocks[i];
            TensorShape target = resolvedEncoder[blockStarts[i]].InputShape!;
            if (block.Stride > 1)
            {
                decoder.Add(TransposedConvolutionTo(block, height, width, target[1], target[2], i));
                height = target[1];
                width = target[2];
            }
            else
            {
                // Trim with a valid convolution only when what is left still upsamples to at least the block's input size.
                int trim = block.KernelSize - 1;
                bool valid = trim > 0 && (height - trim) * block.Pooling >= target[1] && (width - trim) * block.Pooling >= target[2];
                decoder.Add(new Conv2dSpec(block.Filters, block.KernelSize, 1, valid ? Conv2dPadding.Valid : Conv2dPadding.Same, Initialization: Initialization));
                if (valid)
                {
                    height -= trim;
                    width -= trim;
                }
                if (block.Pooling > 1)
                {
                    height *= block.Pooling;
                    width *= block.Pooling;
                }
            }
            decoder.Add(Activate(HiddenActivation));
            if (block.Pooling > 1) decoder.Add(new Upsample2dSpec(block.Pooling));
            if (DropoutRate > 0) decoder.Add(new DropoutSpec(DropoutRate));
        }
        if (height != InputShape[1] || width != InputShape[2])
        {
            throw new ArgumentException(
                $"The decoder mirroring these blocks ends on {height}×{width} images (height × width), not the input's {InputShape[1]}×{InputShape[2]}: " +
                "choose pooling or kernel sizes that divide the image, or give the layers explicitly.");
        }
        decoder.Add(new Conv2dSpec(InputShape[0], Blocks[0].KernelSize, Initialization: Initialization));
        if (OutputActivation != Activation.Linear) decoder.Add(Activate(OutputActivation));
        return new NetworkSpec { InputShape = InputShape, Encoder = resolvedEncoder, Decoder = decoder }.Resolve();
    }

    private ActivationSpec Activate(Activation function) => new(function, LeakyReluSlope);

    /// <summary>
    /// A transposed convolution of the block's filters from height×width back to exactly the block's input size: Keras'
    /// "same" (size × stride) when that fits, else the explicit padding and output padding that do, else (an odd side
    /// beside an even one, 33×30 → 17×15, whose axes need different paddings) per-side pads, where the decoder is at the size
    /// the encoder's strided convolution gave; anything else (a ceil-mode pooling after it left the decoder bigger) is refused.
    /// </summary>
    private LayerSpec TransposedConvolutionTo(ConvolutionBlock block, int height, int width, int targetHeight, int targetWidth, int index)
    {
        if (height * block.Stride == targetHeight && width * block.Stride == targetWidth)
            return new ConvTranspose2dSpec(block.Filters, block.KernelSize, block.Stride, Conv2dPadding.Same, Initialization: Initialization);
        // Output = (in − 1)·stride − 2·padding + kernel + outputPadding, with outputPadding < stride.
        for (int padding = 0; padding < block.KernelSize; padding++)
        for (int outputPadding = 0; outputPadding < block.Stride; outputPadding++)
        {
            int Size(int input) => (input - 1) * block.Stride - 2 * padding + block.KernelSize + outputPadding;
            if (Size(height) == targetHeight && Size(width) == targetWidth)
            {
                return new ConvTranspose2dSpec(block.Filters, block.KernelSize, block.Stride, Conv2dPadding.Explicit,
                    ExplicitPadding: padding, OutputPadding: outputPadding, Initialization: Initialization);
            }
        }
        if (height != (targetHeight + block.Stride - 1) / block.Stride || width != (targetWidth + block.Stride - 1) / block.Stride)
        {
            throw new ArgumentException(
                $"Convolution block {index} ({block}) shrinks {targetHeight}×{targetWidth} to {height}×{width} (height × width), and no transposed " +
                "convolution of its kernel and stride gives that size back; give the layers explicitly.");
        }
        // The encoder's "same" convolution's own pads on each side, which make this its transpose; an axis whose full
        // output is still short (a kernel smaller than the stride) takes output padding, and as one output padding serves
        // both axes, the other axis crops that much more at its end.
        var (top, bottom) = ConvGeometry.SamePadding(targetHeight, block.KernelSize, block.Stride, 1);
        var (left, right) = ConvGeometry.SamePadding(targetWidth, block.KernelSize, block.Stride, 1);
        int ShortBy(int input, int before, int after, int target) => target - ((input - 1) * block.Stride + block.KernelSize - before - after);
        int rowsShort = ShortBy(height, top, bottom, targetHeight), columnsShort = ShortBy(width, left, right, targetWidth);
        int shared = Math.Max(rowsShort, columnsShort);
        return new ConvTranspose2dSpec(block.Filters, block.KernelSize, block.Stride, Conv2dPadding.Explicit, OutputPadding: shared,
            Initialization: Initialization,
            ExplicitPads: new Conv2dPads(top, left, bottom + shared - rowsShort, right + shared - columnsShort));
    }
}
