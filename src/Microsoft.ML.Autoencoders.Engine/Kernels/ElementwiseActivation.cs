using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The element-wise activations that a <see cref="GemmEpilogue"/> can apply, shared with the activation layers'
/// own forward pass so a fused Dense → activation gives the same bits as the two layers run apart.
/// </summary>
/// <remarks>
/// Every element goes through the same <see cref="Vector{T}"/> code, the ragged end too (through a padded
/// stack vector), so an element's value never depends on where a span starts or ends: the epilogue sees row
/// pieces of C cut differently for each thread split, the layer sees the whole batch at once.
/// </remarks>
internal static unsafe class ElementwiseActivation
{
    /// <summary>Whether <paramref name="kind"/> is computed here.</summary>
    public static bool Handles(Activation kind) =>
        kind is Activation.Linear or Activation.Relu or Activation.LeakyRelu or Activation.Sigmoid or Activation.Tanh;

    /// <summary>y = f(x) for <paramref name="kind"/>; <paramref name="slope"/> is leaky ReLU's.</summary>
    public static void Apply(Activation kind, float slope, ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException("The output is shorter than the input.", nameof(y));
        fixed (float* px = x)
        fixed (float* py = y)
        {
            Run(px, null, py, x.Length, kind, slope);
        }
    }

    /// <summary>
    /// For i in [0, n): z = z[i] + bias[i] (written back to <paramref name="z"/> when there is a bias),
    /// then y[i] = f(z) when <paramref name="y"/> is not null.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float* z, float* bias, float* y, int n, Activation kind, float slope)
    {
        int width = Vector<float>.Count;
        var slopeVector = new Vector<float>(slope);
        int i = 0;
        if (kind is Activation.Sigmoid or Activation.Tanh && y != null && Vector512.IsHardwareAccelerated && width < Vector512<float>.Count)
        {
            // The sigmoid's exp and division are most of an output layer's epilogue (7 % of the MNIST autoencoder's inference
            // on Zen 5), and tanh's likewise: run them sixteen lanes at a time. Each lane's bits are the narrower loop's
            // (VectorExp's and VectorTanh's overloads).
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> v = Vector512.Load(z + i);
                if (bias != null)
                {
                    v += Vector512.Load(bias + i);
                    v.Store(z + i);
                }
                (kind == Activation.Sigmoid ? Vector512<float>.One / (Vector512<float>.One + VectorExp.Exp(-v)) : VectorTanh.Tanh(v)).Store(y + i);
            }
        }

        for (; i <= n - width; i += width)
        {
            Vector<float> v = Unsafe.ReadUnaligned<Vector<float>>(z + i);
            if (bias != null)
            {
                v += Unsafe.ReadUnaligned<Vector<float>>(bias + i);
                Unsafe.WriteUnaligned(z + i, v);
            }
            if (y != null) Unsafe.WriteUnaligned(y + i, Activate(v, kind, slopeVector));
        }

        int rest = n - i;
        if (rest == 0) return;
        // The tail through the same vector code: a scalar loop could round sigmoid differently.
        Vector<float> tail = default, tailBias = default;
        float* pt = (float*)&tail;
        float* pb = (float*)&tailBias;
        for (int j = 0; j < rest; j++)
        {
            pt[j] = z[i + j];
            if (bias != null) pb[j] = bias[i + j];
        }
        // Only with a bias: adding a zero would turn -0 into +0 and leaky ReLU would then differ from the vector path.
        if (bias != null) tail += tailBias;
        Vector<float> activated = y != null ? Activate(tail, kind, slopeVector) : default;
        float* pa = (float*)&activated;
        for (int j = 0; j < rest; j++)
        {
            if (bias != null) z[i + j] = pt[j];
            if (y != null) y[i + j] = pa[j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Activate(Vector<float> z, Activation kind, Vector<float> slope) => kind switch
    {
        Activation.Relu => Vector.Max(z, Vector<float>.Zero),
        // max(z, slope·z) is leaky ReLU for 0 < slope < 1, which LeakyReluLayer enforces.
        Activation.LeakyRelu => Vector.Max(z, z * slope),
        // VectorExp, not Vector.Exp: the latter widens to double, and this runs on every output of the output layer
        // (Apply over 200,704 floats went from 222 to 103 µs on a Zen 4 with the change).
        // Exp(-z) is +∞ for z below about -88.7, giving 1/∞ = +0, and +0 for z above about 87.3, giving exactly 1.
        Activation.Sigmoid => Vector<float>.One / (Vector<float>.One + VectorExp.Exp(-z)),
        // VectorTanh (within 2.2 ulps), not TensorPrimitives.Tanh: that one takes a span shorter than a 128-bit vector value
        // by value with MathF.Tanh, whose bits are not its vector code's, so a chain's chunk of a few values would round
        // unlike the whole batch; here every lane goes through one vector code, and a Dense → tanh pair fuses.
        Activation.Tanh => VectorTanh.Tanh(z),
        Activation.Linear => z,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "This activation is not computed element-wise here."),
    };
}
