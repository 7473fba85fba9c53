using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Kernels;

/// <summary>
/// Threads share a product as <see cref="GemmBands"/>, and which thread takes which band depends on how fast each core
/// runs at the moment (<see cref="ChunkSchedule"/>). So every cut, its bands computed in any order, must give the bits
/// of the product computed whole on one thread: the row cut, the column cut and the few-rows path, with transposes.
/// </summary>
public class GemmBandsTests
{
    [Theory]
    [InlineData(300, 70, 129, false, false, 0)] // more rows than columns: row bands
    [InlineData(64, 300, 200, true, false, 0)]  // more columns: column bands (a weight gradient's shape)
    [InlineData(96, 250, 784, false, true, 5)]  // column bands over an input gradient's shape, C with gaps between rows
    [InlineData(9, 200, 150, false, false, 3)]  // few rows: the small-rows path, column bands
    public unsafe void EveryCutInAnyOrderHasTheBitsOfTheWholeProduct(int m, int n, int k, bool transA, bool transB, int gap)
    {
        // beta 0.5 on a C that starts from values: a band computed twice, or two bands that overlap, would scale some
        // elements twice and show.
        var random = new Random(m + n + k);
        float[] a = Values(random, m * k), b = Values(random, k * n);
        int lda = transA ? m : k, ldb = transB ? k : n, ldc = n + gap;
        float[] start = Values(random, m * ldc);
        float[] whole = (float[])start.Clone();
        Gemm.Multiply(transA ? Transpose.Yes : Transpose.No, transB ? Transpose.Yes : Transpose.No, m, n, k, 1f, a, lda, b, ldb, 0.5f, whole, ldc);

        GemmBlocking blocking = GemmBlocking.Current;
        fixed (float* pa = a)
        fixed (float* pb = b)
        {
            foreach (var (parts, perPart, minPerPart) in new[] { (1, 1, 1), (1, 3, 2), (2, 1, 1), (2, 3, 1), (2, 3, 3), (3, 2, 2), (5, 3, 1), (64, 3, 3) })
            {
                float[] cut = (float[])start.Clone();
                fixed (float* pc = cut)
                {
                    var operands = new GemmOperands(transA, transB, m, n, k, 1f, pa, lda, pb, ldb, 0.5f, pc, ldc);
                    var bands = new GemmBands(operands, blocking, parts, perPart, minPerPart);
                    Assert.True(bands.Count >= 1 && bands.Count <= Math.Min(parts * Math.Max(perPart, minPerPart), GemmBands.MaxCount(operands, blocking.Kernel)));
                    Assert.Equal(bands.Parts * bands.PerPart, bands.Count);
                    // Back to front, as a thief takes them: each band is written once, and together they cover C.
                    for (int band = bands.Count - 1; band >= 0; band--) bands.Compute(band);
                }

                Assert.Equal(whole, cut);
            }
        }
    }

    [Theory]
    [InlineData(256, 784, 256, false, 256, 3)]    // a forward product: A read in place, nothing packed twice
    [InlineData(256, 784, 256, true, 256, 1)]     // a weight gradient: every band would pack Aᵀ again
    [InlineData(2048, 2048, 2048, false, 2048, 1)] // a 2 KiB leading dimension: A is packed, and it is 4 M values
    [InlineData(784, 256, 256, true, 784, 1)]     // row bands: every band packs all of B
    public unsafe void TailsAreCutOnlyWhereThePackingTheyRepeatIsCheap(int m, int n, int k, bool transA, int lda, int perPart)
    {
        if (!ReferenceEquals(GemmBlocking.Current.Kernel, GemmMicroKernel.Avx512)) return; // in-place A is the AVX-512 kernel's
        var operands = new GemmOperands(transA, false, m, n, k, 1f, null, lda, null, n, 0f, null, n);
        Assert.Equal(perPart, new GemmBands(operands, GemmBlocking.Current, parts: 2, GemmBands.MaxPerPart).PerPart);
        // Where one thread owns the whole product (GemmPair), it keeps a tail for the other to take even when dear.
        Assert.Equal(Math.Max(perPart, 2), new GemmBands(operands, GemmBlocking.Current, parts: 1, GemmBands.MaxPerPart, minPerPart: 2).PerPart);
    }

    private static float[] Values(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
