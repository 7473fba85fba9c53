using Microsoft.ML.Autoencoders.CheckpointChild;
using Microsoft.ML.Autoencoders.Engine.Training;

// Usage: CheckpointChild <checkpoint path> <milliseconds to wait after each epoch>
//
// Trains CheckpointedRun with a checkpoint at <checkpoint path> after every epoch, printing "epoch N" as each ends.
// The wait stretches the run so the test can kill it part way; it does not change the training. Exit codes: 0 when
// training finished, 2 bad arguments.

if (args.Length != 2 || !int.TryParse(args[1], out int wait))
{
    Console.Error.WriteLine("Usage: CheckpointChild <checkpoint path> <milliseconds to wait after each epoch>");
    return 2;
}

var network = CheckpointedRun.CreateNetwork();
new AutoencoderTrainer(network, CheckpointedRun.Options(args[0])).Fit(CheckpointedRun.Data(), null, CheckpointedRun.Rows, metrics =>
{
    Console.WriteLine($"epoch {metrics.Epoch}");
    Thread.Sleep(wait);
});
return 0;
