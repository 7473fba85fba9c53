namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>Whether a GEMM operand is read as stored (row-major) or as its transpose.</summary>
public enum Transpose
{
    /// <summary>Use the matrix as stored.</summary>
    No,
    /// <summary>Use the transpose of the stored matrix (no copy is made).</summary>
    Yes,
}
