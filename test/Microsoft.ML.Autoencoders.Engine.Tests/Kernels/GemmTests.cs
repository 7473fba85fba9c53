using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Kernels;

/// <summary>Holds the fast <see cref="Gemm"/> (every micro-kernel this CPU runs) to <see cref="GemmReference"/>.</summary>
public class GemmTests
{
    private static readonly int[] OddSizes = [1, 7, 33, 257];

    public static TheoryData<string> Kernels()
    {
        var data = new TheoryData<string>();
        foreach (GemmMicroKernel kernel in GemmMicroKernel.Supported) data.Add(kernel.Name);
        return data;
    }

    public static TheoryData<Transpose, Transpose> TransposeCombinations() => new()
    {
        { Transpose.No, Transpose.No },
        { Transpose.Yes, Transpose.No },
        { Transpose.No, Transpose.Yes },
        { Transpose.Yes, Transpose.Yes },
    };

    [Theory]
    [MemberData(nameof(Kernels))]
    public void EveryKernelMatchesReferenceOverOddShapesAndAllTransposes(string kernelName)
    {
        GemmMicroKernel kernel = KernelNamed(kernelName);
        foreach (int m in OddSizes)
        foreach (int n in OddSizes)
        foreach (int k in OddSizes)
        foreach (Transpose transA in new[] { Transpose.No, Transpose.Yes })
        foreach (Transpose transB in new[] { Transpose.No, Transpose.Yes })
        {
            var problem = new Problem(transA, transB, m, n, k, seed: m * 10007 + n * 101 + k);
            problem.AssertMatchesReference(kernel, alpha: 1f, beta: 0f, threads: 1);
        }
    }

    [Theory]
    [MemberData(nameof(TransposeCombinations))]
    public void LargerShapesSpanningSeveralCacheBlocksMatchReference(Transpose transA, Transpose transB)
    {
        // 300 rows cross the 120-row block, 513 columns leave a one-column edge panel, and
        // 600 steps cross two 256-step depth blocks (so later blocks add onto the first block's result).
        // 256 × 784 is the output layer's shape: a 4-row edge and a 16-column edge, the AVX-512 narrow tiles.
        foreach ((int m, int n, int k) in new[] { (300, 513, 129), (130, 70, 600), (257, 2100, 33), (256, 784, 64), (64, 784, 256) })
        {
            foreach (GemmMicroKernel kernel in GemmMicroKernel.Supported)
            {
                new Problem(transA, transB, m, n, k, seed: 3).AssertMatchesReference(kernel, alpha: 1f, beta: 0f, threads: 1);
            }
        }
    }

    [Theory]
    [InlineData(1f, 0f)]
    [InlineData(1f, 1f)]
    [InlineData(0.75f, 0.5f)]
    [InlineData(-2f, 1f)]
    [InlineData(0f, 0.5f)]
    public void AlphaAndBetaScaleProductAndOldC(float alpha, float beta)
    {
        foreach (GemmMicroKernel kernel in GemmMicroKernel.Supported)
        foreach ((int m, int n, int k) in new[] { (33, 65, 300), (1, 7, 7), (13, 40, 1) })
        {
            new Problem(Transpose.No, Transpose.No, m, n, k, seed: 11).AssertMatchesReference(kernel, alpha, beta, threads: 1);
            new Problem(Transpose.Yes, Transpose.Yes, m, n, k, seed: 12).AssertMatchesReference(kernel, alpha, beta, threads: 2);
        }
    }

    [Fact]
    public void BetaZeroIgnoresNaNInC()
    {
        foreach (GemmMicroKernel kernel in GemmMicroKernel.Supported)
        foreach ((int m, int n, int k) in new[] { (1, 1, 1), (33, 65, 300), (257, 33, 7) })
        {
            var problem = new Problem(Transpose.No, Transpose.Yes, m, n, k, seed: 5);
            Array.Fill(problem.C, float.NaN);
            problem.AssertMatchesReference(kernel, alpha: 1.5f, beta: 0f, threads: 2);
            Assert.DoesNotContain(problem.C, float.IsNaN);
        }
    }

    [Fact]
    public void ZeroDepthScalesCByBeta()
    {
        float[] c = [1, 2, float.NaN, 4];
        Gemm.Multiply(Transpose.No, Transpose.No, 2, 2, 0, 1f, [], 1, [], 2, 0f, c, 2);
        Assert.Equal(new float[] { 0, 0, 0, 0 }, c);

        float[] d = [1, 2, 3, 4];
        Gemm.Multiply(Transpose.No, Transpose.No, 2, 2, 0, 1f, [], 1, [], 2, 0.5f, d, 2);
        Assert.Equal(new float[] { 0.5f, 1, 1.5f, 2 }, d);
    }

    [Theory]
    [MemberData(nameof(TransposeCombinations))]
    public void LeadingDimensionsWiderThanTheMatrixAreRespected(Transpose transA, Transpose transB)
    {
        foreach (GemmMicroKernel kernel in GemmMicroKernel.Supported)
        {
            // Padding values are NaN: reading any of them would poison the result.
            var problem = new Problem(transA, transB, 37, 45, 70, seed: 9, padding: 13);
            problem.AssertMatchesReference(kernel, alpha: 1f, beta: 0.5f, threads: 2);
            problem.AssertCPaddingUntouched();
        }
    }

    [Theory]
    [MemberData(nameof(TransposeCombinations))]
    public void OneAndTwoThreadsGiveBitIdenticalResults(Transpose transA, Transpose transB)
    {
        // The autoencoder's training products plus a large square one: large enough to really split.
        foreach ((int m, int n, int k) in new[] { (256, 256, 784), (784, 256, 256), (256, 784, 256), (64, 256, 256), (300, 513, 600), (5, 1000, 700), (16, 784, 784) })
        foreach (GemmMicroKernel kernel in GemmMicroKernel.Supported)
        {
            var problem = new Problem(transA, transB, m, n, k, seed: 21);
            float[] single = problem.RunFast(kernel, 1f, 1f, threads: 1);
            float[] dual = problem.RunFast(kernel, 1f, 1f, threads: 2);
            float[] many = problem.RunFast(kernel, 1f, 1f, threads: 7);
            Assert.Equal(single, dual);
            Assert.Equal(single, many);
        }
    }

    [Theory]
    [MemberData(nameof(TransposeCombinations))]
    public void ARowScoredAloneEqualsTheSameRowInABatch(Transpose transA, Transpose transB)
    {
        // Scoring one example (m = 1, or a short batch) takes a different path than training batches;
        // both must agree to the bit so a model's output does not depend on how rows were batched.
        const int n = 300, k = 700;
        foreach (int batch in new[] { 256, 40, 13 })
        {
            var random = new Random(batch);
            float[] x = RandomValues(random, batch * k), w = RandomValues(random, k * n);
            float[] xStored = transA == Transpose.No ? x : Transposed(x, batch, k);
            float[] wStored = transB == Transpose.No ? w : Transposed(w, k, n);
            int lda = transA == Transpose.No ? k : batch, ldb = transB == Transpose.No ? n : k;
            var whole = new float[batch * n];
            Gemm.Multiply(transA, transB, batch, n, k, 0.5f, xStored, lda, wStored, ldb, 0f, whole, n, threads: 2);

            int first = batch / 3;
            foreach (int rows in new[] { 1, 3, 7, 16 }.Where(rows => first + rows <= batch))
            {
                float[] part = x.AsSpan(first * k, rows * k).ToArray();
                float[] partStored = transA == Transpose.No ? part : Transposed(part, rows, k);
                var alone = new float[rows * n];
                Gemm.Multiply(transA, transB, rows, n, k, 0.5f, partStored, transA == Transpose.No ? k : rows, wStored, ldb, 0f, alone, n);
                Assert.Equal(whole.AsSpan(first * n, rows * n).ToArray(), alone);
            }
        }
    }

    [Fact]
    public void SteadyStateCallsAllocateNothing()
    {
        foreach (int threads in new[] { 1, 2 })
        foreach ((Transpose transA, Transpose transB, int m, int n, int k) in new[]
        {
            (Transpose.No, Transpose.No, 256, 256, 784),
            (Transpose.Yes, Transpose.No, 784, 256, 256),
            (Transpose.No, Transpose.Yes, 256, 784, 256),
            (Transpose.No, Transpose.No, 1, 784, 256),
            (Transpose.No, Transpose.Yes, 33, 7, 257),
        })
        {
            var problem = new Problem(transA, transB, m, n, k, seed: 1);
            problem.RunFastInPlace(1f, 0f, threads); // Warm up: buffers, the worker pool, JIT.
            long[] windows = SteadyStateAllocations.Measure(_ => problem.RunFastInPlace(1f, 1f, threads), callsPerWindow: 5);
            SteadyStateAllocations.AssertNone(windows, $"{transA}{transB} {m}x{n}x{k} on {threads} threads");
        }
    }

    [Fact]
    public void TooShortSpansAndNarrowLeadingDimensionsAreRejected()
    {
        float[] a = new float[6], b = new float[6], c = new float[4];
        Assert.Throws<ArgumentException>("a", () => Gemm.Multiply(Transpose.No, Transpose.No, 2, 2, 4, 1f, a, 4, b, 2, 0f, c, 2));
        Assert.Throws<ArgumentOutOfRangeException>("b", () => Gemm.Multiply(Transpose.No, Transpose.No, 2, 2, 3, 1f, a, 3, b, 1, 0f, c, 2));
        Assert.Throws<ArgumentException>("c", () => Gemm.Multiply(Transpose.No, Transpose.No, 2, 3, 3, 1f, a, 3, b, 2, 0f, c, 3));
    }

    private static float[] RandomValues(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    /// <summary>The rows × columns row-major matrix stored transposed (columns × rows).</summary>
    private static float[] Transposed(float[] matrix, int rows, int columns)
    {
        var result = new float[matrix.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                result[c * rows + r] = matrix[r * columns + c];
        return result;
    }

    private static GemmMicroKernel KernelNamed(string name) => GemmMicroKernel.Supported.Single(k => k.Name == name);

    /// <summary>One random problem with its stored matrices (optionally padded with NaN beyond each row).</summary>
    internal sealed class Problem
    {
        private readonly Transpose _transA, _transB;
        private readonly int _m, _n, _k, _lda, _ldb, _ldc;
        private readonly float[] _a, _b, _initialC;

        public Problem(Transpose transA, Transpose transB, int m, int n, int k, int seed, int padding = 0)
        {
            (_transA, _transB, _m, _n, _k) = (transA, transB, m, n, k);
            var random = new Random(seed);
            int aRows = transA == Transpose.No ? m : k, aColumns = transA == Transpose.No ? k : m;
            int bRows = transB == Transpose.No ? k : n, bColumns = transB == Transpose.No ? n : k;
            _lda = aColumns + padding;
            _ldb = bColumns + padding;
            _ldc = n + padding;
            _a = Matrix(random, aRows, aColumns, _lda);
            _b = Matrix(random, bRows, bColumns, _ldb);
            _initialC = Matrix(random, m, n, _ldc);
            C = (float[])_initialC.Clone();
        }

        /// <summary>C as the next fast call will see it; tests may overwrite it (e.g. with NaN).</summary>
        public float[] C { get; }

        public float[] RunFast(GemmMicroKernel kernel, float alpha, float beta, int threads)
            => RunFast(GemmBlocking.For(kernel), alpha, beta, threads);

        public float[] RunFast(GemmBlocking blocking, float alpha, float beta, int threads)
        {
            float[] c = (float[])_initialC.Clone();
            Gemm.Multiply(blocking, _transA, _transB, _m, _n, _k, alpha, _a, _lda, _b, _ldb, beta, c, _ldc, threads);
            return c;
        }

        public void RunFastInPlace(float alpha, float beta, int threads)
            => Gemm.Multiply(_transA, _transB, _m, _n, _k, alpha, _a, _lda, _b, _ldb, beta, C, _ldc, threads);

        public void AssertMatchesReference(GemmMicroKernel kernel, float alpha, float beta, int threads)
            => AssertMatchesReference(GemmBlocking.For(kernel), alpha, beta, threads);

        public void AssertMatchesReference(GemmBlocking blocking, float alpha, float beta, int threads)
        {
            float[] expected = (float[])C.Clone();
            GemmReference.Multiply(_transA, _transB, _m, _n, _k, alpha, _a, _lda, _b, _ldb, beta, expected, _ldc);
            float[] before = (float[])C.Clone();
            Gemm.Multiply(blocking, _transA, _transB, _m, _n, _k, alpha, _a, _lda, _b, _ldb, beta, C, _ldc, threads);

            for (int i = 0; i < _m; i++)
            {
                for (int j = 0; j < _n; j++)
                {
                    // Float rounding grows with the magnitudes summed, not with the (possibly cancelling) result.
                    double magnitude = 0;
                    for (int p = 0; p < _k; p++) magnitude += Math.Abs((double)AAt(i, p) * BAt(p, j));
                    double prior = beta == 0 ? 0 : Math.Abs((double)beta * before[i * _ldc + j]);
                    double tolerance = 1e-6 * (Math.Abs(alpha) * magnitude + prior) + 1e-30;
                    float actual = C[i * _ldc + j], wanted = expected[i * _ldc + j];
                    Assert.True(Math.Abs(actual - wanted) <= tolerance,
                        $"{blocking} {_transA}{_transB} m={_m} n={_n} k={_k} alpha={alpha} beta={beta}: " +
                        $"C[{i},{j}] = {actual}, reference {wanted}, tolerance {tolerance}.");
                }
            }
        }

        public void AssertCPaddingUntouched()
        {
            for (int i = 0; i < _m; i++)
            for (int j = _n; j < _ldc; j++)
                Assert.True(float.IsNaN(C[i * _ldc + j]), $"C padding [{i},{j}] was written.");
        }

        private float AAt(int i, int p) => _transA == Transpose.No ? _a[i * _lda + p] : _a[p * _lda + i];

        private float BAt(int p, int j) => _transB == Transpose.No ? _b[p * _ldb + j] : _b[j * _ldb + p];

        private static float[] Matrix(Random random, int rows, int columns, int ld)
        {
            var values = new float[rows * ld];
            Array.Fill(values, float.NaN);
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < columns; j++)
                    values[r * ld + j] = (float)(random.NextDouble() * 2 - 1);
            return values;
        }
    }
}
