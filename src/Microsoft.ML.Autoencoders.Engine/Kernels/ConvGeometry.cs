namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The shape arithmetic of a 2-D convolution or pooling window over one [channels, height, width] image: kernel,
/// stride, dilation, and the padding on each side (asymmetric when "same" padding needs an odd total).
/// </summary>
public readonly record struct ConvGeometry(
    int Channels, int Height, int Width, int KernelHeight, int KernelWidth, int Stride, int Dilation,
    int PadTop, int PadLeft, int PadBottom, int PadRight)
{
    /// <summary>Output rows: ⌊(H + pads − dilation·(k − 1) − 1) / stride⌋ + 1.</summary>
    public int OutputHeight => (Height + PadTop + PadBottom - Dilation * (KernelHeight - 1) - 1) / Stride + 1;

    /// <summary>Output columns.</summary>
    public int OutputWidth => (Width + PadLeft + PadRight - Dilation * (KernelWidth - 1) - 1) / Stride + 1;

    /// <summary>Rows of the im2col matrix: one per (channel, kernel row, kernel column).</summary>
    public int PatchSize => Channels * KernelHeight * KernelWidth;

    /// <summary>Columns of the im2col matrix: one per output position.</summary>
    public int OutputPositions => OutputHeight * OutputWidth;

    /// <summary>
    /// The padding TensorFlow and Keras call "same": the output has ⌈size / stride⌉ positions, and an odd total
    /// puts the extra row or column at the bottom and right.
    /// </summary>
    public static (int Before, int After) SamePadding(int size, int kernel, int stride, int dilation)
    {
        int output = (size + stride - 1) / stride;
        int total = Math.Max((output - 1) * stride + dilation * (kernel - 1) + 1 - size, 0);
        return (total / 2, total - total / 2);
    }
}
