using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// One register-blocked GEMM micro-kernel: it multiplies a packed A sliver (depth × <see cref="Rows"/>)
/// by a packed B panel (depth × <see cref="Columns"/>) and writes the Rows × Columns tile of C.
/// The blocked driver packs operands to the shape the chosen kernel expects, so the tile size is data.
/// </summary>
internal sealed unsafe class GemmMicroKernel
{
    /// <summary>
    /// Signature of a micro-kernel: (depth, packedA, packedB, c, ldc, alpha, beta).
    /// It sets C = alpha·acc + beta·C for the full tile; beta == 0 never reads C (it may hold NaN).
    /// </summary>
    private readonly delegate*<int, float*, float*, float*, nint, float, float, void> _compute;

    private GemmMicroKernel(string name, int rows, int columns,
        delegate*<int, float*, float*, float*, nint, float, float, void> compute)
    {
        Name = name;
        Rows = rows;
        Columns = columns;
        _compute = compute;
    }

    /// <summary>Instruction set the kernel uses, for test names and diagnostics.</summary>
    public string Name { get; }

    /// <summary>Tile height (mr): rows of C per call, lanes of a packed A sliver.</summary>
    public int Rows { get; }

    /// <summary>Tile width (nr): columns of C per call, lanes of a packed B panel.</summary>
    public int Columns { get; }

    /// <summary>Computes one full tile; see the field comment for the contract.</summary>
    public void Compute(int depth, float* packedA, float* packedB, float* c, nint ldc, float alpha, float beta)
        => _compute(depth, packedA, packedB, c, ldc, alpha, beta);

    /// <summary>12 × 32 with Vector512 and FMA: 24 zmm accumulators leave room for two B rows and one broadcast.</summary>
    public static GemmMicroKernel? Avx512 { get; } = Avx512F.IsSupported && Fma.IsSupported
        ? new("Avx512", GemmMicroKernelAvx512.Rows, GemmMicroKernelAvx512.Columns, &GemmMicroKernelAvx512.Compute)
        : null;

    /// <summary>6 × 16 with Vector256 and FMA: 12 ymm accumulators plus two B rows and one broadcast fill the 16 registers.</summary>
    public static GemmMicroKernel? Avx2 { get; } = Avx2Supported()
        ? new("Avx2", GemmMicroKernelAvx2.Rows, GemmMicroKernelAvx2.Columns, &GemmMicroKernelAvx2.Compute)
        : null;

    /// <summary>4 × (2·Vector&lt;float&gt;.Count) with <see cref="Vector{T}"/>: runs everywhere, vectorized where the hardware allows.</summary>
    public static GemmMicroKernel Portable { get; } =
        new("Portable", GemmMicroKernelPortable.Rows, GemmMicroKernelPortable.Columns, &GemmMicroKernelPortable.Compute);

    /// <summary>The fastest kernel this processor supports, chosen once at start-up.</summary>
    public static GemmMicroKernel Best { get; } = Avx512 ?? Avx2 ?? Portable;

    /// <summary>Every kernel this processor can run, so tests can hold each one to the reference.</summary>
    public static IEnumerable<GemmMicroKernel> Supported => All;

    /// <summary>The same kernels as an array, fastest first (<see cref="GemmBlocking"/> keeps one blocking for each).</summary>
    internal static GemmMicroKernel[] All { get; } = new[] { Avx512, Avx2, Portable }.OfType<GemmMicroKernel>().ToArray();

    private static bool Avx2Supported() => System.Runtime.Intrinsics.X86.Avx2.IsSupported && Fma.IsSupported && Vector256.IsHardwareAccelerated;

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {Rows}x{Columns}";
}
