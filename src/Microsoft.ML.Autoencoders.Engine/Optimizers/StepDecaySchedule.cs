namespace Microsoft.ML.Autoencoders.Engine.Optimizers;

/// <summary>Step decay: the rate is multiplied by <see cref="Factor"/> every <see cref="StepEpochs"/> epochs (PyTorch's StepLR).</summary>
/// <param name="stepEpochs">Epochs between two decays.</param>
/// <param name="factor">The multiplier at each decay, in (0, 1).</param>
public sealed class StepDecaySchedule(int stepEpochs, float factor = 0.1f) : LearningRateSchedule
{
    private float _baseRate;

    /// <summary>Epochs between two decays.</summary>
    public int StepEpochs { get; } = stepEpochs;

    /// <summary>The multiplier at each decay.</summary>
    public float Factor { get; } = factor;

    /// <inheritdoc/>
    public override void Start(float baseRate) => _baseRate = baseRate;

    /// <summary>base · factor^⌊epochs / step⌋: the decay happens at the start of epoch step + 1, 2·step + 1, ...</summary>
    public override float RateAt(double epochs) => _baseRate * MathF.Pow(Factor, (int)Math.Floor(epochs / StepEpochs + 1e-9));

    /// <inheritdoc/>
    public override void Validate()
    {
        if (StepEpochs <= 0) throw new ArgumentException($"The step schedule's StepEpochs must be positive (was {StepEpochs}).");
        if (!(Factor > 0 && Factor < 1)) throw new ArgumentException($"The step schedule's Factor must be in (0, 1) (was {Factor}).");
    }

    /// <inheritdoc/>
    public override string ToString() => $"step decay ×{Factor} every {StepEpochs} epochs";
}
