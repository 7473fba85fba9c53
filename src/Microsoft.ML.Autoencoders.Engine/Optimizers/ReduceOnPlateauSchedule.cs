namespace Microsoft.ML.Autoencoders.Engine.Optimizers;

/// <summary>
/// Reduce on plateau (PyTorch's ReduceLROnPlateau, Keras' ReduceLROnPlateau): when the monitored loss — the validation loss
/// with a split, else the training loss — has not improved on its best by more than <see cref="Threshold"/> (relative) for
/// <see cref="Patience"/> epochs, the rate is multiplied by <see cref="Factor"/>, not below <see cref="MinimumRate"/>, and
/// the count starts again.
/// </summary>
/// <param name="patience">Epochs without improvement before a cut.</param>
/// <param name="factor">The multiplier at each cut, in (0, 1).</param>
/// <param name="minimumRate">The floor.</param>
/// <param name="threshold">The relative improvement that counts as one (1e-4: 0.01 %).</param>
public sealed class ReduceOnPlateauSchedule(int patience = 3, float factor = 0.5f, float minimumRate = 1e-6f, double threshold = 1e-4) : LearningRateSchedule
{
    private float _rate;
    private double _best;
    private int _epochsWithoutImprovement;

    /// <summary>Epochs without improvement before a cut.</summary>
    public int Patience { get; } = patience;

    /// <summary>The multiplier at each cut.</summary>
    public float Factor { get; } = factor;

    /// <summary>The floor.</summary>
    public float MinimumRate { get; } = minimumRate;

    /// <summary>The relative improvement that counts.</summary>
    public double Threshold { get; } = threshold;

    /// <summary>Cuts made so far in this run.</summary>
    public int Reductions { get; private set; }

    /// <inheritdoc/>
    public override void Start(float baseRate)
    {
        _rate = baseRate;
        _best = double.PositiveInfinity;
        _epochsWithoutImprovement = 0;
        Reductions = 0;
    }

    /// <inheritdoc/>
    public override float RateAt(double epochs) => _rate;

    /// <inheritdoc/>
    public override void EndEpoch(int epoch, double monitoredLoss)
    {
        // A NaN loss is no improvement; the divergence guard deals with it.
        if (monitoredLoss < _best * (1 - Threshold))
        {
            _best = monitoredLoss;
            _epochsWithoutImprovement = 0;
            return;
        }
        if (++_epochsWithoutImprovement < Patience) return;
        float reduced = Math.Max(MinimumRate, _rate * Factor);
        // A rate that reached the floor by float rounding (0.001 × 0.1 is a hair above 1e-4) is at it: no cut to count.
        if (_rate - reduced > 1e-6f * _rate) Reductions++;
        _rate = reduced;
        _epochsWithoutImprovement = 0;
    }

    internal override void WriteState(BinaryWriter writer)
    {
        writer.Write(_rate);
        writer.Write(_best);
        writer.Write(_epochsWithoutImprovement);
        writer.Write(Reductions);
    }

    internal override void ReadState(BinaryReader reader)
    {
        _rate = reader.ReadSingle();
        _best = reader.ReadDouble();
        _epochsWithoutImprovement = reader.ReadInt32();
        Reductions = reader.ReadInt32();
    }

    /// <inheritdoc/>
    public override void Validate()
    {
        if (Patience <= 0) throw new ArgumentException($"The plateau schedule's Patience must be positive (was {Patience}).");
        if (!(Factor > 0 && Factor < 1)) throw new ArgumentException($"The plateau schedule's Factor must be in (0, 1) (was {Factor}).");
        if (!(MinimumRate >= 0) || float.IsInfinity(MinimumRate)) throw new ArgumentException($"The plateau schedule's MinimumRate must be finite and non-negative (was {MinimumRate}).");
        if (!(Threshold >= 0 && Threshold < 1)) throw new ArgumentException($"The plateau schedule's Threshold must be in [0, 1) (was {Threshold}).");
    }

    /// <inheritdoc/>
    public override string ToString() => $"×{Factor} after {Patience} epochs without improvement, down to {MinimumRate}";
}
