using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Corruption;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.CheckpointChild;

/// <summary>
/// The run the child process trains and the test resumes: small (fast in the test) but with every seeded stream and
/// piece of optimizer state in play — shuffles, input noise, dropout, a validation split with early-stopping bookkeeping,
/// Adam's moments and a plateau schedule.
/// </summary>
public static class CheckpointedRun
{
    public const int Rows = 400, Width = 12, Epochs = 30;

    /// <summary>The training rows: fixed by a seed, so the child and the test train on the same values.</summary>
    public static float[] Data()
    {
        var random = new SeededRandom(17);
        var data = new float[Rows * Width];
        for (int i = 0; i < data.Length; i++) data[i] = random.NextFloat();
        return data;
    }

    public static AutoencoderNetwork CreateNetwork() => AutoencoderNetwork.Create(new AutoencoderArchitecture
    {
        InputSize = Width, HiddenSizes = [10], CodeSize = 4, HiddenActivation = Activation.Relu, OutputActivation = Activation.Sigmoid, DropoutRate = 0.2f,
    }, seed: 3);

    /// <summary>The run's options; one thread, so the comparison does not lean on the kernels' thread-count promise as well.</summary>
    public static TrainingOptions Options(string? checkpointPath) => new()
    {
        Epochs = Epochs, BatchSize = 32, Seed = 5, Threads = 1, ValidationFraction = 0.2, EarlyStoppingPatience = Epochs,
        Optimizer = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 1e-2f },
        LearningRateSchedule = new ReduceOnPlateauSchedule(patience: 2),
        Corruption = new GaussianNoise(0.1f),
        CheckpointPath = checkpointPath,
    };
}
