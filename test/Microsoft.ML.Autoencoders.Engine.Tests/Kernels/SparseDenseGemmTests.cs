using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Kernels;

/// <summary>
/// Holds the sparse input path to the dense one: <see cref="NonzeroMask"/> marks exactly the nonzeros (by row and by
/// column), and <see cref="SparseDenseGemm"/> gives <see cref="GemmReference"/>'s products to float rounding,
/// bit-identically for any thread count.
/// </summary>
public class SparseDenseGemmTests
{
    // Column counts around every vector width (8, 16, 128, 256) so the compressor's and the product's tails are reached;
    // (300, 784, 256) is large enough for two threads to split and for the product to block its depth.
    private static readonly (int M, int K, int N)[] Shapes =
        [(1, 1, 1), (1, 37, 15), (7, 16, 16), (9, 33, 17), (33, 130, 129), (5, 257, 256), (17, 300, 300), (300, 784, 256), (64, 100, 600)];

    [Fact]
    public void MaskMarksExactlyTheNonzerosByRowAndByColumn()
    {
        foreach ((int m, int k, _) in Shapes)
        {
            float[] dense = SparseMatrix(new Random(m * 31 + k), m, k, density: 0.2);
            var mask = new NonzeroMask(m, k, m * k);
            Assert.True(mask.TryBuild(dense, m, k));
            Assert.Equal(m, mask.Rows);
            Assert.Equal(k, mask.Columns);
            Assert.Equal(dense.Count(v => v != 0f), mask.Count);
            for (int r = 0; r < m; r++)
            for (int c = 0; c < k; c++)
            {
                bool lit = dense[r * k + c] != 0f;
                Assert.Equal(lit, (mask.RowBits(r)[c / 64] >> (c % 64) & 1) == 1);
                Assert.Equal(lit, (mask.ColumnBits(c)[r / 64] >> (r % 64) & 1) == 1);
            }

            // Two threads mark and transpose the same bits (the larger shapes are split).
            var twoThreads = new NonzeroMask(m, k, m * k);
            Assert.True(twoThreads.TryBuild(dense, m, k, threads: 2));
            twoThreads.EnsureColumnBits(threads: 2);
            Assert.Equal(mask.Count, twoThreads.Count);
            for (int r = 0; r < m; r++) Assert.Equal(mask.RowBits(r).ToArray(), twoThreads.RowBits(r).ToArray());
            for (int c = 0; c < k; c++) Assert.Equal(mask.ColumnBits(c).ToArray(), twoThreads.ColumnBits(c).ToArray());

            // Bits past the last column (or row) stay clear: the kernels visit every set bit.
            if (k % 64 != 0) Assert.Equal(0UL, mask.RowBits(m - 1)[^1] >> (k % 64));
            if (m % 64 != 0) Assert.Equal(0UL, mask.ColumnBits(k - 1)[^1] >> (m % 64));
        }
    }

    [Fact]
    public void GatheringAndMarkingInOnePassEqualsCopyingThenMarking()
    {
        foreach ((int m, int k, _) in Shapes)
        foreach (int threads in new[] { 1, 2 })
        {
            // A source of 3m rows, of which the batch takes m in a shuffled order.
            float[] source = SparseMatrix(new Random(m + k), 3 * m, k, density: 0.2);
            int[] rows = Enumerable.Range(0, 3 * m).OrderBy(i => (i * 7919) % (3 * m + 1)).Take(m).ToArray();
            float[] copied = rows.SelectMany(r => source.AsSpan(r * k, k).ToArray()).ToArray();
            var expected = new NonzeroMask(m, k, m * k);
            Assert.True(expected.TryBuild(copied, m, k));

            var mask = new NonzeroMask(m, k, m * k);
            float[] destination = Enumerable.Repeat(float.NaN, m * k).ToArray();
            Assert.True(mask.TryBuildGathered(source, rows, k, destination, threads));

            Assert.Equal(copied, destination);
            Assert.Equal(expected.Count, mask.Count);
            for (int r = 0; r < m; r++) Assert.Equal(expected.RowBits(r).ToArray(), mask.RowBits(r).ToArray());
            for (int c = 0; c < k; c++) Assert.Equal(expected.ColumnBits(c).ToArray(), mask.ColumnBits(c).ToArray());

            // Too dense for the mask: refused, but the rows are copied all the same.
            if (expected.Count == 0) continue;
            var strict = new NonzeroMask(m, k, expected.Count - 1);
            Array.Fill(destination, float.NaN);
            Assert.False(strict.TryBuildGathered(source, rows, k, destination, threads));
            Assert.Equal(copied, destination);
        }
    }

    [Fact]
    public void MaskCountsNaNAndRefusesMoreNonzerosThanItsLimit()
    {
        float[] dense = new float[40];
        dense[3] = float.NaN;
        dense[20] = -0f;
        dense[39] = 2f;
        var mask = new NonzeroMask(2, 20, maxNonzeros: 2);
        Assert.True(mask.TryBuild(dense, 2, 20));
        Assert.Equal(2, mask.Count);
        Assert.Equal(1UL << 3, mask.RowBits(0)[0]);
        Assert.Equal(1UL << 19, mask.RowBits(1)[0]);

        dense[0] = 1f;
        Assert.False(mask.TryBuild(dense, 2, 20));
        Assert.Equal(0, mask.Rows);
        Assert.Equal(0, mask.Count);
    }

    [Fact]
    public void ANewBatchReplacesTheColumnBits()
    {
        var mask = new NonzeroMask(3, 5, 15);
        float[] first = new float[15], second = new float[15];
        first[0] = 1f;
        second[14] = 1f;
        mask.TryBuild(first, 3, 5);
        Assert.Equal(1UL, mask.ColumnBits(0)[0]);
        mask.TryBuild(second, 3, 5);
        Assert.Equal(0UL, mask.ColumnBits(0)[0]);
        Assert.Equal(1UL << 2, mask.ColumnBits(4)[0]);
    }

    [Fact]
    public void ForwardMatchesTheReferenceGemmPlusBiasAndActivation()
    {
        foreach ((int m, int k, int n) in Shapes)
        foreach (Activation activation in new[] { Activation.Linear, Activation.Relu, Activation.Sigmoid })
        {
            var random = new Random(m * 7919 + n * 31 + k);
            float[] x = SparseMatrix(random, m, k, density: 0.2), w = Values(random, k * n), bias = Values(random, n);
            var expectedZ = new float[m * n];
            GemmReference.Multiply(Transpose.No, Transpose.No, m, n, k, 1f, x, k, w, n, 0f, expectedZ, n);
            for (int i = 0; i < expectedZ.Length; i++) expectedZ[i] += bias[i % n];
            var expectedY = new float[m * n];
            ElementwiseActivation.Apply(activation, 0f, expectedZ, expectedY);

            var mask = new NonzeroMask(m, k, m * k);
            Assert.True(mask.TryBuild(x, m, k));
            float[]? firstZ = null;
            foreach (int threads in new[] { 1, 2 })
            {
                float[] z = TestData.Filled(m * n, float.NaN), y = TestData.Filled(m * n, float.NaN);
                SparseDenseGemm.MultiplyAddBias(mask, x, w, n, bias, z, activation, 0f, y, threads);
                string where = $"{m}x{k}·{k}x{n} {activation} threads={threads}";
                AssertClose(expectedZ, z, k, where);
                AssertClose(expectedY, y, k, where);
                firstZ ??= z;
                Assert.True(firstZ.AsSpan().SequenceEqual(z), $"thread count changed the bits: {where}");
            }
        }
    }

    [Fact]
    public void TheWeightGradientProductAddsToOrWritesC()
    {
        foreach ((int m, int k, int n) in Shapes)
        {
            // The weight gradient's shape: dW[k, n] += xᵀ[k, m]·dy[m, n] with x sparse.
            var random = new Random(m + k + n);
            float[] x = SparseMatrix(random, m, k, density: 0.25), dy = Values(random, m * n), start = Values(random, k * n);
            float[] expected = (float[])start.Clone();
            GemmReference.Multiply(Transpose.Yes, Transpose.No, k, n, m, 1f, x, k, dy, n, 1f, expected, n);

            var mask = new NonzeroMask(m, k, m * k);
            Assert.True(mask.TryBuild(x, m, k));
            float[]? first = null;
            foreach (int threads in new[] { 1, 2 })
            {
                float[] c = (float[])start.Clone();
                SparseDenseGemm.MultiplyTransposed(mask, x, dy, n, c, accumulate: true, threads);
                AssertClose(expected, c, m, $"{k}x{m}·{m}x{n} threads={threads}");
                first ??= c;
                Assert.True(first.AsSpan().SequenceEqual(c), "thread count changed the bits");

                // Written over instead: the product alone, whatever C held (NaN included).
                float[] written = Enumerable.Repeat(float.NaN, k * n).ToArray();
                SparseDenseGemm.MultiplyTransposed(mask, x, dy, n, written, accumulate: false, threads);
                for (int i = 0; i < written.Length; i++) written[i] += start[i];
                AssertClose(expected, written, m, $"overwrite {k}x{m}·{m}x{n} threads={threads}");
            }
        }
    }

    [Fact]
    public void AnEmptyInputGivesTheBiasAlone()
    {
        var mask = new NonzeroMask(3, 20, 10);
        float[] x = new float[3 * 20];
        Assert.True(mask.TryBuild(x, 3, 20));
        float[] bias = [1f, -2f, 3f, 4f, 5f], z = TestData.Filled(15, float.NaN), y = TestData.Filled(15, float.NaN);
        SparseDenseGemm.MultiplyAddBias(mask, x, Values(new Random(1), 20 * 5), 5, bias, z, Activation.Relu, 0f, y, 2);
        for (int i = 0; i < 15; i++)
        {
            Assert.Equal(bias[i % 5], z[i]);
            Assert.Equal(Math.Max(0f, bias[i % 5]), y[i]);
        }
    }

    /// <summary>Products summed in another order differ by rounding: allow a few ulps per term of the dot product.</summary>
    private static void AssertClose(float[] expected, float[] actual, int depth, string where)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            float tolerance = 1e-6f * depth * Math.Max(1f, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{where}: element {i} is {actual[i]}, expected {expected[i]}");
        }
    }

    [Fact]
    public void DepthBlocksLeaveEachOutputOneChainOfFusedMultiplyAdds()
    {
        // 784 × 256 is the MNIST first layer, cut into several depth blocks; each output must still be the single chain
        // fma(b, a, ·) over its row's nonzeros in depth order, so the block size can change without changing a bit.
        const int m = 34, k = 784, n = 256;
        var random = new Random(31);
        float[] a = SparseMatrix(random, m, k, 0.2);
        var b = new float[k * n];
        for (int i = 0; i < b.Length; i++) b[i] = (float)(random.NextDouble() * 2 - 1);
        var mask = new NonzeroMask(m, k, m * k);
        Assert.True(mask.TryBuild(a, m, k));
        var c = new float[m * n];
        SparseDenseGemm.MultiplyAddBias(mask, a, b, n, new float[n], c, Activation.Linear, 0f, Span<float>.Empty, threads: 1);
        for (int r = 0; r < m; r++)
        for (int j = 0; j < n; j++)
        {
            float chain = 0f;
            for (int p = 0; p < k; p++)
                if (a[r * k + p] != 0) chain = MathF.FusedMultiplyAdd(b[p * n + j], a[r * k + p], chain);
            // The bias (zero here) is added after the product, as the dense GEMM's epilogue does: + 0 keeps the bits.
            Assert.Equal(BitConverter.SingleToInt32Bits(chain + 0f), BitConverter.SingleToInt32Bits(c[r * n + j]));
        }
    }

    internal static float[] SparseMatrix(Random random, int rows, int columns, double density)
    {
        var x = new float[rows * columns];
        for (int i = 0; i < x.Length; i++) if (random.NextDouble() < density) x[i] = (float)random.NextDouble() * 2 - 0.5f;
        return x;
    }

    private static float[] Values(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
}
