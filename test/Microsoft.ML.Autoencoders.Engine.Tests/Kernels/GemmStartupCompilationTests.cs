using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Kernels;

/// <summary>
/// The GEMM's loops must be compiled optimized from their first call. A method the JIT compiles on its own (one not
/// inlined into an optimized caller) starts as tier-0 code unless it carries AggressiveOptimization, and tier-0 vector
/// code is several times slower: on Zen 5 a process's first ten 1024² products took ~400 ms with a tier-0 micro-kernel
/// against ~130 ms with an optimized one. These are the loops that the JIT does not inline (too many locals, or too large).
/// </summary>
public class GemmStartupCompilationTests
{
    [Theory]
    [InlineData(typeof(GemmMicroKernelAvx512), "Tile")]
    [InlineData(typeof(GemmMicroKernelAvx512), "Compute")]
    [InlineData(typeof(GemmMicroKernelAvx512), "ComputeInPlaceA")]
    [InlineData(typeof(GemmPacking), "PackBlock")]
    [InlineData(typeof(GemmPacking), "PackCopy")]
    [InlineData(typeof(GemmPacking), "PackTransposed")]
    [InlineData(typeof(GemmSmallRows), "Tile")]
    [InlineData(typeof(GemmBlockedProduct), "Compute")]
    [InlineData(typeof(GemmBlockedProduct), "MacroKernel")]
    [InlineData(typeof(GemmBlockedProduct), "AvxEdge")]
    public void HotLoopsAreCompiledOptimizedFromTheirFirstCall(Type type, string name)
    {
        MethodInfo method = type.GetMethod(name, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            ?? throw new MissingMethodException(type.Name, name);
        Assert.True(method.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization),
            $"{type.Name}.{name} would run as tier-0 code in a process's first products.");
    }
}
