using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// Random operands for one <see cref="GemmCase"/> and the call our engine makes on them. Shared by the plain
/// timer and the BenchmarkDotNet class, so both time exactly the same call.
/// </summary>
public sealed class GemmOperands
{
    private readonly float[] _a, _b, _c;

    public GemmOperands(GemmCase gemm, int threads, int seed = 1)
    {
        Case = gemm;
        Threads = threads;
        var random = new Random(seed);
        _a = Fill(gemm.RowsA * gemm.ColsA, random);
        _b = Fill(gemm.RowsB * gemm.ColsB, random);
        _c = new float[gemm.M * gemm.N];
    }

    public GemmCase Case { get; }
    public int Threads { get; }

    /// <summary>C = op(A)·op(B), leading dimensions those of the stored (untransposed) matrices.</summary>
    public void Multiply()
    {
        var g = Case;
        Gemm.Multiply(g.TransA ? Transpose.Yes : Transpose.No, g.TransB ? Transpose.Yes : Transpose.No,
            g.M, g.N, g.K, 1f, _a, g.ColsA, _b, g.ColsB, 0f, _c, g.N, Threads);
    }

    /// <summary>One element of C, for checking that the call really ran.</summary>
    public float Result(int index) => _c[index];

    private static float[] Fill(int length, Random random)
    {
        var values = new float[length];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
