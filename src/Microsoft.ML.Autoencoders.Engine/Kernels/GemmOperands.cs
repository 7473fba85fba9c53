namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// One GEMM call with its spans pinned: raw pointers let the call be handed to worker threads
/// (spans cannot be stored in the job object) and let packing address op(A) and op(B) freely.
/// </summary>
internal readonly unsafe struct GemmOperands
{
    public GemmOperands(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc)
    {
        TransA = transA;
        TransB = transB;
        M = m;
        N = n;
        K = k;
        Alpha = alpha;
        A = a;
        Lda = lda;
        B = b;
        Ldb = ldb;
        Beta = beta;
        C = c;
        Ldc = ldc;
    }

    public bool TransA { get; }
    public bool TransB { get; }
    public int M { get; }
    public int N { get; }
    public int K { get; }
    public float Alpha { get; }
    public float* A { get; }
    public nint Lda { get; }
    public float* B { get; }
    public nint Ldb { get; }
    public float Beta { get; }
    public float* C { get; }
    public nint Ldc { get; }

    /// <summary>Address of op(A)[row, step].</summary>
    public float* AAt(int row, int step) => TransA ? A + step * Lda + row : A + row * Lda + step;

    /// <summary>Address of op(B)[step, column].</summary>
    public float* BAt(int step, int column) => TransB ? B + column * Ldb + step : B + step * Ldb + column;
}
