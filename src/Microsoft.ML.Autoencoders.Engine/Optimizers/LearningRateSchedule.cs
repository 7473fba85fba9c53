namespace Microsoft.ML.Autoencoders.Engine.Optimizers;

/// <summary>
/// How the step size changes over training. The trainer asks for the rate before every step, with the progress in
/// fractional epochs (1.5 = half way through the second), and reports every finished epoch's monitored loss (validation
/// loss when there is a split, else training loss), which the plateau schedule watches. A schedule holds state across one
/// training run; the trainer calls <see cref="Start"/> first, so one object can serve several runs in turn.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>Begins a run whose optimizer starts at <paramref name="baseRate"/>.</summary>
    public abstract void Start(float baseRate);

    /// <summary>The rate for the step taken after <paramref name="epochs"/> epochs of training.</summary>
    public abstract float RateAt(double epochs);

    /// <summary>Told after each epoch (1-based) with the loss the run monitors; most schedules ignore it.</summary>
    public virtual void EndEpoch(int epoch, double monitoredLoss) { }

    /// <summary>
    /// Writes what the schedule learned during the run beyond the base rate <see cref="Start"/> gives it (a checkpoint);
    /// the schedules that only compute from the base rate and the progress write nothing.
    /// </summary>
    internal virtual void WriteState(BinaryWriter writer) { }

    /// <summary>Puts back a state written by <see cref="WriteState"/>, after <see cref="Start"/>.</summary>
    internal virtual void ReadState(BinaryReader reader) { }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public abstract void Validate();
}
