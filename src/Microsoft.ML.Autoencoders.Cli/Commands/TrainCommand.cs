using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML.Autoencoders.Cli.Data;
using Microsoft.ML.Autoencoders.Cli.Models;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Cli.Commands;

// ML.NET's Microsoft.ML.Command namespace would otherwise hide System.CommandLine's Command inside Microsoft.ML.*.
using Command = System.CommandLine.Command;

/// <summary>
/// <c>autoencoder train</c>: reads data, builds the estimator of the kind asked for through the library's catalogs, fits it
/// with progress, and saves an ML.NET model zip (plus the tool's metadata: features, shape, losses).
/// </summary>
internal static class TrainCommand
{
    private static readonly string[] Kinds = ["dense", "denoising", "sparse", "contractive", "variational", "conv", SequenceDetector.Kind];

    /// <summary>--hidden-activation's values, in the order its help and errors list them, with the library's activation each names.</summary>
    private static readonly (string Name, AutoencoderActivation Activation)[] HiddenActivations =
    [
        ("relu", AutoencoderActivation.Relu), ("leaky-relu", AutoencoderActivation.LeakyRelu), ("tanh", AutoencoderActivation.Tanh),
        ("sigmoid", AutoencoderActivation.Sigmoid), ("elu", AutoencoderActivation.Elu), ("softplus", AutoencoderActivation.Softplus),
        ("gelu", AutoencoderActivation.Gelu), ("silu", AutoencoderActivation.Silu),
    ];

    public static Command Create(ToolConsole console)
    {
        var data = new DataOptions();
        var output = ModelArgument.RefusingFolders(new Option<string>("--output", "-o") { Description = "The model file to write (an ML.NET model zip).", Required = true });
        var kind = new Option<string>("--kind", "-k") { Description = "dense, denoising, sparse, contractive, variational, conv, or sequence (with --detector: a time series, rows in file order).", DefaultValueFactory = _ => "dense" };
        kind.AcceptOnlyFromAmong(Kinds);
        var hidden = new Option<string>("--hidden") { Description = "Hidden layer widths, outermost first, e.g. 128,64 (default: none); sequence: the recurrent layers' units, one number (default 64)." };
        var codeSize = new Option<int>("--code-size", "-c") { Description = "Code (latent) width.", DefaultValueFactory = _ => AutoencoderEstimator.Defaults.CodeSize }.AtLeast(1);
        var filters = new Option<string>("--filters") { Description = "conv: filters per block, outermost first, e.g. 16,8,8.", DefaultValueFactory = _ => "16,8" };
        var epochs = new Option<int?>("--epochs", "-e") { Description = "Passes over the data (default: chosen from the row count)." }.AtLeast(1);
        var batch = new Option<int?>("--batch-size", "-b") { Description = "Rows per gradient step (default: chosen from the row count)." }.AtLeast(1);
        var rate = new Option<float>("--learning-rate", "--lr") { Description = "Adam's step size.", DefaultValueFactory = _ => AutoencoderEstimator.Defaults.LearningRate }.Positive();
        var noiseKind = new Option<string>("--noise-kind") { Description = "denoising: gaussian, masking or salt-and-pepper.", DefaultValueFactory = _ => "gaussian" };
        noiseKind.AcceptOnlyFromAmong("gaussian", "masking", "salt-and-pepper");
        var noise = new Option<float>("--noise") { Description = "denoising: the Gaussian sigma or the fraction of inputs corrupted.", DefaultValueFactory = _ => AutoencoderEstimator.Defaults.NoiseLevel }.NonNegative();
        var sparsity = new Option<float>("--sparsity") { Description = "sparse: the L1 weight on the code's activity.", DefaultValueFactory = _ => AutoencoderEstimator.Defaults.SparsityL1 }.NonNegative();
        var contractive = new Option<float>("--contractive") { Description = "contractive: the weight of the encoder Jacobian's norm.", DefaultValueFactory = _ => AutoencoderEstimator.Defaults.ContractiveWeight }.NonNegative();
        var hiddenActivation = new Option<string>("--hidden-activation")
        {
            Description = "After every --hidden layer (and every conv block): relu, leaky-relu, tanh, sigmoid, elu, softplus, gelu or silu.",
            DefaultValueFactory = _ => "relu",
        };
        hiddenActivation.AcceptOnlyFromAmong([.. HiddenActivations.Select(a => a.Name)]);
        var outputActivation = new Option<string>("--output-activation") { Description = "linear (any real data) or sigmoid (data in [0, 1]).", DefaultValueFactory = _ => "linear" };
        outputActivation.AcceptOnlyFromAmong("linear", "sigmoid");
        var validation = new Option<double>("--validation") { Description = "Fraction of rows held out for the validation loss (0: none)." }
            .Accepting("a fraction in [0, 1)", value => value is >= 0 and < 1);
        var patience = new Option<int>("--patience") { Description = "Early stopping: epochs without a better validation loss (0: never)." }.AtLeast(0);
        var seed = new Option<int>("--seed") { Description = "Fixes the weights, shuffles and noise.", DefaultValueFactory = _ => AutoencoderEstimator.Defaults.Seed }.WholeNumber();
        var threads = new Option<int?>("--threads") { Description = "Most threads to use (default: one per processor)." }.AtLeast(1);
        var detector = new Option<bool>("--detector") { Description = "Train an anomaly detector (a threshold on the reconstruction error) instead of a plain autoencoder." };
        var contamination = new Option<double?>("--contamination") { Description = "detector: the expected fraction of anomalies in the training rows (default 0.1; 0.01 for --kind sequence)." }.Finite();
        var window = new Option<int?>("--window") { Description = "sequence: time steps per window (required); the rows of the file, in file order, are the time steps." }.AtLeast(1);
        var network = new Option<string>("--network") { Description = "sequence: lstm, lstm-seq2seq, gru, gru-seq2seq or conv.", DefaultValueFactory = _ => "lstm" };
        network.AcceptOnlyFromAmong([.. SequenceDetector.Networks.Select(n => n.Name)]);
        var scoring = new Option<string>("--scoring") { Description = "sequence: centered (a row's score from every window covering it) or causal (from the window ending at it).", DefaultValueFactory = _ => "centered" };
        scoring.AcceptOnlyFromAmong("centered", "causal");
        var falseAlarm = new Option<double?>("--false-alarm-rate") { Description = "detector: threshold for this rate on held-out normal rows, instead of --contamination." }.Finite();
        var standardize = new Option<bool>("--standardize") { Description = "detector: standardize each feature (training rows' mean and deviation) before the network, for columns on different scales." };
        var stream = new Option<bool>("--stream") { Description = "CSV/TSV: read the file a pass per epoch instead of into memory, for files larger than memory." };
        var shuffleBuffer = new Option<int?>("--shuffle-buffer") { Description = "--stream: rows shuffled together (default 8192); larger for data sorted by class or time." }.AtLeast(1);

        var command = new Command("train", "Train an autoencoder (or, with --detector, an anomaly detector) and save it.");
        data.AddTo(command, withLabel: false);
        foreach (Option option in new Option[] { output, kind, hidden, codeSize, filters, epochs, batch, rate, noiseKind, noise, sparsity, contractive, hiddenActivation, outputActivation, validation, patience, seed, threads, detector, contamination, falseAlarm, standardize, stream, shuffleBuffer, window, network, scoring })
            command.Add(option);

        CommandAction.Set(command, console, (parse, cancellation) =>
        {
            string chosenKind = parse.GetValue(kind)!;
            bool asDetector = parse.GetValue(detector);
            if (!asDetector && (parse.GetValue(contamination) != null || parse.GetValue(falseAlarm) != null))
                throw new UsageException("--contamination and --false-alarm-rate set a detector's threshold: add --detector.");
            if (!asDetector && parse.GetValue(standardize))
                throw new UsageException("--standardize is for --detector: a plain autoencoder's codes and reconstructions are in the file's units, " +
                    "so scale the columns in the file instead.");
            if (parse.GetValue(contamination) != null && parse.GetValue(falseAlarm) != null)
                throw new UsageException("Give --contamination or --false-alarm-rate, not both.");
            RefuseOptionsOfOtherKinds(parse, chosenKind, noiseKind, noise, sparsity, contractive, filters, data);
            if (chosenKind == SequenceDetector.Kind)
                RefuseWhatASequenceDetectorCannotTake(parse, asDetector, window, network, codeSize, hidden, hiddenActivation, outputActivation, falseAlarm, standardize, stream, data);
            else if (Given(parse, window) || Given(parse, network) || Given(parse, scoring))
                throw new UsageException($"--window, --network and --scoring are for --kind sequence, not --kind {chosenKind}.");
            AutoencoderActivation chosenHiddenActivation = HiddenActivations.Single(a => a.Name == parse.GetValue(hiddenActivation)).Activation;
            RefuseUnusableHiddenActivation(parse, chosenKind, hidden, hiddenActivation, chosenHiddenActivation);

            bool streamed = parse.GetValue(stream);
            if (Given(parse, shuffleBuffer) && !streamed) throw new UsageException("--shuffle-buffer is for --stream.");
            if (streamed && asDetector)
                throw new UsageException("--stream cannot train a --detector: the detector scores every training row to set its threshold, " +
                    "so it reads them into memory. Train a plain autoencoder streamed, or the detector without --stream.");
            string dataPath = parse.GetRequiredValue(data.Data);
            if (streamed && (Directory.Exists(dataPath) || (File.Exists(dataPath) && !data.IsDelimitedFile(parse))))
                throw new UsageException("--stream reads CSV/TSV files; IDX files and image folders are read into memory (leave out --stream).");

            // A CSV too large for memory ends in the runtime's bare OutOfMemoryException while the tool reads it, or in the
            // library's InsufficientMemoryException when Fit copies the rows (advising StreamTrainingData or TakeRows, API the
            // user does not see here): both are told the way out the tool has. An OutOfMemoryException anywhere else (building
            // the network, training, saving) is not the file's size, and goes through as it is.
            T ReadingTheFile<T>(Func<T> read, bool inLibrary)
            {
                try
                {
                    return read();
                }
                catch (OutOfMemoryException e) when (!streamed && data.IsDelimitedFile(parse) && (!inLibrary || e is InsufficientMemoryException))
                {
                    throw DoesNotFit(dataPath, asDetector, e);
                }
            }

            // In memory, the rows are read now; streamed, only the header is (so a wrong column fails before training),
            // and the rows are read again on each of the library's passes.
            DataSet? set = streamed ? null : ReadingTheFile(() => data.Read(parse), inLibrary: false);
            IReadOnlyList<string> featureNames;
            if (set != null) featureNames = set.FeatureNames;
            else using (var header = data.OpenDelimited(parse)) featureNames = header.FeatureNames;
            int width = featureNames.Count;
            int[]? imageShape = set?.ImageShape;
            if (chosenKind == SequenceDetector.Kind)
            {
                // Training settings only: the detector's network is its architecture, and it refuses the dense network's options beside it.
                var training = new AutoencoderOptions
                {
                    LearningRate = parse.GetValue(rate),
                    ValidationFraction = parse.GetValue(validation),
                    EarlyStoppingPatience = parse.GetValue(patience),
                    Seed = parse.GetValue(seed),
                    NumberOfThreads = parse.GetValue(threads),
                    CancellationToken = cancellation,
                };
                if (parse.GetValue(epochs) is int sequenceEpochs) training.Epochs = sequenceEpochs;
                if (parse.GetValue(batch) is int sequenceBatch) training.BatchSize = sequenceBatch;
                var choices = new SequenceChoices(parse.GetValue(window)!.Value, parse.GetValue(network)!, parse.GetValue(scoring)!, parse.GetValue(contamination),
                    Given(parse, hidden) ? Widths(parse.GetValue(hidden), "--hidden")![0] : null, Given(parse, codeSize) ? parse.GetValue(codeSize) : null);
                TrainSequenceDetector(console, set!, dataPath, parse.GetRequiredValue(output), choices, training,
                    knownEpochs: parse.GetValue(epochs) != null && training.EarlyStoppingPatience == 0);
                return;
            }

            if (chosenKind == "dense" && parse.GetValue(codeSize) is int code && Given(parse, codeSize) && code > width)
                throw new UsageException($"--code-size {code} is wider than the {width} features: a dense autoencoder with a code wider than " +
                    "its input can learn to copy it and nothing else. Give a smaller --code-size, or a kind that regularizes the code " +
                    "(--kind denoising, sparse, contractive or variational).");
            // The library's refusal would blame the default code of 32 and its own option names; here the way out is more columns.
            if (chosenKind == "dense" && width == 1 && !Given(parse, codeSize))
                throw new UsageException($"'{dataPath}' gives one feature column ('{featureNames[0]}'): a dense autoencoder learns a code " +
                    "narrower than its features, and one value has nothing to compress. Pick more feature columns (--features, --exclude).");
            var options = new AutoencoderOptions
            {
                InputColumnName = FeatureView.ColumnName,
                CodeSize = parse.GetValue(codeSize),
                HiddenLayerSizes = Widths(parse.GetValue(hidden), "--hidden") ?? [],
                LearningRate = parse.GetValue(rate),
                HiddenActivation = chosenHiddenActivation,
                OutputActivation = parse.GetValue(outputActivation) == "sigmoid" ? AutoencoderActivation.Sigmoid : AutoencoderActivation.Linear,
                ValidationFraction = parse.GetValue(validation),
                EarlyStoppingPatience = parse.GetValue(patience),
                Seed = parse.GetValue(seed),
                NumberOfThreads = parse.GetValue(threads),
                CancellationToken = cancellation,
                StreamTrainingData = streamed,
            };
            if (parse.GetValue(shuffleBuffer) is int buffer) options.StreamingShuffleBufferRows = buffer;
            // The estimators copy the options, so the progress callback is wired in now and pointed at the display later.
            Action<Engine.Training.EpochMetrics>? progress = null;
            options.EpochCompleted = metrics => progress?.Invoke(metrics);
            if (parse.GetValue(epochs) is int e) options.Epochs = e;
            if (parse.GetValue(batch) is int b) options.BatchSize = b;
            Configure(options, chosenKind, imageShape, parse.GetValue(noiseKind)!, parse.GetValue(noise), parse.GetValue(sparsity), parse.GetValue(contractive), parse.GetValue(filters)!, Given(parse, codeSize));

            var mlContext = new MLContext(options.Seed);
            int chunkRows = data.ChunkRowsFor(parse, width);
            IDataView view = set != null ? ReadingTheFile(() => FeatureView.Create(mlContext, set), inLibrary: false) : FeatureView.Stream(mlContext, width, () => data.OpenDelimited(parse), chunkRows);
            int? trainingRows = set == null ? null : (int)Math.Round(set.Rows * (1 - options.ValidationFraction));
            int? totalEpochs = parse.GetValue(epochs) != null && options.EarlyStoppingPatience == 0 ? options.Epochs : null;
            string modelPath = parse.GetRequiredValue(output);

            if (asDetector)
            {
                var detectorOptions = new AutoencoderAnomalyOptions
                {
                    FeatureColumnName = FeatureView.ColumnName,
                    Autoencoder = options,
                    Contamination = parse.GetValue(contamination),
                    FalseAlarmRate = parse.GetValue(falseAlarm),
                    StandardizeFeatures = parse.GetValue(standardize),
                    // A variational detector scores as the library's does: by the negative ELBO its training minimized.
                    ScoreSource = options.Variational ? AnomalyScoreSource.NegativeElbo : AnomalyScoreSource.ReconstructionError,
                };
                var estimator = Usage(() => mlContext.AnomalyDetection.Trainers.Autoencoder(detectorOptions), options);
                var model = TrainingProgress.Run(console, totalEpochs, trainingRows, report =>
                {
                    progress = report;
                    return Diverging(() => ReadingTheFile(() => estimator.Fit(view), inLibrary: true));
                });
                ToolModel.Save(mlContext, model, view.Schema, modelPath, Metadata(chosenKind, true, featureNames, imageShape, model.Model));
                console.Out.WriteLine($"Saved the {chosenKind} anomaly detector ({string.Join("-", model.Model.LayerWidths)}, threshold {model.Threshold:G5}) to {modelPath}");
                if (TooFewToCalibrate(model) is { } warning) console.Error.WriteLine(warning);
            }
            else
            {
                var estimator = Usage(() => Estimator(mlContext, chosenKind, options), options);
                var model = TrainingProgress.Run(console, totalEpochs, trainingRows, report =>
                {
                    progress = report;
                    return Diverging(() => ReadingTheFile(() => estimator.Fit(view), inLibrary: true));
                });
                ToolModel.Save(mlContext, model, view.Schema, modelPath, Metadata(chosenKind, false, featureNames, imageShape, model.Model));
                console.Out.WriteLine($"Saved the {chosenKind} autoencoder ({string.Join("-", model.Model.LayerWidths)}) to {modelPath}");
            }
        });
        return command;
    }

    /// <summary>What --kind sequence reads from the command line beside the training settings.</summary>
    private sealed record SequenceChoices(int Window, string Network, string Scoring, double? Contamination, int? HiddenUnits, int? CodeSize);

    /// <summary>
    /// Trains the library's sequence anomaly detector on the file's feature columns as channels, the rows in file order as
    /// the time steps, and saves it with the tool's metadata (the channels as its features).
    /// </summary>
    private static void TrainSequenceDetector(ToolConsole console, DataSet set, string dataPath, string modelPath, SequenceChoices choices,
        AutoencoderOptions training, bool knownEpochs)
    {
        // The library would refuse it at Fit naming its own option, after reading the file; here it names --window and the rows.
        if (choices.Window > set.Rows)
            throw new UsageException($"--window {choices.Window} is longer than the series: '{dataPath}' has {set.Rows} rows (time steps). " +
                $"Give a --window of at most {set.Rows}, a few periods of the series being typical, or a longer series.");
        // The library refuses a code wider than the window in its own option names (CodeSize, regularizers the tool does not offer).
        int values = choices.Window * set.Width;
        if (choices.Network != "conv" && choices.CodeSize is int code && code > values)
            throw new UsageException($"--code-size {code} is wider than a window of {choices.Window} step{(choices.Window == 1 ? "" : "s")} × {set.Width} " +
                $"channel{(set.Width == 1 ? "" : "s")} ({values} values): such a network can learn to copy its windows and nothing else. " +
                $"Give a --code-size of at most {values}, or a longer --window.");
        if (choices.Network != "conv" && values == 1)
            throw new UsageException("--window 1 of one channel holds one value, too few for a recurrent network's code to be narrower than its window: " +
                "give a --window of at least 2.");
        var architecture = SequenceDetector.Architecture(choices.Network, choices.Window, set.Width, choices.HiddenUnits, choices.CodeSize);
        Action<Engine.Training.EpochMetrics>? progress = null;
        training.EpochCompleted = metrics => progress?.Invoke(metrics);
        var options = new SequenceAnomalyOptions
        {
            ChannelColumnNames = [.. set.FeatureNames],
            Architecture = architecture,
            Contamination = choices.Contamination,
            Scoring = SequenceDetector.Scoring(choices.Scoring),
            Autoencoder = training,
        };
        var mlContext = new MLContext(training.Seed);
        var estimator = Usage(() => mlContext.AnomalyDetection.Trainers.SequenceAutoencoder(options), training);
        IDataView view = new SeriesView(set, set.FeatureNames);
        int windows = set.Rows - choices.Window + 1;
        var detector = TrainingProgress.Run(console, knownEpochs ? training.Epochs : null, (int)Math.Round(windows * (1 - training.ValidationFraction)), report =>
        {
            progress = report;
            return Diverging(() => estimator.Fit(view));
        });
        ToolModel.Save(mlContext, detector, view.Schema, modelPath, Metadata(SequenceDetector.Kind, true, set.FeatureNames, null, detector.Model));
        console.Out.WriteLine(FormattableString.Invariant(
            $"Saved the sequence anomaly detector ({choices.Network}, window {detector.WindowLength}, {set.Width} channel{(set.Width == 1 ? "" : "s")}, ") +
            FormattableString.Invariant($"{choices.Scoring} scoring, threshold {detector.Threshold:G5}) to {modelPath}"));
        if (SequenceDetector.TooFewScores(detector, set.Rows) is { } warning) console.Error.WriteLine(warning);
    }

    /// <summary>
    /// --kind sequence trains the library's sequence detector, whose network is its architecture: the dense kinds' network
    /// options, the other detector's threshold and standardizing, and streaming, would be ignored, so they are named instead.
    /// </summary>
    private static void RefuseWhatASequenceDetectorCannotTake(ParseResult parse, bool asDetector, Option<int?> window, Option<string> network,
        Option<int> codeSize, Option<string> hidden, Option hiddenActivation, Option outputActivation, Option falseAlarm, Option standardize, Option stream, DataOptions data)
    {
        if (!asDetector)
            throw new UsageException("--kind sequence trains the sequence anomaly detector: add --detector.");
        if (parse.GetValue(window) == null)
            throw new UsageException("--kind sequence needs --window, the time steps per window (a few periods of the series, e.g. --window 32).");
        if (Given(parse, falseAlarm))
            throw new UsageException("--false-alarm-rate is not for --kind sequence: its threshold is set by --contamination.");
        if (Given(parse, standardize))
            throw new UsageException("--standardize is not for --kind sequence: the sequence detector always standardizes each channel with the training series' mean and deviation.");
        if (Given(parse, stream))
            throw new UsageException("--stream cannot train --kind sequence: the detector reads the whole series into memory to cut its windows.");
        if (Given(parse, hiddenActivation) || Given(parse, outputActivation))
            throw new UsageException("--hidden-activation and --output-activation are not for --kind sequence: its --network sets them.");
        bool convolutional = parse.GetValue(network) == "conv";
        if (convolutional && (Given(parse, codeSize) || Given(parse, hidden)))
            throw new UsageException("--network conv is the Keras example's convolutional network: --code-size and --hidden are for the recurrent networks (lstm, gru and their seq2seq forms).");
        if (Given(parse, hidden) && parse.GetValue(hidden)!.Contains(','))
            throw new UsageException("--kind sequence takes one --hidden width, the units of its recurrent layers, not a list.");
        string path = parse.GetRequiredValue(data.Data);
        if (File.Exists(path) && !data.IsDelimitedFile(parse) || Directory.Exists(path))
            throw new UsageException("--kind sequence reads a time series from a CSV/TSV file, one row per time step; IDX files and image folders are not series.");
    }

    /// <summary>
    /// The library's refusals during Fit that name its own properties, told with the tool's options: divergence (its advice
    /// names LearningRate and standardizing, which the tool does for a detector only, so a column in the thousands is a usual
    /// cause), and too few rows to hold some out for --validation or for --false-alarm-rate's calibration.
    /// </summary>
    private static T Diverging<T>(Func<T> fit)
    {
        try
        {
            return fit();
        }
        catch (ArgumentException e) when (Regex.Match(e.Message, @"^ValidationFraction (\S+) of (\d+) rows leaves (\d+) for validation and (\d+) for training") is { Success: true } split)
        {
            throw new InvalidDataException($"--validation {split.Groups[1].Value} of {split.Groups[2].Value} rows leaves {split.Groups[3].Value} for " +
                $"validation and {split.Groups[4].Value} for training, but each needs at least one: give more rows, or leave out --validation.", e);
        }
        catch (InvalidOperationException e) when (Regex.Match(e.Message, @"^Holding out (.+?) of (\d+) training rows for calibration leaves (\d+) calibration and (\d+) training rows") is { Success: true } held)
        {
            throw new InvalidDataException($"--false-alarm-rate sets the threshold on {held.Groups[1].Value} of the rows held out from training, and of " +
                $"{held.Groups[2].Value} rows that leaves {held.Groups[3].Value} held out and {held.Groups[4].Value} to train on, but each needs at least " +
                "one: give more rows, or set the threshold with --contamination instead.", e);
        }
        catch (TrainingDivergedException e)
        {
            throw new InvalidDataException(
                $"Training diverged at epoch {e.Epoch} ({e.What}) at learning rate {e.LearningRate.ToString("G3", CultureInfo.InvariantCulture)}. " +
                $"Try a smaller --learning-rate (e.g. {(e.LearningRate / 10).ToString("G3", CultureInfo.InvariantCulture)}). The tool feeds the " +
                "columns to the network as they are, so columns of large magnitude (hundreds or more) also make training diverge: " +
                "scale them first, e.g. to zero mean and unit variance (a --detector does it with --standardize).", e);
        }
    }

    /// <summary>
    /// A warning when a false-alarm budget got the +∞ threshold: too few held-out rows to promise it, so the detector
    /// would flag nothing but unscorable rows, which "threshold Infinity" alone does not explain.
    /// </summary>
    internal static string? TooFewToCalibrate(AutoencoderAnomalyTransformer detector)
    {
        if (!float.IsPositiveInfinity(detector.Threshold) || detector.FalseAlarmRate is not double rate || detector.ReferenceScores is not { } held) return null;
        int needed = (int)Math.Ceiling(1 / rate - 1 - 1e-9);
        return $"warning: {held.Count} held-out rows are too few for --false-alarm-rate {rate.ToString(CultureInfo.InvariantCulture)}: a finite " +
            $"threshold needs at least {needed}, so this detector flags no row. Train on more rows, or " +
            "give a larger --false-alarm-rate or --contamination instead.";
    }

    /// <summary>
    /// The error for a CSV that does not fit in memory, with the way out the tool has. Of the library's message only its
    /// figures are kept (what the copy needs and what was left): its advice names API the command line does not show.
    /// </summary>
    internal static InsufficientMemoryException DoesNotFit(string dataPath, bool asDetector, OutOfMemoryException e)
    {
        var figures = Regex.Match(e is InsufficientMemoryException ? e.Message : "",
            @"needs [\d,.]+ MiB, more than the [\d,.]+ MiB this process can still allocate|ran out of memory allocating [\d,.]+ MiB more");
        return new($"'{dataPath}' does not fit in memory{(figures.Success ? $" ({figures.Value})" : "")}: " +
            (asDetector ? "a detector needs its training rows in memory, so train it on a sample of the file (a plain autoencoder trains on all of it with --stream)."
                : "train with --stream to read it a pass at a time."), e);
    }

    /// <summary>Sets what each kind needs on top of the shared options (the catalog methods check the rest).</summary>
    private static void Configure(AutoencoderOptions options, string kind, int[]? imageShape, string noiseKind, float noise, float sparsity, float contractive, string filters, bool codeSizeGiven)
    {
        switch (kind)
        {
            case "denoising":
                options.Noise = noiseKind switch { "masking" => AutoencoderNoise.Masking, "salt-and-pepper" => AutoencoderNoise.SaltAndPepper, _ => AutoencoderNoise.Gaussian };
                options.NoiseLevel = noise;
                break;
            case "sparse":
                options.SparsityL1 = sparsity;
                break;
            case "contractive":
                options.ContractiveWeight = contractive;
                break;
            case "variational":
                // Set here, not only by the catalog method: the detector takes these options as they are.
                options.Variational = true;
                break;
            case "conv":
                if (imageShape == null)
                    throw new UsageException("--kind conv needs images: train on an IDX file or a folder of images.");
                if (codeSizeGiven || options.HiddenLayerSizes.Length > 0)
                    throw new UsageException("--kind conv sets its code by --filters; --code-size and --hidden are for dense kinds.");
                options.CodeSize = AutoencoderEstimator.Defaults.CodeSize;
                options.InputShape = imageShape;
                options.ConvolutionBlocks = Widths(filters, "--filters")!.Select(f => new ConvolutionBlock(f)).ToArray();
                break;
        }
    }

    /// <summary>
    /// An option that only one kind reads, given for another kind, is a mistake to name rather than ignore: "--kind sparse
    /// --contractive 0.1" would otherwise train a sparse model and the user believe the contractive weight was used.
    /// </summary>
    private static void RefuseOptionsOfOtherKinds(ParseResult parse, string kind, Option noiseKind, Option noise, Option sparsity,
        Option contractive, Option filters, DataOptions data)
    {
        if (kind != "denoising" && (Given(parse, noise) || Given(parse, noiseKind)))
            throw new UsageException($"--noise and --noise-kind are for --kind denoising, not --kind {kind}.");
        if (kind != "sparse" && Given(parse, sparsity))
            throw new UsageException($"--sparsity is for --kind sparse, not --kind {kind}.");
        if (kind != "contractive" && Given(parse, contractive))
            throw new UsageException($"--contractive is for --kind contractive, not --kind {kind}.");
        if (kind != "conv" && Given(parse, filters))
            throw new UsageException($"--filters is for --kind conv, not --kind {kind}.");
        if ((Given(parse, data.ImageSize) || Given(parse, data.Colour)) && !Directory.Exists(parse.GetValue(data.Data)))
            throw new UsageException("--image-size and --color are for a folder of images; -d names a file.");
    }

    /// <summary>
    /// --hidden-activation where nothing would apply it (a dense kind without --hidden layers) is a mistake to name rather
    /// than ignore; with --kind contractive, GELU and SiLU are refused here in the tool's words, where the library would name
    /// its own options (the penalty cannot differentiate them: neither is monotonic).
    /// </summary>
    private static void RefuseUnusableHiddenActivation(ParseResult parse, string kind, Option<string> hidden, Option<string> hiddenActivation, AutoencoderActivation activation)
    {
        if (!Given(parse, hiddenActivation)) return;
        bool hasHiddenLayers = kind == "conv" || !string.IsNullOrWhiteSpace(parse.GetValue(hidden));
        if (!hasHiddenLayers)
            throw new UsageException($"--hidden-activation is applied after each --hidden layer, and --kind {kind} has none here: give --hidden too.");
        if (kind == "contractive" && activation is AutoencoderActivation.Gelu or AutoencoderActivation.Silu)
        {
            throw new UsageException($"--kind contractive cannot use --hidden-activation {parse.GetValue(hiddenActivation)}: the contractive penalty cannot " +
                "differentiate GELU or SiLU (neither is monotonic). Choose elu or softplus for a smooth activation, or another kind.");
        }
    }

    /// <summary>Whether the user typed <paramref name="option"/> (not just its default).</summary>
    private static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    private static AutoencoderEstimator Estimator(MLContext mlContext, string kind, AutoencoderOptions options) => kind switch
    {
        "denoising" => mlContext.Transforms.DenoisingAutoencoder(options),
        "sparse" => mlContext.Transforms.SparseAutoencoder(options),
        "contractive" => mlContext.Transforms.ContractiveAutoencoder(options),
        "variational" => mlContext.Transforms.VariationalAutoencoder(options),
        _ => mlContext.Transforms.Autoencoder(options),
    };

    /// <summary>The library checks options when the estimator is made; what it refuses there is a usage error.</summary>
    private static T Usage<T>(Func<T> make, AutoencoderOptions options)
    {
        try
        {
            return make();
        }
        catch (ArgumentException e)
        {
            string message = CommandAction.MessageOf(e);
            // Images too small for the blocks' pooling, or a conv decoder that cannot give the image's size back: the library
            // advises pooling, kernel sizes or explicit layers, none of which the tool has options for, or nothing. Sides that
            // halve evenly once per block always fit.
            int cut = message.IndexOf(": choose pooling or kernel sizes", StringComparison.Ordinal);
            bool mirror = message.StartsWith("The decoder mirroring these blocks", StringComparison.Ordinal) && cut > 0;
            bool tooSmall = message.Contains("(max_pool2d,", StringComparison.Ordinal) && message.Contains("it takes an image of at least", StringComparison.Ordinal);
            if (options.ConvolutionBlocks is { Count: > 0 } blocks && (mirror || tooSmall))
                message = (mirror ? message[..cut] : message.TrimEnd('.')) + ": resize the images with --image-size (sides that halve evenly once " +
                    $"per --filters block always fit, here multiples of {1 << Math.Min(blocks.Count, 30)}), or give fewer --filters.";
            throw new UsageException(message);
        }
    }

    private static ToolMetadata Metadata(string kind, bool detector, IReadOnlyList<string> featureNames, int[]? imageShape, AutoencoderModel model) =>
        new(kind, detector, featureNames, imageShape, ToolMetadata.FromHistory(model.TrainingHistory));

    /// <summary>"128,64" as widths; null when not given.</summary>
    private static int[]? Widths(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out widths[i]) || widths[i] <= 0)
                throw new UsageException($"{option} takes positive whole numbers separated by commas, e.g. 128,64; '{parts[i]}' is not one.");
        return widths;
    }
}
