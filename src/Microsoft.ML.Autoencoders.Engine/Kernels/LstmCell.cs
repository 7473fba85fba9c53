using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The element-wise part of one LSTM step for one row, forward and backward; the layer does the matrix products around
/// it. A row's gates are four blocks of H values in ONNX's order — input i, output o, forget f, cell candidate g — so
/// the three sigmoid gates lie side by side and take one call.
/// </summary>
internal static unsafe class LstmCell
{
    /// <summary>
    /// With z the gates' pre-activations (overwritten by their activations i, o, f, g), writes
    /// c = f ⊙ c_prev + i ⊙ g, tanh(c) and h = o ⊙ tanh(c). <paramref name="previousCell"/> null means c_prev = 0 (the first step).
    /// </summary>
    public static void Forward(float* gates, float* previousCell, float* cell, float* tanhCell, float* hidden, int units)
    {
        var sigmoidGates = new Span<float>(gates, 3 * units);
        var candidate = new Span<float>(gates + 3 * units, units);
        TensorPrimitives.Sigmoid(sigmoidGates, sigmoidGates);
        TensorPrimitives.Tanh(candidate, candidate);

        var c = new Span<float>(cell, units);
        TensorPrimitives.Multiply(new ReadOnlySpan<float>(gates, units), candidate, c);
        if (previousCell != null) TensorPrimitives.FusedMultiplyAdd(new ReadOnlySpan<float>(gates + 2 * units, units), new ReadOnlySpan<float>(previousCell, units), c, c);
        var tanh = new Span<float>(tanhCell, units);
        TensorPrimitives.Tanh(c, tanh);
        TensorPrimitives.Multiply(new ReadOnlySpan<float>(gates + units, units), tanh, new Span<float>(hidden, units));
    }

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
