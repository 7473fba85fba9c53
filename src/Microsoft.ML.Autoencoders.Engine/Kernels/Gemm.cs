using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The fast single-precision GEMM every layer calls. Row-major:
/// C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C[m,n]. Held to <see cref="GemmReference"/> by tests.
/// </summary>
/// <remarks>
/// Built in the BLIS shape (<see cref="GemmBlockedProduct"/>): operands are packed into cache-sized blocks
/// of register-tile panels (<see cref="GemmPacking"/>) and multiplied by the widest micro-kernel the
/// processor supports (<see cref="GemmMicroKernel"/>), on a persistent <see cref="WorkerPool"/> when asked
/// for more than one thread. Results are bit-identical for every thread count.
/// </remarks>
public static class Gemm
{
    /// <summary>
    /// Below this many multiply-adds per extra thread, waking a worker costs more than it saves
    /// (a wake-up from the spinning state is about a microsecond; 2 M multiply-adds take ~20 µs on one core).
    /// </summary>
    internal const long MinWorkPerThread = 1L << 21;

    /// <summary>Computes C = alpha·op(A)·op(B) + beta·C.</summary>
    /// <param name="transA">Read A as its transpose: A is then stored [k, m] with leading dimension lda.</param>
    /// <param name="transB">Read B as its transpose: B is then stored [n, k] with leading dimension ldb.</param>
    /// <param name="m">Rows of op(A) and of C.</param>
    /// <param name="n">Columns of op(B) and of C.</param>
    /// <param name="k">Columns of op(A), rows of op(B): the length of each dot product.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A, row-major with leading dimension <paramref name="lda"/>.</param>
    /// <param name="lda">Distance between consecutive rows of the stored A.</param>
    /// <param name="b">B, row-major with leading dimension <paramref name="ldb"/>.</param>
    /// <param name="ldb">Distance between consecutive rows of the stored B.</param>
    /// <param name="beta">Scale of C's old contents; 0 ignores them entirely, even NaN.</param>
    /// <param name="c">C, row-major with leading dimension <paramref name="ldc"/>; overwritten.</param>
    /// <param name="ldc">Distance between consecutive rows of C.</param>
    /// <param name="threads">Upper bound on worker threads; results do not depend on it.</param>
    public static void Multiply(
        Transpose transA, Transpose transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc, int threads = 1)
        => Multiply(GemmMicroKernel.Best, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);

    /// <summary>
    /// A dense layer's forward pass in one call: C = op(A)·op(B) + bias (bias added to every row), and, when
    /// <paramref name="activated"/> is not empty, activated = f(C) with the same leading dimension. The bias and
    /// the activation are applied by each thread to its own part of C right after computing it (<see cref="GemmEpilogue"/>).
    /// </summary>
    internal static unsafe void MultiplyAddBias(
        Transpose transA, Transpose transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, ReadOnlySpan<float> bias,
        Span<float> c, int ldc, Activation activation, float slope, Span<float> activated, int threads, GemmMicroKernel? kernel = null)
    {
        if (bias.Length < n) throw new ArgumentException($"The bias holds {bias.Length} values but C has {n} columns.", nameof(bias));
        if (!activated.IsEmpty) CheckMatrix(activated, m, n, ldc, nameof(activated));
        if (m == 0 || n == 0) return;
        fixed (float* pBias = bias)
        fixed (float* pActivated = activated)
        {
            var epilogue = new GemmEpilogue(pBias, activation, slope, activated.IsEmpty ? null : pActivated, ldc);
            Multiply(kernel ?? GemmMicroKernel.Best, transA, transB, m, n, k, 1f, a, lda, b, ldb, 0f, c, ldc, threads, epilogue);
        }
    }

    /// <summary>
    /// A dense layer's forward pass over <paramref name="m"/> rows with its weights packed ahead (<see cref="GemmPackedB"/>),
    /// on the calling thread alone: C = A·B + bias, then C = f(C) in place when <paramref name="activate"/>. The same path,
    /// so the same bits, as <see cref="MultiplyAddBias(Transpose, Transpose, int, int, int, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, ReadOnlySpan{float}, Span{float}, int, Activation, float, Span{float}, int, GemmMicroKernel?)"/>
    /// with the activation written over C; <paramref name="m"/> must be past <see cref="GemmSmallRows"/>'s shapes, which pack B their own way.
    /// </summary>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="a">A, [m, b.Depth] with leading dimension <paramref name="lda"/>.</param>
    /// <param name="lda">Distance between rows of A.</param>
    /// <param name="b">The packed B, [b.Depth, b.Columns].</param>
    /// <param name="bias">b.Columns floats added to every row.</param>
    /// <param name="c">C, [m, b.Columns] with leading dimension <paramref name="ldc"/>.</param>
    /// <param name="ldc">Distance between rows of C.</param>
    /// <param name="activation">f, applied when <paramref name="activate"/>.</param>
    /// <param name="slope">Leaky ReLU's slope.</param>
    /// <param name="activate">Write f(C + bias) over C instead of C + bias.</param>
    internal static unsafe void MultiplyAddBias(int m, float* a, nint lda, GemmPackedB b, float* bias, float* c, nint ldc,
        Activation activation, float slope, bool activate)
    {
        GemmBlocking blocking = b.Blocking ?? throw new InvalidOperationException("B has not been packed.");
        if (!b.Serves(m)) throw new ArgumentOutOfRangeException(nameof(m), m, "This many rows take the small-rows path, which packs B its own way.");
        var operands = new GemmOperands(false, false, m, b.Columns, b.Depth, 1f, a, lda, null, 0, 0f, c, ldc);
        GemmBlockedProduct.Compute(operands, blocking, 0, m, 0, b.Columns, prepackedB: b);
        new GemmEpilogue(bias, activation, slope, activate ? c : null, ldc).Apply(c, ldc, 0, m, 0, b.Columns);
    }

    /// <summary>
    /// The same product with a chosen micro-kernel (in this machine's blocking for it), so tests can cover every
    /// instruction set, and an optional <see cref="GemmEpilogue"/> applied to each finished part of C (its buffers pinned by the caller).
    /// </summary>
    internal static void Multiply(GemmMicroKernel kernel,
        Transpose transA, Transpose transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc, int threads, GemmEpilogue epilogue = default)
        => Multiply(GemmBlocking.For(kernel), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads, epilogue);

    /// <summary>The same product with a chosen blocking, so tests can cover the blockings of other processors too.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void Multiply(GemmBlocking blocking,
        Transpose transA, Transpose transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc, int threads, GemmEpilogue epilogue = default)
    {
        GemmMicroKernel kernel = blocking.Kernel;
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        bool aTransposed = transA == Transpose.Yes, bTransposed = transB == Transpose.Yes;
        CheckMatrix(c, m, n, ldc, nameof(c));
        if (m == 0 || n == 0) return;

        if (k == 0 || alpha == 0)
        {
            // No product to add: C = beta·C, with beta == 0 clearing even NaN (BLAS convention).
            ScaleC(c, m, n, ldc, beta);
            if (!epilogue.IsEmpty)
            {
                fixed (float* pc = c) epilogue.Apply(pc, ldc, 0, m, 0, n);
            }
            return;
        }

        CheckMatrix(a, aTransposed ? k : m, aTransposed ? m : k, lda, nameof(a));
        CheckMatrix(b, bTransposed ? n : k, bTransposed ? k : n, ldb, nameof(b));

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            var operands = new GemmOperands(aTransposed, bTransposed, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
            // The path depends on the shape only, never on the thread count, so results never depend on it either.
            bool smallRows = GemmSmallRows.Handles(kernel, m);
            int parts = PartsFor(operands, kernel, threads);
            if (parts > 1)
            {
                GemmParallelJob.Run(operands, blocking, parts, epilogue);
                return;
            }

            if (smallRows) GemmSmallRows.Compute(operands, blocking, 0, n);
            else GemmBlockedProduct.Compute(operands, blocking, 0, m, 0, n);
            if (!epilogue.IsEmpty) epilogue.Apply(pc, ldc, 0, m, 0, n);
        }
    }

    /// <summary>How many threads the product is worth: enough work per thread, and at least one tile band each.</summary>
    private static int PartsFor(in GemmOperands operands, GemmMicroKernel kernel, int threads)
    {
        if (threads == 1) return 1;
        long work = (long)operands.M * operands.N * operands.K;
        int bands = GemmBands.MaxCount(operands, kernel);
        long byWork = Math.Max(1, work / MinWorkPerThread);
        return (int)Math.Min(Math.Min(threads, WorkerPool.Shared.MaxParallelism), Math.Min(bands, byWork));
    }

    private static void ScaleC(Span<float> c, int m, int n, int ldc, float beta)
    {
        for (int i = 0; i < m; i++)
        {
            Span<float> row = c.Slice(i * ldc, n);
            if (beta == 0) row.Clear();
            else if (beta != 1) TensorPrimitives.Multiply(row, beta, row);
        }
    }

    /// <summary>Checks that a rows × columns matrix with leading dimension <paramref name="ld"/> fits in the span.</summary>
    internal static void CheckMatrix(ReadOnlySpan<float> span, int rows, int columns, int ld, string name)
    {
        if (rows == 0 || columns == 0) return;
        if (ld < columns)
        {
            throw new ArgumentOutOfRangeException(name,
                $"The leading dimension of {name} is {ld} but each stored row holds {columns} values; pass ld >= {columns}.");
        }

        long needed = (long)(rows - 1) * ld + columns;
        if (span.Length < needed)
        {
            throw new ArgumentException(
                $"{name} holds {span.Length} values but a {rows} x {columns} matrix with leading dimension {ld} needs {needed}.", name);
        }
    }
}
