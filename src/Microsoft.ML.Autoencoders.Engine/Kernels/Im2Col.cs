using System.Numerics.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The im2col rearrangement that turns a convolution into one GEMM: for one image [C, H, W], the matrix
/// cols [C·kh·kw, Ho·Wo] whose column p holds the input values under the kernel at output position p (zero where the
/// window hangs over the padding). <see cref="Scatter"/> is its transpose, which the backward pass needs (col2im).
/// </summary>
public static class Im2Col
{
    /// <summary>cols = im2col(image).</summary>
    public static void Gather(in ConvGeometry g, ReadOnlySpan<float> image, Span<float> cols)
    {
        int ho = g.OutputHeight, wo = g.OutputWidth, positions = ho * wo;
        int row = 0;
        for (int c = 0; c < g.Channels; c++)
        {
            ReadOnlySpan<float> plane = image.Slice(c * g.Height * g.Width, g.Height * g.Width);
            for (int ky = 0; ky < g.KernelHeight; ky++)
            {
                for (int kx = 0; kx < g.KernelWidth; kx++, row++)
                {
                    Span<float> target = cols.Slice(row * positions, positions);
                    int dy = ky * g.Dilation - g.PadTop, dx = kx * g.Dilation - g.PadLeft;
                    for (int oy = 0; oy < ho; oy++)
                    {
                        int y = oy * g.Stride + dy;
                        Span<float> line = target.Slice(oy * wo, wo);
                        if ((uint)y >= (uint)g.Height)
                        {
                            line.Clear();
                            continue;
                        }
                        ReadOnlySpan<float> source = plane.Slice(y * g.Width, g.Width);
                        if (g.Stride == 1)
                        {
                            // Stride 1: the columns inside the image are one contiguous copy, the overhang zeros.
                            int first = Math.Max(0, -dx), last = Math.Min(wo, g.Width - dx);
                            if (first >= last)
                            {
                                line.Clear();
                                continue;
                            }
                            line.Slice(0, first).Clear();
                            source.Slice(first + dx, last - first).CopyTo(line.Slice(first));
                            line.Slice(last).Clear();
                            continue;
                        }
                        for (int ox = 0; ox < wo; ox++)
                        {
                            int x = ox * g.Stride + dx;
                            line[ox] = (uint)x < (uint)g.Width ? source[x] : 0f;
                        }
                    }
                }
            }
        }
    }

    /// <summary>image += col2im(cols): each column's values added back to the input positions they came from.</summary>
    public static void Scatter(in ConvGeometry g, ReadOnlySpan<float> cols, Span<float> image)
    {
        int ho = g.OutputHeight, wo = g.OutputWidth, positions = ho * wo;
        int row = 0;
        for (int c = 0; c < g.Channels; c++)
        {
            Span<float> plane = image.Slice(c * g.Height * g.Width, g.Height * g.Width);
            for (int ky = 0; ky < g.KernelHeight; ky++)
            {
                for (int kx = 0; kx < g.KernelWidth; kx++, row++)
                {
                    ReadOnlySpan<float> source = cols.Slice(row * positions, positions);
                    int dy = ky * g.Dilation - g.PadTop, dx = kx * g.Dilation - g.PadLeft;
                    for (int oy = 0; oy < ho; oy++)
                    {
                        int y = oy * g.Stride + dy;
                        if ((uint)y >= (uint)g.Height) continue;
                        Span<float> target = plane.Slice(y * g.Width, g.Width);
                        ReadOnlySpan<float> line = source.Slice(oy * wo, wo);
                        if (g.Stride == 1)
                        {
                            int first = Math.Max(0, -dx), last = Math.Min(wo, g.Width - dx);
                            if (first < last)
                            {
                                Span<float> span = target.Slice(first + dx, last - first);
                                TensorPrimitives.Add(span, line.Slice(first, last - first), span);
                            }
                            continue;
                        }
                        for (int ox = 0; ox < wo; ox++)
                        {
                            int x = ox * g.Stride + dx;
                            if ((uint)x < (uint)g.Width) target[x] += line[ox];
                        }
                    }
                }
            }
        }
    }
}
