namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The plain, obviously-correct single-precision GEMM that the fast kernel is tested against.
/// Row-major: C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C[m,n], accumulated in double.
/// </summary>
public static class GemmReference
{
    /// <summary>Computes C = alpha·op(A)·op(B) + beta·C with the textbook triple loop.</summary>
    /// <param name="transA">Read A as its transpose: A is then stored [k, m] with leading dimension lda.</param>
    /// <param name="transB">Read B as its transpose: B is then stored [n, k] with leading dimension ldb.</param>
    /// <param name="m">Rows of op(A) and of C.</param>
    /// <param name="n">Columns of op(B) and of C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A, row-major with leading dimension <paramref name="lda"/>.</param>
    /// <param name="lda">Distance between consecutive rows of the stored A.</param>
    /// <param name="b">B, row-major with leading dimension <paramref name="ldb"/>.</param>
    /// <param name="ldb">Distance between consecutive rows of the stored B.</param>
    /// <param name="beta">Scale of C's old contents; 0 ignores them entirely.</param>
    /// <param name="c">C, row-major with leading dimension <paramref name="ldc"/>; overwritten.</param>
    /// <param name="ldc">Distance between consecutive rows of C.</param>
    public static void Multiply(
        Transpose transA, Transpose transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    float aip = transA == Transpose.No ? a[i * lda + p] : a[p * lda + i];
                    float bpj = transB == Transpose.No ? b[p * ldb + j] : b[j * ldb + p];
                    sum += (double)aip * bpj;
                }
                // beta == 0 must ignore C entirely (it may hold NaN from an uninitialized buffer), as BLAS does.
                double prior = beta == 0 ? 0 : (double)beta * c[i * ldc + j];
                c[i * ldc + j] = (float)(alpha * sum + prior);
            }
        }
    }
}
