using System.Runtime.CompilerServices;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// Write-back of a tile that overhangs the edge of C. Kernels always compute whole tiles (packing pads
/// with zeros); an edge tile is computed into a scratch tile with alpha = 1, beta = 0, and only its part
/// inside C is written here.
/// </summary>
internal static unsafe class GemmEdgeTile
{
    /// <summary>
    /// C = alpha·tile + beta·C over the <paramref name="rows"/> × <paramref name="columns"/> corner, with the same
    /// fused operations as the kernels' full-tile write-back so an element's value never depends on which path wrote it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Write(float* tile, nint tileStride, float* c, nint ldc, int rows, int columns, float alpha, float beta)
    {
        for (int r = 0; r < rows; r++, tile += tileStride, c += ldc)
        {
            if (beta == 0)
            {
                for (int j = 0; j < columns; j++) c[j] = tile[j] * alpha;
            }
            else if (beta == 1)
            {
                for (int j = 0; j < columns; j++) c[j] = MathF.FusedMultiplyAdd(tile[j], alpha, c[j]);
            }
            else
            {
                for (int j = 0; j < columns; j++) c[j] = MathF.FusedMultiplyAdd(tile[j], alpha, c[j] * beta);
            }
        }
    }
}
