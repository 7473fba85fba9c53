using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

/// <summary>
/// A convolution and its gradients from the definition, in doubles, for any geometry (stride, dilation, padding on each
/// side, rectangular kernels): y, dx, dW and db, each with the sum of its terms' magnitudes, which bounds the float error
/// of any order of summing them and so sets the tolerance.
/// </summary>
internal sealed class ConvolutionReference
{
    /// <summary>Relative tolerance, against the sum of the terms' magnitudes.</summary>
    public const double Tolerance = 1e-5;

    public readonly double[] Y, YScale, Dw, DwScale, Db, DbScale, Dx, DxScale;

    public ConvolutionReference(ConvGeometry g, int filters, float[] weights, float[] bias, float[] x, float[] dy, int batch)
    {
        int c = g.Channels, h = g.Height, w = g.Width, kh = g.KernelHeight, kw = g.KernelWidth, ho = g.OutputHeight, wo = g.OutputWidth;
        Y = new double[batch * filters * ho * wo]; YScale = new double[Y.Length];
        Dw = new double[weights.Length]; DwScale = new double[Dw.Length];
        Db = new double[filters]; DbScale = new double[filters];
        Dx = new double[x.Length]; DxScale = new double[x.Length];
        for (int n = 0; n < batch; n++)
        for (int f = 0; f < filters; f++)
        for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
        {
            int yi = ((n * filters + f) * ho + oy) * wo + ox;
            Y[yi] = bias[f];
            YScale[yi] = Math.Abs(bias[f]);
            double gradient = dy[yi];
            Db[f] += gradient;
            DbScale[f] += Math.Abs(gradient);
            for (int ch = 0; ch < c; ch++)
            for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++)
            {
                int iy = oy * g.Stride + ky * g.Dilation - g.PadTop, ix = ox * g.Stride + kx * g.Dilation - g.PadLeft;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                int wi = ((f * c + ch) * kh + ky) * kw + kx, xi = ((n * c + ch) * h + iy) * w + ix;
                double product = (double)weights[wi] * x[xi];
                Y[yi] += product;
                YScale[yi] += Math.Abs(product);
                Dw[wi] += gradient * x[xi];
                DwScale[wi] += Math.Abs(gradient * x[xi]);
                Dx[xi] += gradient * weights[wi];
                DxScale[xi] += Math.Abs(gradient * weights[wi]);
            }
        }
    }

    /// <summary>
    /// Whether every value is within <see cref="Tolerance"/> of its sum's magnitude (plus a float's rounding of it) of the
    /// reference; <paramref name="message"/> names the worst one when not.
    /// </summary>
    public static bool Close(double[] expected, double[] scale, ReadOnlySpan<float> actual, out string? message)
    {
        message = null;
        if (expected.Length != actual.Length)
        {
            message = $"length {actual.Length} != {expected.Length}";
            return false;
        }
        for (int i = 0; i < expected.Length; i++)
        {
            double allowed = Tolerance * scale[i] + 1e-7 * Math.Abs(expected[i]) + 1e-30;
            if (!(Math.Abs(actual[i] - expected[i]) <= allowed))
            {
                message = $"[{i}]: {actual[i]} vs {expected[i]:G9} (allowed {allowed:G3})";
                return false;
            }
        }
        return true;
    }
}
