using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Kernels;

/// <summary>
/// Under the AVX-512 kernel, full tiles read a row-major A where it is stored instead of packing it
/// (<see cref="GemmMicroKernelAvx512.ComputeInPlaceA"/>). The result must have the bits of the packed path, on the shapes that
/// exercise its edges: a last partial sliver, two depth blocks, a leading dimension wider than the matrix, and beta.
/// </summary>
public unsafe class GemmInPlaceATests
{
    [Theory]
    [InlineData(256, 256, 64, 64, 1f, 0f)]     // the autoencoder's 64-deep products: 21 full slivers and one of 4 rows
    [InlineData(256, 64, 784, 784, 1f, 0f)]    // two depth blocks (392 + 392): the second adds onto the first
    [InlineData(37, 96, 100, 131, 0.5f, 1f)]   // lda wider than k, beta = 1 keeps C
    [InlineData(12, 32, 1, 5, -2f, 0.25f)]     // one tile, one step
    [InlineData(100, 32, 300, 300, 1f, 0.5f)]  // a last partial sliver of 4 rows with beta
    [InlineData(400, 64, 300, 300, 1f, 0.5f)]  // more rows than one row block (132 on Zen 4)
    public void ReadingAInPlaceGivesThePackedBits(int m, int n, int k, int lda, float alpha, float beta)
    {
        GemmMicroKernel? kernel = GemmMicroKernel.Avx512;
        if (kernel is null) return; // The path exists only under AVX-512; elsewhere there is nothing to compare.

        var random = new Random(m * 7919 + n * 31 + k);
        float[] a = RandomValues(random, (m - 1) * lda + k);
        float[] b = RandomValues(random, k * n);
        float[] start = RandomValues(random, m * n);
        float[] inPlace = (float[])start.Clone(), packed = (float[])start.Clone(), reference = (float[])start.Clone();

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pInPlace = inPlace)
        fixed (float* pPacked = packed)
        {
            Assert.True(GemmBlockedProduct.ReadsAInPlace(Operands(pa, lda, pb, pInPlace, m, n, k, alpha, beta), kernel, n));
            GemmBlockedProduct.Compute(Operands(pa, lda, pb, pInPlace, m, n, k, alpha, beta), GemmBlocking.For(kernel), 0, m, 0, n, allowAInPlace: true);
            GemmBlockedProduct.Compute(Operands(pa, lda, pb, pPacked, m, n, k, alpha, beta), GemmBlocking.For(kernel), 0, m, 0, n, allowAInPlace: false);
        }

        Assert.Equal(packed, inPlace);
        GemmReference.Multiply(Transpose.No, Transpose.No, m, n, k, alpha, a, lda, b, n, beta, reference, n);
        for (int i = 0; i < reference.Length; i++) Assert.Equal(reference[i], inPlace[i], 1e-3f * (1 + MathF.Abs(reference[i])));
    }

    [Fact]
    public void OnlyRowMajorAWithFullPanelsAndAHarmlessStrideIsReadInPlace()
    {
        GemmMicroKernel? kernel = GemmMicroKernel.Avx512;
        Assert.False(GemmBlockedProduct.ReadsAInPlace(Operands(null, 64, null, null, 256, 256, 64, 1, 0), GemmMicroKernel.Portable, 256));
        if (kernel is null) return;

        Assert.True(GemmBlockedProduct.ReadsAInPlace(Operands(null, 64, null, null, 256, 256, 64, 1, 0), kernel, 256));
        // Aᵀ is read step by step, not row by row; a partial panel needs the narrow kernels, which read packed slivers.
        Assert.False(GemmBlockedProduct.ReadsAInPlace(Operands(null, 64, null, null, 256, 256, 64, 1, 0, transA: true), kernel, 256));
        Assert.False(GemmBlockedProduct.ReadsAInPlace(Operands(null, 64, null, null, 256, 784, 64, 1, 0), kernel, 784 - 384));
        // Rows 2 KiB apart would share one or two L1 sets.
        Assert.False(GemmBlockedProduct.ReadsAInPlace(Operands(null, 1024, null, null, 1024, 1024, 1024, 1, 0), kernel, 512));
    }

    private static GemmOperands Operands(float* a, int lda, float* b, float* c, int m, int n, int k, float alpha, float beta,
        bool transA = false) =>
        new(transA, transB: false, m, n, k, alpha, a, lda, b, n, beta, c, n);

    private static float[] RandomValues(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
