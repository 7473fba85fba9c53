using System.Numerics;
using System.Runtime.CompilerServices;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The element-wise part of one LSTM step for one row, forward and backward; the layer does the matrix products around
/// it. A row's gates are four blocks of H values in ONNX's order: input i, output o, forget f, cell candidate g.
/// </summary>
internal static unsafe class LstmCell
{
    /// <summary>
    /// With z the gates' pre-activations (overwritten by their activations i, o, f, g), writes
    /// c = f ⊙ c_prev + i ⊙ g, tanh(c) and h = o ⊙ tanh(c). <paramref name="previousCell"/> null means c_prev = 0 (the first step).
    /// </summary>
    /// <remarks>
    /// One pass over the H units, every value through the same <see cref="Vector{T}"/> code, the ragged end too (through padded
    /// stack vectors), so a unit's results do not depend on H. Sigmoid is <see cref="ElementwiseActivation"/>'s formula; tanh
    /// is <see cref="VectorTanh"/>.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(float* gates, float* previousCell, float* cell, float* tanhCell, float* hidden, int units)
    {
        int width = Vector<float>.Count, j = 0;
        for (; j <= units - width; j += width)
        {
            Vector<float> previous = previousCell != null ? Load(previousCell + j) : Vector<float>.Zero;
            Step(Load(gates + j), Load(gates + units + j), Load(gates + 2 * units + j), Load(gates + 3 * units + j), previous,
                out var i, out var o, out var f, out var g, out var c, out var tanhC);
            Store(gates + j, i);
            Store(gates + units + j, o);
            Store(gates + 2 * units + j, f);
            Store(gates + 3 * units + j, g);
            Store(cell + j, c);
            Store(tanhCell + j, tanhC);
            Store(hidden + j, o * tanhC);
        }

        int rest = units - j;
        if (rest == 0) return;
        Vector<float> zi = default, zo = default, zf = default, zg = default, tail = default;
        float* pzi = (float*)&zi, pzo = (float*)&zo, pzf = (float*)&zf, pzg = (float*)&zg, pPrevious = (float*)&tail;
        for (int k = 0; k < rest; k++)
        {
            pzi[k] = gates[j + k];
            pzo[k] = gates[units + j + k];
            pzf[k] = gates[2 * units + j + k];
            pzg[k] = gates[3 * units + j + k];
            if (previousCell != null) pPrevious[k] = previousCell[j + k];
        }
        Step(zi, zo, zf, zg, tail, out var ti, out var to, out var tf, out var tg, out var tc, out var tt);
        Vector<float> th = to * tt;
        float* pi = (float*)&ti, po = (float*)&to, pf = (float*)&tf, pg = (float*)&tg, pc = (float*)&tc, pt = (float*)&tt, ph = (float*)&th;
        for (int k = 0; k < rest; k++)
        {
            gates[j + k] = pi[k];
            gates[units + j + k] = po[k];
            gates[2 * units + j + k] = pf[k];
            gates[3 * units + j + k] = pg[k];
            cell[j + k] = pc[k];
            tanhCell[j + k] = pt[k];
            hidden[j + k] = ph[k];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(Vector<float> zi, Vector<float> zo, Vector<float> zf, Vector<float> zg, Vector<float> previous,
        out Vector<float> i, out Vector<float> o, out Vector<float> f, out Vector<float> g, out Vector<float> c, out Vector<float> tanhC)
    {
        i = Sigmoid(zi);
        o = Sigmoid(zo);
        f = Sigmoid(zf);
        g = VectorTanh.Tanh(zg);
        c = Vector.FusedMultiplyAdd(f, previous, i * g);
        tanhC = VectorTanh.Tanh(c);
    }

    // The sigmoid of ElementwiseActivation: e^{−z} is +∞ far below zero (1/∞ = +0) and +0 far above (exactly 1).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Sigmoid(Vector<float> z) => Vector<float>.One / (Vector<float>.One + VectorExp.Exp(-z));

    /// <summary>
    /// Backward through one step of one row. dh = <paramref name="outputGradient"/> + <paramref name="recurrentGradient"/>
    /// (either may be null, meaning zero) is the gradient reaching h_t; <paramref name="cellGradient"/> holds the gradient
    /// reaching c_t from the step after and is replaced by the one reaching c_{t−1}. Writes the gates' pre-activation
    /// gradients into <paramref name="gateGradients"/> (4H, the gates' order):
    /// <code>
    /// dc = dc_next + dh ⊙ o ⊙ (1 − tanh²c)
    /// dz_i = dc ⊙ g ⊙ i(1 − i)     dz_o = dh ⊙ tanh c ⊙ o(1 − o)
    /// dz_f = dc ⊙ c_prev ⊙ f(1 − f)  dz_g = dc ⊙ i ⊙ (1 − g²)     dc_prev = dc ⊙ f
    /// </code>
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(float* gates, float* previousCell, float* tanhCell, float* outputGradient, float* recurrentGradient,
        float* cellGradient, float* gateGradients, int units)
    {
        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<float>.Count;
            for (; j <= units - width; j += width)
            {
                Vector<float> dh = outputGradient != null ? Load(outputGradient + j) : Vector<float>.Zero;
                if (recurrentGradient != null) dh += Load(recurrentGradient + j);
                Vector<float> i = Load(gates + j), o = Load(gates + units + j), f = Load(gates + 2 * units + j), g = Load(gates + 3 * units + j);
                Vector<float> tanhC = Load(tanhCell + j);
                Vector<float> previous = previousCell != null ? Load(previousCell + j) : Vector<float>.Zero;
                Vector<float> one = Vector<float>.One;
                Vector<float> dc = Load(cellGradient + j) + dh * o * (one - tanhC * tanhC);
                Store(gateGradients + j, dc * g * i * (one - i));
                Store(gateGradients + units + j, dh * tanhC * o * (one - o));
                Store(gateGradients + 2 * units + j, dc * previous * f * (one - f));
                Store(gateGradients + 3 * units + j, dc * i * (one - g * g));
                Store(cellGradient + j, dc * f);
            }
        }

        for (; j < units; j++)
        {
            float dh = (outputGradient != null ? outputGradient[j] : 0f) + (recurrentGradient != null ? recurrentGradient[j] : 0f);
            float i = gates[j], o = gates[units + j], f = gates[2 * units + j], g = gates[3 * units + j];
            float tanhC = tanhCell[j];
            float previous = previousCell != null ? previousCell[j] : 0f;
            float dc = cellGradient[j] + dh * o * (1 - tanhC * tanhC);
            gateGradients[j] = dc * g * i * (1 - i);
            gateGradients[units + j] = dh * tanhC * o * (1 - o);
            gateGradients[2 * units + j] = dc * previous * f * (1 - f);
            gateGradients[3 * units + j] = dc * i * (1 - g * g);
            cellGradient[j] = dc * f;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Load(float* p) => Unsafe.ReadUnaligned<Vector<float>>(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* p, Vector<float> v) => Unsafe.WriteUnaligned(p, v);
}
