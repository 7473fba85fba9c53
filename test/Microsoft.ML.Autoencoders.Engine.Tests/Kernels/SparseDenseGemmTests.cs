using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Kernels;

/// <summary>
/// Holds the sparse input path to the dense one: <see cref="SparseRows"/> keeps exactly the nonzeros (and its transpose
/// is the dense transpose's), and <see cref="SparseDenseGemm"/> gives <see cref="GemmReference"/>'s product to float
/// rounding, bit-identically for any thread count.
/// </summary>
public class SparseDenseGemmTests
{
    // Column counts around every vector width (8, 16, 128, 256) so the compressor's and the product's tails are reached;
    // (300, 784, 256) is large enough for two threads to split and for the product to block its depth.
    private static readonly (int M, int K, int N)[] Shapes =
        [(1, 1, 1), (1, 37, 15), (7, 16, 16), (9, 33, 17), (33, 130, 129), (5, 257, 256), (17, 300, 300), (300, 784, 256), (64, 100, 600)];

    [Fact]
    public void CompressKeepsExactlyTheNonzerosInRowOrder()
    {
        foreach ((int m, int k, _) in Shapes)
        {
            float[] dense = SparseMatrix(new Random(m * 31 + k), m, k, density: 0.2);
            var sparse = new SparseRows(m, m * k);
            Assert.True(sparse.TryCompress(dense, m, k));
            Assert.Equal(m, sparse.Rows);
            Assert.Equal(k, sparse.Columns);
            Assert.Equal(dense.Count(v => v != 0f), sparse.Count);
            Assert.Equal(dense, ToDense(sparse));
            for (int r = 0; r < m; r++)
            {
                ReadOnlySpan<int> columns = sparse.ColumnIndices[sparse.RowStarts[r]..sparse.RowStarts[r + 1]];
                for (int i = 1; i < columns.Length; i++) Assert.True(columns[i - 1] < columns[i], $"row {r} not in column order");
            }
        }
    }

    [Fact]
    public void TwoThreadsCompressToTheSameArraysAsOne()
    {
        // 300 × 784 is large enough for two bands; the second band's entries are moved down next to the first's.
        const int m = 300, k = 784;
        float[] dense = SparseMatrix(new Random(8), m, k, density: 0.2);
        var one = new SparseRows(m, m * k / 3);
        var two = new SparseRows(m, m * k / 3);
        Assert.True(one.TryCompress(dense, m, k, threads: 1));
        Assert.True(two.TryCompress(dense, m, k, threads: 2));
        Assert.Equal(one.RowStarts.ToArray(), two.RowStarts.ToArray());
        Assert.Equal(one.ColumnIndices.ToArray(), two.ColumnIndices.ToArray());
        Assert.Equal(one.Values.ToArray(), two.Values.ToArray());
        Assert.Equal(dense, ToDense(two));

        // Nonzeros crowded into the first half: each band may hold only its share, so two threads refuse what one takes.
        float[] crowded = new float[m * k];
        for (int i = 0; i < m * k / 2; i += 3) crowded[i] = 1f;
        var roomy = new SparseRows(m, m * k / 5);
        Assert.True(roomy.TryCompress(crowded, m, k, threads: 1));
        Assert.False(roomy.TryCompress(crowded, m, k, threads: 2));
        Assert.Equal(0, roomy.Count);
    }

    [Fact]
    public void CompressKeepsNaNAndRefusesMoreNonzerosThanItsCapacity()
    {
        float[] dense = new float[40];
        dense[3] = float.NaN;
        dense[20] = -0f;
        dense[39] = 2f;
        var sparse = new SparseRows(2, 2);
        Assert.True(sparse.TryCompress(dense, 2, 20));
        Assert.Equal(2, sparse.Count);
        Assert.True(float.IsNaN(sparse.Values[0]));
        Assert.Equal(19, sparse.ColumnIndices[1]);
        Assert.Equal(1, sparse.RowStarts[1]);

        dense[0] = 1f;
        Assert.False(sparse.TryCompress(dense, 2, 20));
        Assert.Equal(0, sparse.Rows);
        Assert.Equal(0, sparse.Count);
    }

    [Fact]
    public void TransposedIsTheDenseTranspose()
    {
        foreach ((int m, int k, _) in Shapes)
        {
            float[] dense = SparseMatrix(new Random(m + 17 * k), m, k, density: 0.3);
            var sparse = new SparseRows(m, m * k);
            var expected = new float[k * m];
            for (int r = 0; r < m; r++) for (int c = 0; c < k; c++) expected[c * m + r] = dense[r * k + c];
            // (300, 784) has enough nonzeros for two threads to split the columns.
            foreach (int threads in new[] { 1, 2 })
            {
                sparse.TryCompress(dense, m, k);
                SparseRows transposed = sparse.Transposed(threads);
                Assert.Equal(k, transposed.Rows);
                Assert.Equal(m, transposed.Columns);
                Assert.Equal(sparse.Count, transposed.RowStarts[k]);
                Assert.Equal(expected, ToDense(transposed));
                for (int r = 0; r < k; r++)
                {
                    ReadOnlySpan<int> columns = transposed.ColumnIndices[transposed.RowStarts[r]..transposed.RowStarts[r + 1]];
                    for (int i = 1; i < columns.Length; i++) Assert.True(columns[i - 1] < columns[i], $"row {r} not in column order, threads={threads}");
                }

                Assert.Same(transposed, sparse.Transposed(threads));
            }

            // A new compress invalidates the transposed copy.
            dense[0] = 5f;
            sparse.TryCompress(dense, m, k);
            Assert.Equal(5f, sparse.Transposed().Values[0]);
        }
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

            var sparse = new SparseRows(m, m * k);
            sparse.TryCompress(x, m, k);
            float[]? firstZ = null;
            foreach (int threads in new[] { 1, 2 })
            {
                float[] z = Filled(m * n, float.NaN), y = Filled(m * n, float.NaN);
                SparseDenseGemm.MultiplyAddBias(sparse, w, n, bias, z, activation, 0f, y, threads);
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

            var sparse = new SparseRows(m, m * k);
            sparse.TryCompress(x, m, k);
            float[]? first = null;
            foreach (int threads in new[] { 1, 2 })
            {
                float[] c = (float[])start.Clone();
                SparseDenseGemm.Multiply(sparse.Transposed(), dy, n, c, accumulate: true, threads);
                AssertClose(expected, c, m, $"{k}x{m}·{m}x{n} threads={threads}");
                first ??= c;
                Assert.True(first.AsSpan().SequenceEqual(c), "thread count changed the bits");

                // Written over instead: the product alone, whatever C held (NaN included).
                float[] written = Enumerable.Repeat(float.NaN, k * n).ToArray();
                SparseDenseGemm.Multiply(sparse.Transposed(), dy, n, written, accumulate: false, threads);
                for (int i = 0; i < written.Length; i++) written[i] += start[i];
                AssertClose(expected, written, m, $"overwrite {k}x{m}·{m}x{n} threads={threads}");
            }
        }
    }

    [Fact]
    public void AnEmptyInputGivesTheBiasAlone()
    {
        var sparse = new SparseRows(3, 10);
        Assert.True(sparse.TryCompress(new float[3 * 20], 3, 20));
        float[] bias = [1f, -2f, 3f, 4f, 5f], z = Filled(15, float.NaN), y = Filled(15, float.NaN);
        SparseDenseGemm.MultiplyAddBias(sparse, Values(new Random(1), 20 * 5), 5, bias, z, Activation.Relu, 0f, y, 2);
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

    private static float[] ToDense(SparseRows sparse)
    {
        var dense = new float[sparse.Rows * sparse.Columns];
        for (int r = 0; r < sparse.Rows; r++)
            for (int i = sparse.RowStarts[r]; i < sparse.RowStarts[r + 1]; i++)
                dense[r * sparse.Columns + sparse.ColumnIndices[i]] = sparse.Values[i];
        return dense;
    }

    internal static float[] SparseMatrix(Random random, int rows, int columns, double density)
    {
        var x = new float[rows * columns];
        for (int i = 0; i < x.Length; i++) if (random.NextDouble() < density) x[i] = (float)random.NextDouble() * 2 - 0.5f;
        return x;
    }

    private static float[] Values(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

    private static float[] Filled(int count, float value) => Enumerable.Repeat(value, count).ToArray();
}
