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
    [InlineData(300, 70, 129, false, false)] // more rows than columns: row bands
    [InlineData(64, 300, 200, true, false)]  // more columns: column bands (a weight gradient's shape)
    [InlineData(96, 250, 784, false, true)]  // column bands over an input gradient's shape
    [InlineData(9, 200, 150, false, false)]  // few rows: the small-rows path, column bands
    public unsafe void EveryCutInAnyOrderHasTheBitsOfTheWholeProduct(int m, int n, int k, bool transA, bool transB)
    {
        var random = new Random(m + n + k);
        float[] a = Values(random, m * k), b = Values(random, k * n);
        int lda = transA ? m : k, ldb = transB ? k : n;
        var whole = new float[m * n];
        Gemm.Multiply(transA ? Transpose.Yes : Transpose.No, transB ? Transpose.Yes : Transpose.No, m, n, k, 1f, a, lda, b, ldb, 0f, whole, n);

        GemmBlocking blocking = GemmBlocking.Current;
        fixed (float* pa = a)
        fixed (float* pb = b)
        {
            foreach (int count in new[] { 1, 2, 3, 5, 64 })
            {
                float[] cut = Enumerable.Repeat(float.NaN, m * n).ToArray();
                fixed (float* pc = cut)
                {
                    var operands = new GemmOperands(transA, transB, m, n, k, 1f, pa, lda, pb, ldb, 0f, pc, n);
                    var bands = new GemmBands(operands, blocking, count);
                    Assert.True(bands.Count >= 1 && bands.Count <= Math.Min(count, GemmBands.MaxCount(operands, blocking.Kernel)));
                    // Back to front, as a thief takes them: each band is written once, and together they cover C.
                    for (int band = bands.Count - 1; band >= 0; band--) bands.Compute(band);
                }

                Assert.Equal(whole, cut);
            }
        }
    }

    private static float[] Values(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
