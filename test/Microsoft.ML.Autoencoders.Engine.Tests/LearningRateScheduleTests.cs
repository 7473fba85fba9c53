using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>Each schedule's rate by its formula, and the trainer applying it: per step, per epoch, from the monitored loss.</summary>
public class LearningRateScheduleTests
{
    [Fact]
    public void StepDecayCutsAtTheStartOfEachStep()
    {
        var schedule = new StepDecaySchedule(stepEpochs: 3, factor: 0.5f);
        schedule.Start(0.01f);
        Assert.Equal(0.01f, schedule.RateAt(0));
        Assert.Equal(0.01f, schedule.RateAt(2.99));
        Assert.Equal(0.005f, schedule.RateAt(3));
        Assert.Equal(0.0025f, schedule.RateAt(6.5), 6);
    }

    [Fact]
    public void CosineFallsFromTheBaseToTheMinimumAfterItsWarmup()
    {
        var schedule = new CosineSchedule(totalEpochs: 11, minimumRate: 0.001f, warmupEpochs: 1);
        schedule.Start(0.01f);
        Assert.Equal(0f, schedule.RateAt(0));
        Assert.Equal(0.005f, schedule.RateAt(0.5), 6);
        Assert.Equal(0.01f, schedule.RateAt(1), 6);
        Assert.Equal(0.0055f, schedule.RateAt(6), 6);   // half way: the mean of base and minimum
        Assert.Equal(0.001f, schedule.RateAt(11), 6);
        Assert.Equal(0.001f, schedule.RateAt(20), 6);
        Assert.True(schedule.RateAt(3) > schedule.RateAt(4));
    }

    [Fact]
    public void PlateauCutsAfterPatienceEpochsWithoutImprovementAndStopsAtTheFloor()
    {
        var schedule = new ReduceOnPlateauSchedule(patience: 2, factor: 0.1f, minimumRate: 1e-4f);
        schedule.Start(0.1f);
        double[] losses = [1.0, 0.9, 0.95, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8];
        var rates = new List<float>();
        for (int epoch = 1; epoch <= losses.Length; epoch++)
        {
            schedule.EndEpoch(epoch, losses[epoch - 1]);
            rates.Add(schedule.RateAt(epoch));
        }
        // Improvements at epochs 1, 2, 5; cuts after epochs 4, 7, 9 (0.1 → 0.01 → 0.001 → 0.0001), then held at the floor.
        Assert.Equal([0.1f, 0.1f, 0.1f, 0.01f, 0.01f, 0.01f, 0.001f, 0.001f, 1e-4f, 1e-4f, 1e-4f], rates, (a, b) => Math.Abs(a - b) < 1e-9f);
        Assert.Equal(3, schedule.Reductions);
    }

    [Fact]
    public void TheTrainerSetsTheScheduledRateEveryStepAndReportsIt()
    {
        var spec = new AutoencoderArchitecture { InputSize = 6, CodeSize = 2 };
        float[] data = TestData.Uniform(new SeededRandom(1), 64 * 6, 0f, 1f);
        TrainingHistory Train(LearningRateSchedule? schedule)
        {
            var network = AutoencoderNetwork.Create(spec, 2);
            return new AutoencoderTrainer(network, new TrainingOptions
            {
                Epochs = 6, BatchSize = 16, Seed = 3, Threads = 1, Optimizer = new() { LearningRate = 0.01f }, LearningRateSchedule = schedule,
            }).Fit(data, null, 64);
        }
        var stepped = Train(new StepDecaySchedule(2, 0.5f));
        // Four batches an epoch: the last step of epoch e is at progress (e − 1) + 3/4.
        Assert.Equal([0.01f, 0.01f, 0.005f, 0.005f, 0.0025f, 0.0025f], stepped.Epochs.Select(e => e.LearningRate), (a, b) => Math.Abs(a - b) < 1e-9f);
        var constant = Train(null);
        Assert.All(constant.Epochs, e => Assert.Equal(0.01f, e.LearningRate));
        // A smaller step changes the weights' path: the runs differ after the first cut.
        Assert.Equal(constant.Epochs[1].TrainingLoss, stepped.Epochs[1].TrainingLoss);
        Assert.NotEqual(constant.Epochs[3].TrainingLoss, stepped.Epochs[3].TrainingLoss);
    }

    [Fact]
    public void BadSettingsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new TrainingOptions { LearningRateSchedule = new StepDecaySchedule(0) }.Validate());
        Assert.Throws<ArgumentException>(() => new TrainingOptions { LearningRateSchedule = new CosineSchedule(5, warmupEpochs: 5) }.Validate());
        Assert.Throws<ArgumentException>(() => new TrainingOptions { LearningRateSchedule = new ReduceOnPlateauSchedule(factor: 1.5f) }.Validate());
    }
}
