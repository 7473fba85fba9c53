using System.Numerics;
using System.Runtime.CompilerServices;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The element-wise part of one GRU step for one row, forward and backward; the layer does the matrix products around it.
/// A row's gates are three blocks of H values in ONNX's order: update z, reset r, candidate n (ONNX's "h" gate). The
/// input's projection gx = x·W_ih + b_ih and the state's gh = h_{t−1}·W_hh + b_hh come in apart, because the reset gate
/// multiplies the state's candidate part after its product (linear_before_reset = 1, as PyTorch and cuDNN):
/// <code>
/// z = σ(gx_z + gh_z)   r = σ(gx_r + gh_r)   n = tanh(gx_n + r ⊙ gh_n)   h = (1 − z) ⊙ n + z ⊙ h_prev
/// </code>
/// </summary>
internal static unsafe class GruCell
{
    /// <summary>
    /// Overwrites <paramref name="inputGates"/> (gx) with the activations z, r, n and writes h; <paramref name="recurrentGates"/>
    /// (gh) is only read, backward needs its candidate part. <paramref name="previousHidden"/> null means h_prev = 0.
    /// </summary>
    /// <remarks>
    /// Every value through the same <see cref="Vector{T}"/> code, the ragged end too (through padded stack vectors), so a
    /// unit's results do not depend on H; sigmoid and tanh as <see cref="LstmCell"/>'s.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(float* inputGates, float* recurrentGates, float* previousHidden, float* hidden, int units)
    {
        int width = Vector<float>.Count, j = 0;
        for (; j <= units - width; j += width)
        {
            Vector<float> previous = previousHidden != null ? Load(previousHidden + j) : Vector<float>.Zero;
            Step(Load(inputGates + j), Load(inputGates + units + j), Load(inputGates + 2 * units + j),
                Load(recurrentGates + j), Load(recurrentGates + units + j), Load(recurrentGates + 2 * units + j), previous,
                out var z, out var r, out var n, out var h);
            Store(inputGates + j, z);
            Store(inputGates + units + j, r);
            Store(inputGates + 2 * units + j, n);
            Store(hidden + j, h);
        }

        int rest = units - j;
        if (rest == 0) return;
        Vector<float> xz = default, xr = default, xn = default, hz = default, hr = default, hn = default, tail = default;
        float* pxz = (float*)&xz, pxr = (float*)&xr, pxn = (float*)&xn, phz = (float*)&hz, phr = (float*)&hr, phn = (float*)&hn, pPrevious = (float*)&tail;
        for (int k = 0; k < rest; k++)
        {
            pxz[k] = inputGates[j + k];
            pxr[k] = inputGates[units + j + k];
            pxn[k] = inputGates[2 * units + j + k];
            phz[k] = recurrentGates[j + k];
            phr[k] = recurrentGates[units + j + k];
            phn[k] = recurrentGates[2 * units + j + k];
            if (previousHidden != null) pPrevious[k] = previousHidden[j + k];
        }
        Step(xz, xr, xn, hz, hr, hn, tail, out var tz, out var tr, out var tn, out var th);
        float* pz = (float*)&tz, pr = (float*)&tr, pn = (float*)&tn, ph = (float*)&th;
        for (int k = 0; k < rest; k++)
        {
            inputGates[j + k] = pz[k];
            inputGates[units + j + k] = pr[k];
            inputGates[2 * units + j + k] = pn[k];
            hidden[j + k] = ph[k];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(Vector<float> xz, Vector<float> xr, Vector<float> xn, Vector<float> hz, Vector<float> hr, Vector<float> hn,
        Vector<float> previous, out Vector<float> z, out Vector<float> r, out Vector<float> n, out Vector<float> h)
    {
        z = Sigmoid(xz + hz);
        r = Sigmoid(xr + hr);
        n = VectorTanh.Tanh(Vector.FusedMultiplyAdd(r, hn, xn));
        h = Vector.FusedMultiplyAdd(z, previous - n, n); // (1 − z)·n + z·h_prev
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Sigmoid(Vector<float> v) => Vector<float>.One / (Vector<float>.One + VectorExp.Exp(-v));

    /// <summary>
    /// Backward through one step of one row. dh = <paramref name="outputGradient"/> + <paramref name="carriedGradient"/>
    /// (either may be null, meaning zero) is the gradient reaching h_t; <paramref name="carriedGradient"/> (when not null) is
    /// then replaced by dh ⊙ z, the part of dh_{t−1} that does not pass through the products (the layer adds the rest).
    /// Writes the pre-activation gradients of gx and of gh (3H each, the gates' order):
    /// <code>
    /// dz = dh ⊙ (h_prev − n) ⊙ z(1 − z)    dn = dh ⊙ (1 − z) ⊙ (1 − n²)    dr = dn ⊙ gh_n ⊙ r(1 − r)
    /// dgx = [dz, dr, dn]                   dgh = [dz, dr, dn ⊙ r]
    /// </code>
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(float* gates, float* recurrentGates, float* previousHidden, float* outputGradient, float* carriedGradient,
        float* inputGateGradients, float* recurrentGateGradients, int units)
    {
        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<float>.Count;
            Vector<float> one = Vector<float>.One;
            for (; j <= units - width; j += width)
            {
                Vector<float> dh = outputGradient != null ? Load(outputGradient + j) : Vector<float>.Zero;
                if (carriedGradient != null) dh += Load(carriedGradient + j);
                Vector<float> z = Load(gates + j), r = Load(gates + units + j), n = Load(gates + 2 * units + j);
                Vector<float> previous = previousHidden != null ? Load(previousHidden + j) : Vector<float>.Zero;
                Vector<float> dz = dh * (previous - n) * z * (one - z);
                Vector<float> dn = dh * (one - z) * (one - n * n);
                Vector<float> dr = dn * Load(recurrentGates + 2 * units + j) * r * (one - r);
                Store(inputGateGradients + j, dz);
                Store(inputGateGradients + units + j, dr);
                Store(inputGateGradients + 2 * units + j, dn);
                Store(recurrentGateGradients + j, dz);
                Store(recurrentGateGradients + units + j, dr);
                Store(recurrentGateGradients + 2 * units + j, dn * r);
                if (carriedGradient != null) Store(carriedGradient + j, dh * z);
            }
        }

        for (; j < units; j++)
        {
            float dh = (outputGradient != null ? outputGradient[j] : 0f) + (carriedGradient != null ? carriedGradient[j] : 0f);
            float z = gates[j], r = gates[units + j], n = gates[2 * units + j];
            float previous = previousHidden != null ? previousHidden[j] : 0f;
            float dz = dh * (previous - n) * z * (1 - z);
            float dn = dh * (1 - z) * (1 - n * n);
            float dr = dn * recurrentGates[2 * units + j] * r * (1 - r);
            inputGateGradients[j] = dz;
            inputGateGradients[units + j] = dr;
            inputGateGradients[2 * units + j] = dn;
            recurrentGateGradients[j] = dz;
            recurrentGateGradients[units + j] = dr;
            recurrentGateGradients[2 * units + j] = dn * r;
            if (carriedGradient != null) carriedGradient[j] = dh * z;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Load(float* p) => Unsafe.ReadUnaligned<Vector<float>>(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* p, Vector<float> v) => Unsafe.WriteUnaligned(p, v);
}
