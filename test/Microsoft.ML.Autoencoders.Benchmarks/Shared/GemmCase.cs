namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// One SGEMM shape, row-major as our engine stores it: C[m,n] = op(A)[m,k]·op(B)[k,n], C overwritten (beta = 0).
/// A transposed operand is stored [k, m] (for A) or [n, k] (for B), exactly as the layers hand them over.
/// </summary>
public sealed record GemmCase(string Name, bool TransA, bool TransB, int M, int N, int K)
{
    /// <summary>Multiply-adds count twice: the usual GFLOP/s convention.</summary>
    public double Flops => 2.0 * M * N * K;

    /// <summary>"NN", "TN" or "NT": how op(A) and op(B) read their storage.</summary>
    public string Layout => (TransA ? "T" : "N") + (TransB ? "T" : "N");

    public int RowsA => TransA ? K : M;
    public int ColsA => TransA ? M : K;
    public int RowsB => TransB ? N : K;
    public int ColsB => TransB ? K : N;
}
