using System.Numerics;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Engine.Optimizers;

/// <summary>
/// SGD with momentum in PyTorch's form: g' = g + λw; v = μv + g'; w -= lr·v.
/// </summary>
public sealed class Sgd : Optimizer
{
    private readonly float[] _velocity;
    private readonly float _momentum, _weightDecay;

    internal Sgd(OptimizerSettings settings, int parameterCount)
    {
        LearningRate = settings.LearningRate;
        _momentum = settings.Momentum;
        _weightDecay = settings.WeightDecay;
        _velocity = new float[parameterCount];
    }

    internal override void WriteState(BinaryWriter writer)
    {
        base.WriteState(writer);
        writer.WriteArray<float>(_velocity);
    }

    internal override void ReadState(BinaryReader reader)
    {
        base.ReadState(reader);
        reader.ReadArray<float>(_velocity, "SGD's momentum");
    }

    /// <inheritdoc/>
    public override void Step(Span<float> values, ReadOnlySpan<float> gradients)
    {
        CheckLengths(_velocity.Length, values, gradients);
        StepCount++;
        Span<float> v = _velocity;
        float lr = LearningRate, mu = _momentum, wd = _weightDecay;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vLr = new Vector<float>(lr);
            var vMu = new Vector<float>(mu);
            var vWd = new Vector<float>(wd);
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var w = new Vector<float>(values.Slice(i));
                var g = new Vector<float>(gradients.Slice(i)) + vWd * w;
                var vel = vMu * new Vector<float>(v.Slice(i)) + g;
                vel.CopyTo(v.Slice(i));
                (w - vLr * vel).CopyTo(values.Slice(i));
            }
        }
        for (; i < values.Length; i++)
        {
            float g = gradients[i] + wd * values[i];
            v[i] = mu * v[i] + g;
            values[i] -= lr * v[i];
        }
    }
}
