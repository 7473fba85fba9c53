
namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// Work a GEMM does on each finished rectangle of C while it is still in cache: add a bias row to every row
/// (C = product + bias) and optionally write f(C) to a second matrix of the same shape. A dense layer followed
/// by an activation then costs one GEMM, with no bias pre-copy and no separate activation pass, and the
/// element-wise work is split among the GEMM's threads.
/// </summary>
/// <remarks>
/// The product is computed with beta = 0 and the bias added once at the end, so C = (Σ depth blocks) + bias
/// however C is split; <see cref="ElementwiseActivation"/> is position-independent, so the results do not
/// depend on the thread count either.
/// </remarks>
internal readonly unsafe struct GemmEpilogue
{
    /// <summary>Creates the epilogue.</summary>
    /// <param name="bias">n floats added to every row of C; pinned by the caller for the whole call.</param>
    /// <param name="kind">The activation written to <paramref name="activated"/> (ignored when it is null).</param>
    /// <param name="slope">Leaky ReLU's slope.</param>
    /// <param name="activated">f(C), [m, n] with leading dimension <paramref name="ldActivated"/>, or null for C + bias only.</param>
    /// <param name="ldActivated">Distance between consecutive rows of <paramref name="activated"/>.</param>
    public GemmEpilogue(float* bias, Activation kind, float slope, float* activated, nint ldActivated)
    {
        if (!ElementwiseActivation.Handles(kind)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "No fused form of this activation.");
        Bias = bias;
        Kind = kind;
        Slope = slope;
        Activated = activated;
        LdActivated = ldActivated;
    }

    /// <summary>The bias row.</summary>
    public float* Bias { get; }

    /// <summary>The activation applied to C + bias.</summary>
    public Activation Kind { get; }

    /// <summary>Leaky ReLU's slope.</summary>
    public float Slope { get; }

    /// <summary>Where f(C + bias) goes, or null.</summary>
    public float* Activated { get; }

    /// <summary>Leading dimension of <see cref="Activated"/>.</summary>
    public nint LdActivated { get; }

    /// <summary>True for the default value: no epilogue.</summary>
    public bool IsEmpty => Bias == null;

    /// <summary>Applies the epilogue to rows [rowStart, rowEnd) × columns [columnStart, columnEnd) of C.</summary>
    public void Apply(float* c, nint ldc, int rowStart, int rowEnd, int columnStart, int columnEnd)
    {
        int count = columnEnd - columnStart;
        if (count <= 0) return;
        for (int r = rowStart; r < rowEnd; r++)
        {
            float* y = Activated == null ? null : Activated + r * LdActivated + columnStart;
            ElementwiseActivation.Run(c + r * ldc + columnStart, Bias + columnStart, y, count, Kind, Slope);
        }
    }
}
