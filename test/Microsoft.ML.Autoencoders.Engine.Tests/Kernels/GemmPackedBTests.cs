using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Kernels;

/// <summary>
/// Holds a product over weights packed ahead (<see cref="GemmPackedB"/>) to the GEMM that packs them itself: the same bits,
/// whether the weights were packed whole or in column pieces, with and without a fused activation.
/// </summary>
public unsafe class GemmPackedBTests
{
    // A first dense layer's shape, one past the long depth block (two depth blocks), ragged columns, and the fewest rows
    // the blocked path takes.
    private static readonly (int M, int N, int K)[] Shapes = [(96, 256, 784), (40, 70, 1100), (17, 33, 64), (200, 784, 256)];

    [Fact]
    public void PackedAheadGivesTheBitsOfTheGemmThatPacks()
    {
        foreach ((int m, int n, int k) in Shapes)
        foreach (Activation activation in new[] { Activation.Linear, Activation.Relu, Activation.Sigmoid })
        {
            var random = new Random(m * 7919 + n * 31 + k);
            float[] a = Values(random, m * k), b = Values(random, k * n), bias = Values(random, n);
            var expected = new float[m * n];
            bool activate = activation != Activation.Linear;
            Gemm.MultiplyAddBias(Transpose.No, Transpose.No, m, n, k, a, k, b, n, bias, expected, n, activation, 0f,
                activate ? expected : Span<float>.Empty, threads: 1);

            var packed = new GemmPackedB();
            packed.Pack(b, k, n, n, GemmBlocking.Current);
            Assert.Equal(expected, Product(packed, a, m, bias, activation, activate));

            // Packed in pieces of one panel and of three, as threads sharing the work would.
            foreach (int piece in new[] { 1, 3 })
            {
                var pieces = new GemmPackedB();
                pieces.Prepare(k, n, GemmBlocking.Current);
                int width = piece * GemmBlocking.Current.Columns;
                fixed (float* pb = b)
                {
                    for (int column = 0; column < n; column += width) pieces.PackColumns(pb, n, column, Math.Min(n, column + width));
                }
                Assert.Equal(expected, Product(pieces, a, m, bias, activation, activate));
            }
        }
    }

    [Fact]
    public void TheBufferIsACopyThatOnlyPackChanges()
    {
        const int m = 48, n = 64, k = 80;
        var random = new Random(3);
        float[] a = Values(random, m * k), b = Values(random, k * n), bias = new float[n];
        var packed = new GemmPackedB();
        packed.Pack(b, k, n, n, GemmBlocking.Current);
        float[] before = Product(packed, a, m, bias, Activation.Linear, activate: false);

        // Changing B does not reach the packed copy until it is packed again: whoever changes the weights must repack.
        for (int i = 0; i < b.Length; i++) b[i] *= 2;
        Assert.Equal(before, Product(packed, a, m, bias, Activation.Linear, activate: false));
        packed.Pack(b, k, n, n, GemmBlocking.Current);
        float[] after = Product(packed, a, m, bias, Activation.Linear, activate: false);
        var expected = new float[m * n];
        Gemm.MultiplyAddBias(Transpose.No, Transpose.No, m, n, k, a, k, b, n, bias, expected, n, Activation.Linear, 0f, Span<float>.Empty, threads: 1);
        Assert.Equal(expected, after);
        Assert.NotEqual(before, after);
    }

    [Fact]
    public void FewRowsAreLeftToTheSmallRowsPath()
    {
        var packed = new GemmPackedB();
        Assert.False(packed.Serves(100)); // nothing packed yet
        packed.Pack(new float[8 * 32], 8, 32, 32, GemmBlocking.Current);
        Assert.True(packed.Serves(GemmSmallRows.MaxRows + 1));
        if (GemmSmallRows.Handles(GemmBlocking.Current.Kernel, GemmSmallRows.MaxRows))
        {
            Assert.False(packed.Serves(GemmSmallRows.MaxRows));
            Assert.Throws<ArgumentOutOfRangeException>(() => Product(packed, new float[8 * 8], 8, new float[32], Activation.Linear, false));
        }
    }

    private static float[] Product(GemmPackedB packed, float[] a, int m, float[] bias, Activation activation, bool activate)
    {
        var c = new float[m * packed.Columns];
        fixed (float* pa = a)
        fixed (float* pBias = bias)
        fixed (float* pc = c)
        {
            Gemm.MultiplyAddBias(m, pa, packed.Depth, packed, pBias, pc, packed.Columns, activation, 0f, activate);
        }
        return c;
    }

    private static float[] Values(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
