using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.Autoencoders.Benchmarks.Peers.TorchSharp;

/// <summary>
/// The <see cref="AutoencoderCase"/> network trained and run with TorchSharp the way its users would write it:
/// nn.Sequential, MSELoss, optim.Adam, a fresh randperm per epoch, a dispose scope per batch.
/// </summary>
public static class TorchSharpTraining
{
    /// <summary>
    /// Every training case in turn: the dense autoencoder, the conv autoencoder, the VAE, the LSTM autoencoder. Each runs
    /// through <see cref="BenchReport.RunCase"/>, so one that libtorch fails on this machine is reported with its reason and
    /// the others still give their figures.
    /// </summary>
    public static void Run(BenchSettings settings, string mnistDirectory, BenchReport report)
    {
        var (trainData, trainRows, pixels) = Mnist.ReadImages(Path.Combine(mnistDirectory, Mnist.TrainImages), settings.TrainRows);
        var (testData, testRows, _) = Mnist.ReadImages(Path.Combine(mnistDirectory, Mnist.TestImages), settings.TestRows);
        using var train = torch.tensor(trainData, [trainRows, pixels]);
        using var test = torch.tensor(testData, [testRows, pixels]);
        report.RunCase("ae", () => RunDense(settings, train, test, trainRows, testRows, testData, report));
        report.RunCase("conv_ae", () => RunConvolutional(train, test, trainRows, testRows, testData, report));
        report.RunCase("vae", () => TorchSharpVae.Run(train, test, trainRows, testRows, report));
        report.RunCase("lstm_ae", () => RunLstm(settings, report));
    }

    /// <summary>The <see cref="AutoencoderCase"/> network: epoch time, test MSE, inference throughput, training's peak memory.</summary>
    private static void RunDense(BenchSettings settings, Tensor train, Tensor test, int trainRows, int testRows, float[] testData, BenchReport report)
    {
        torch.manual_seed(AutoencoderCase.Seed);
        int pixels = (int)train.shape[1];
        int hidden = AutoencoderCase.HiddenSizes[0], code = AutoencoderCase.CodeSize;
        var model = Sequential(
            Linear(pixels, hidden), ReLU(),
            Linear(hidden, code), ReLU(),
            Linear(code, hidden), ReLU(),
            Linear(hidden, pixels), Sigmoid());
        var optimizer = optim.Adam(model.parameters(), lr: AutoencoderCase.LearningRate);
        var lossFunction = MSELoss();

        var epochSeconds = TrainEpochs(model, optimizer, lossFunction, train, trainRows, settings.BatchSize, settings.Epochs);
        // Read the peak before inference allocates anything: this figure is training's.
        double? peakMegabytes = PeakMemory.ReadMegabytes();
        report.Add("ae_epoch_seconds", "s/epoch", SampleTimer.Median(epochSeconds.Skip(1).ToArray()), "lower",
            $"median of epochs 2..{settings.Epochs}, {trainRows} rows, batch {settings.BatchSize}");

        model.eval();
        using var noGrad = torch.no_grad();
        void InferAll()
        {
            using var scope = torch.NewDisposeScope();
            for (int start = 0; start < testRows; start += settings.InferenceBatchSize)
                model.forward(test.narrow(0, start, Math.Min(settings.InferenceBatchSize, testRows - start)));
        }
        double passSeconds = SampleTimer.For(settings).MedianSecondsPerCall(InferAll);

        using (var scope = torch.NewDisposeScope())
        {
            var reconstruction = model.forward(test);
            double mse = AutoencoderCase.MeanSquaredError(reconstruction.data<float>().ToArray(), testData);
            report.Add("ae_test_mse", "MSE", mse, "lower", $"{testRows} test rows after {settings.Epochs} epochs");
        }
        report.Add("ae_inference_rows_per_second", "rows/s", testRows / passSeconds, "higher",
            $"{testRows} test rows, batch {settings.InferenceBatchSize}");
        if (peakMegabytes is double mb)
            report.Add("ae_train_peak_rss", "MiB", mb, "lower", "VmHWM at the end of training, own process");
    }

    /// <summary>The <see cref="LstmAutoencoderCase"/> network: nn.LSTM encoder and decoder, MSELoss, Adam, two epochs.</summary>
    public static void RunLstm(BenchSettings settings, BenchReport report)
    {
        using var gradients = torch.enable_grad();
        torch.manual_seed(AutoencoderCase.Seed);
        int windows = LstmAutoencoderCase.Windows(settings.Mode);
        using var data = torch.tensor(LstmAutoencoderCase.Data(windows), [windows, LstmAutoencoderCase.Window * LstmAutoencoderCase.Channels]);
        var model = new LstmAutoencoder();
        var optimizer = optim.Adam(model.parameters(), lr: LstmAutoencoderCase.LearningRate);
        Console.WriteLine($"  LSTM autoencoder ({LstmAutoencoderCase.Window}×{LstmAutoencoderCase.Channels} windows, hidden {LstmAutoencoderCase.HiddenUnits}, code {LstmAutoencoderCase.CodeSize})");
        double seconds = TrainEpochs(model, optimizer, MSELoss(), data, windows, LstmAutoencoderCase.BatchSize, LstmAutoencoderCase.Epochs)[^1];
        report.Add("lstm_ae_windows_per_second", "windows/s", windows / seconds, "higher",
            $"epoch {LstmAutoencoderCase.Epochs} of {LstmAutoencoderCase.Epochs}, {windows} windows of {LstmAutoencoderCase.Window}×{LstmAutoencoderCase.Channels}, batch {LstmAutoencoderCase.BatchSize}");

        model.eval();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var reconstruction = new float[windows * LstmAutoencoderCase.Window * LstmAutoencoderCase.Channels];
        int width = LstmAutoencoderCase.Window * LstmAutoencoderCase.Channels;
        for (int start = 0; start < windows; start += LstmAutoencoderCase.BatchSize)
        {
            int rows = Math.Min(LstmAutoencoderCase.BatchSize, windows - start);
            model.forward(data.narrow(0, start, rows)).data<float>().ToArray().CopyTo(reconstruction, start * width);
        }
        report.Add("lstm_ae_mse", "MSE", AutoencoderCase.MeanSquaredError(reconstruction, LstmAutoencoderCase.Data(windows)), "lower",
            $"the {windows} training windows after {LstmAutoencoderCase.Epochs} epochs");
    }

    /// <summary>
    /// The <see cref="LstmAutoencoderCase"/> network as a TorchSharp user writes it: LSTM(1 → 64), its last hidden state
    /// through Linear(64 → 16) as the code, the code expanded over the steps, LSTM(16 → 64), Linear(64 → 1) on every step.
    /// </summary>
    private sealed class LstmAutoencoder : Module<Tensor, Tensor>
    {
        private readonly global::TorchSharp.Modules.LSTM _encoder, _decoder;
        private readonly global::TorchSharp.Modules.Linear _toCode, _toChannels;

        public LstmAutoencoder() : base(nameof(LstmAutoencoder))
        {
            _encoder = LSTM(LstmAutoencoderCase.Channels, LstmAutoencoderCase.HiddenUnits, batchFirst: true);
            _toCode = Linear(LstmAutoencoderCase.HiddenUnits, LstmAutoencoderCase.CodeSize);
            _decoder = LSTM(LstmAutoencoderCase.CodeSize, LstmAutoencoderCase.HiddenUnits, batchFirst: true);
            _toChannels = Linear(LstmAutoencoderCase.HiddenUnits, LstmAutoencoderCase.Channels);
            RegisterComponents();
        }

        // The caller's dispose scopes (one per batch, one for inference) free the intermediate tensors.
        public override Tensor forward(Tensor x)
        {
            var (_, last, _) = _encoder.forward(x.view(-1, LstmAutoencoderCase.Window, LstmAutoencoderCase.Channels));
            var code = _toCode.forward(last[-1]);
            var (decoded, _, _) = _decoder.forward(code.unsqueeze(1).expand(-1, LstmAutoencoderCase.Window, -1));
            return _toChannels.forward(decoded).reshape(x.shape[0], -1);
        }
    }

    /// <summary>The <see cref="ConvAutoencoderCase"/> network: the Keras blog's conv autoencoder, BCELoss, Adam, two epochs.</summary>
    private static void RunConvolutional(Tensor train, Tensor test, int trainRows, int testRows, float[] testData, BenchReport report)
    {
        // Gradients on, whatever grad mode an earlier case left behind.
        using var gradients = torch.enable_grad();
        torch.manual_seed(AutoencoderCase.Seed);
        var model = Sequential(
            Conv2d(1, 16, 3, padding: 1), ReLU(), MaxPool2d(2),
            Conv2d(16, 8, 3, padding: 1), ReLU(), MaxPool2d(2),
            Conv2d(8, 8, 3, padding: 1), ReLU(), MaxPool2d(2, ceil_mode: true),
            Conv2d(8, 8, 3, padding: 1), ReLU(), Upsample(scale_factor: [2.0, 2.0]),
            Conv2d(8, 8, 3, padding: 1), ReLU(), Upsample(scale_factor: [2.0, 2.0]),
            Conv2d(8, 16, 3), ReLU(), Upsample(scale_factor: [2.0, 2.0]),
            Conv2d(16, 1, 3, padding: 1), Sigmoid());
        var optimizer = optim.Adam(model.parameters(), lr: ConvAutoencoderCase.LearningRate);
        var lossFunction = BCELoss();
        using var images = train.view(-1, 1, 28, 28);
        using var testImages = test.view(-1, 1, 28, 28);
        Console.WriteLine("  conv autoencoder (Keras blog network)");
        double seconds = TrainEpochs(model, optimizer, lossFunction, images, trainRows, ConvAutoencoderCase.BatchSize, ConvAutoencoderCase.Epochs)[^1];
        report.Add("conv_ae_epoch_seconds", "s/epoch", seconds, "lower",
            $"epoch {ConvAutoencoderCase.Epochs} of {ConvAutoencoderCase.Epochs}, {trainRows} rows, batch {ConvAutoencoderCase.BatchSize}");

        model.eval();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var reconstruction = new float[testRows * 784];
        for (int start = 0; start < testRows; start += 500)
        {
            int rows = Math.Min(500, testRows - start);
            model.forward(testImages.narrow(0, start, rows)).data<float>().ToArray().CopyTo(reconstruction, start * 784);
        }
        report.Add("conv_ae_test_bce", "BCE", ConvAutoencoderCase.BinaryCrossEntropy(reconstruction, testData.AsSpan(0, testRows * 784)), "lower",
            $"{testRows} test rows after {ConvAutoencoderCase.Epochs} epochs");
    }

    /// <summary>Trains <paramref name="model"/> to reconstruct <paramref name="data"/>, rows shuffled every epoch; returns each epoch's seconds.</summary>
    private static List<double> TrainEpochs(Module<Tensor, Tensor> model, optim.Optimizer optimizer, Loss<Tensor, Tensor, Tensor> lossFunction,
        Tensor data, int trainRows, int batchSize, int epochs)
    {
        var epochSeconds = new List<double>();
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            model.train();
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            using (var epochScope = torch.NewDisposeScope())
            {
                var order = torch.randperm(trainRows);
                for (int start = 0; start < trainRows; start += batchSize)
                {
                    using var batchScope = torch.NewDisposeScope();
                    int rows = Math.Min(batchSize, trainRows - start);
                    var x = data.index_select(0, order.narrow(0, start, rows));
                    var loss = lossFunction.forward(model.forward(x), x);
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                    lossSum += loss.item<float>() * rows;
                }
            }
            epochSeconds.Add(clock.Elapsed.TotalSeconds);
            Console.WriteLine($"    epoch {epoch}: loss {lossSum / trainRows:F5}, {epochSeconds[^1]:F3} s");
        }
        return epochSeconds;
    }
}
