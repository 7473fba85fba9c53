using System.Numerics;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Optimizers;

/// <summary>
/// Adam and AdamW, one fused flat loop over the whole parameter buffer (as llm.c does):
/// m = β₁m + (1-β₁)g; v = β₂v + (1-β₂)g²; w -= lr·(m/(1-β₁ᵗ)) / (√(v/(1-β₂ᵗ)) + ε).
/// Adam adds the weight decay to g (an L2 penalty); AdamW instead shrinks w by lr·λ·w before the step.
/// One fused pass reads each buffer once; separate TensorPrimitives passes would read them six times.
/// </summary>
public sealed class Adam : Optimizer, IWorkerPoolJob
{
    private readonly float[] _m, _v;
    private readonly float _beta1, _beta2, _epsilon, _weightDecay;
    private readonly bool _decoupled;

    internal Adam(OptimizerSettings settings, int parameterCount, bool decoupledWeightDecay)
    {
        LearningRate = settings.LearningRate;
        _beta1 = settings.Beta1;
        _beta2 = settings.Beta2;
        _epsilon = settings.Epsilon;
        _weightDecay = settings.WeightDecay;
        _decoupled = decoupledWeightDecay;
        _m = new float[parameterCount];
        _v = new float[parameterCount];
    }

    /// <summary>True for AdamW.</summary>
    public bool DecoupledWeightDecay => _decoupled;

    /// <inheritdoc/>
    public override unsafe void Step(Span<float> values, ReadOnlySpan<float> gradients)
    {
        CheckLengths(_m.Length, values, gradients);
        StepCount++;
        _correction1 = 1f - MathF.Pow(_beta1, StepCount);
        _correction2 = 1f - MathF.Pow(_beta2, StepCount);
        fixed (float* w = values)
        fixed (float* g = gradients)
        fixed (float* m = _m)
        fixed (float* v = _v)
        {
            _w = w; _g = g; _mp = m; _vp = v;
            try
            {
                // Each element's update reads only its own four values, so any split gives the same bits.
                int parts = Parts();
                if (parts == 1) Update(values, gradients, _m, _v);
                else WorkerPool.Shared.Run(this, parts);
            }
            finally
            {
                _w = _g = _mp = _vp = null;
            }
        }
    }

    /// <summary>Below this many parameters per extra thread, waking a worker costs more than the sqrt and divide it saves.</summary>
    private const int MinElementsPerThread = 32 * 1024;

    private float _correction1, _correction2;
    private unsafe float* _w, _g, _mp, _vp;

    /// <summary>How many threads the update is worth; the pool is not touched (nor started) for one.</summary>
    private int Parts()
    {
        int byWork = Math.Max(1, _m.Length / MinElementsPerThread);
        return Threads == 1 || byWork == 1 ? 1 : Math.Min(Math.Min(Threads, byWork), WorkerPool.Shared.MaxParallelism);
    }

    /// <summary>Updates part <paramref name="part"/> of the buffer: a band cut on 64-float (cache-line) boundaries.</summary>
    unsafe void IWorkerPoolJob.Execute(int part)
    {
        int count = _m.Length, parts = Parts();
        int chunks = (count + 63) / 64;
        int start = Math.Min(count, (int)((long)chunks * part / parts) * 64);
        int end = Math.Min(count, (int)((long)chunks * (part + 1) / parts) * 64);
        Update(new Span<float>(_w + start, end - start), new ReadOnlySpan<float>(_g + start, end - start),
            new Span<float>(_mp + start, end - start), new Span<float>(_vp + start, end - start));
    }

    /// <summary>The fused Adam update of one contiguous range.</summary>
    private void Update(Span<float> values, ReadOnlySpan<float> gradients, Span<float> m, Span<float> v)
    {
        float b1 = _beta1, b2 = _beta2, eps = _epsilon;
        float stepSize = LearningRate / _correction1;
        float invSqrtCorrection2 = 1f / MathF.Sqrt(_correction2);
        float l2 = _decoupled ? 0f : _weightDecay;
        float shrink = _decoupled ? 1f - LearningRate * _weightDecay : 1f;

        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vB1 = new Vector<float>(b1); var vB1c = new Vector<float>(1 - b1);
            var vB2 = new Vector<float>(b2); var vB2c = new Vector<float>(1 - b2);
            var vEps = new Vector<float>(eps); var vStep = new Vector<float>(stepSize);
            var vInv = new Vector<float>(invSqrtCorrection2);
            var vL2 = new Vector<float>(l2); var vShrink = new Vector<float>(shrink);
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var w = new Vector<float>(values.Slice(i));
                var g = new Vector<float>(gradients.Slice(i)) + vL2 * w;
                var mi = vB1 * new Vector<float>(m.Slice(i)) + vB1c * g;
                var vi = vB2 * new Vector<float>(v.Slice(i)) + vB2c * g * g;
                mi.CopyTo(m.Slice(i));
                vi.CopyTo(v.Slice(i));
                w = vShrink * w - vStep * mi / (Vector.SquareRoot(vi) * vInv + vEps);
                w.CopyTo(values.Slice(i));
            }
        }
        for (; i < values.Length; i++)
        {
            float g = gradients[i] + l2 * values[i];
            m[i] = b1 * m[i] + (1 - b1) * g;
            v[i] = b2 * v[i] + (1 - b2) * g * g;
            values[i] = shrink * values[i] - stepSize * m[i] / (MathF.Sqrt(v[i]) * invSqrtCorrection2 + eps);
        }
    }
}
