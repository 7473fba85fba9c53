using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Training;
using Microsoft.ML.Autoencoders.Engine.Variational;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Trains a dense autoencoder on a vector column and returns an <see cref="AutoencoderTransformer"/> that adds
/// the code, the reconstruction and the reconstruction error as columns. Create it with
/// <c>mlContext.Transforms.Autoencoder(...)</c>.
/// </summary>
public sealed class AutoencoderEstimator : IEstimator<AutoencoderTransformer>
{
    /// <summary>The defaults every entry point shares: the options, the catalog methods and the docs.</summary>
    public static class Defaults
    {
        /// <summary>ML.NET's conventional feature column.</summary>
        public const string InputColumnName = "Features";
        /// <summary>Where the code goes.</summary>
        public const string EncodedColumnName = "Encoded";
        /// <summary>No hidden layers: input → code → output.</summary>
        public static int[] HiddenLayerSizes => [];
        /// <summary>The code width; left at this default, without a regularizer, it is capped at the input's width − 1.</summary>
        public const int CodeSize = 32;
        /// <summary>ReLU trains deep stacks well.</summary>
        public const AutoencoderActivation HiddenActivation = AutoencoderActivation.Relu;
        /// <summary>A linear code keeps the features unbounded, which suits a downstream linear classifier.</summary>
        public const AutoencoderActivation CodeActivation = AutoencoderActivation.Linear;
        /// <summary>A linear output reconstructs any real data; choose Sigmoid for data in [0, 1].</summary>
        public const AutoencoderActivation OutputActivation = AutoencoderActivation.Linear;
        /// <summary>The usual leaky ReLU slope.</summary>
        public const float LeakyReluSlope = 0.01f;
        /// <summary>The textbook pairing: Xavier before saturating layers, He before ReLUs.</summary>
        public const AutoencoderWeightInitialization WeightInitialization = AutoencoderWeightInitialization.XavierOrHeByActivation;
        /// <summary>Mean squared error.</summary>
        public const AutoencoderLoss Loss = AutoencoderLoss.MeanSquaredError;
        /// <summary>Adam.</summary>
        public const AutoencoderOptimizer Optimizer = AutoencoderOptimizer.Adam;
        /// <summary>Adam's customary step size.</summary>
        public const float LearningRate = 1e-3f;
        /// <summary>SGD momentum.</summary>
        public const float Momentum = 0.9f;
        /// <summary>Passes over the data.</summary>
        public const int Epochs = 10;
        /// <summary>Rows per step.</summary>
        public const int BatchSize = 256;
        /// <summary>A fixed seed, so that training is reproducible unless asked otherwise.</summary>
        public const int Seed = 0;
        /// <summary>Where a denoising autoencoder's output goes.</summary>
        public const string DenoisedColumnName = "Denoised";
        /// <summary>The Keras denoising example's Gaussian noise scale for data in [0, 1].</summary>
        public const float NoiseLevel = 0.5f;
        /// <summary>The Keras blog's L1 activity strength for a 32-unit code.</summary>
        public const float SparsityL1 = 1e-4f;
        /// <summary>ρ = 0.05: each code unit active for about one input in twenty (Ng's sparse autoencoder notes).</summary>
        public const float SparsityTarget = 0.05f;
        /// <summary>β for the KL sparsity penalty when the sparse catalog method turns it on.</summary>
        public const float SparsityWeight = 0.1f;
        /// <summary>λ for the contractive penalty; the penalty is per row while the loss is a per-value mean, hence small.</summary>
        public const float ContractiveWeight = 1e-2f;
        /// <summary>One random probe per batch: an unbiased estimate at the cost of one extra encoder pass.</summary>
        public const int ContractiveProbes = 1;
        /// <summary>β = 1: the KL term as the ELBO has it.</summary>
        public const float KlWeight = 1f;
        /// <summary>The latent width of the PyTorch examples' MNIST VAE (784-400-20).</summary>
        public const int LatentSize = 20;
        /// <summary>Where a variational autoencoder's per-row negative ELBO goes.</summary>
        public const string NegativeElboColumnName = "NegativeElbo";
    }

    private readonly AutoencoderOptions _options;
    private readonly bool _reservedNamesAllowed;

    /// <summary>Creates the estimator; prefer <c>mlContext.Transforms.Autoencoder(options)</c>.</summary>
    public AutoencoderEstimator(AutoencoderOptions options) : this(options, reservedNamesAllowed: false) { }

    /// <summary>The estimator of a component's inner network, which may name its columns under the reserved prefix.</summary>
    internal AutoencoderEstimator(AutoencoderOptions options, bool reservedNamesAllowed)
    {
        ArgumentNullException.ThrowIfNull(options);
        // A snapshot, checked below and trained from at Fit: with the caller's object itself, a sweep that changes one options
        // object between estimators would fit every one of them with the last setting, and a value set after this
        // constructor's checks would reach Fit unchecked.
        options = Snapshot(options);
        _options = options;
        _reservedNamesAllowed = reservedNamesAllowed;
        AutoencoderColumns.FromOptions(options, reservedNamesAllowed); // validates the names now rather than at Fit
        if (options.NumberOfThreads is <= 0)
            throw new ArgumentException($"NumberOfThreads must be positive, or null for one per processor (was {options.NumberOfThreads}).", nameof(options));
        OptionRanges.Check(options); // before the engine's objects are made from them, whose errors would not name the option
        AutoencoderRegularization.CheckContractiveActivations(options);
        var training = ToTrainingOptions(options);
        training.Validate();
        // The network is checked now where it can be without the data: the dense builder's settings always, an explicit
        // layer list when the input shape is given (its shapes may depend on it); Fit checks the rest.
        CheckLayerOptions(options);
        if (options.InitialModel != null && (options.EncoderLayers != null || options.DecoderLayers != null || options.ConvolutionBlocks != null || options.InputShape != null || options.Sequence != null))
            throw new ArgumentException("InitialModel brings its own layers and input shape; leave EncoderLayers, DecoderLayers, ConvolutionBlocks, Sequence and InputShape unset.", nameof(options));
        // Without its KL term a VAE's sampling trains against nothing that holds its log-variance, which then runs off.
        if (options.InitialModel is { IsVariational: true } && !options.Variational)
            throw new ArgumentException("InitialModel is a variational autoencoder: set Variational = true so that it trains with its KL term.", nameof(options));
        NetworkSpec? spec = options.InitialModel is { } initial ? initial.Spec
            : options.InputShape is { } shape ? ToSpec(options, new TensorShape(shape).Size)
            : options.Sequence is { } sequence ? ToSpec(options, sequence.InputShape.Size)
            : options.EncoderLayers == null && options.ConvolutionBlocks == null ? ToSpec(options, inputSize: 1)
            : null;
        if (spec != null) foreach (var regularizer in ToTrainingOptions(options, spec: spec).CodeRegularizers) regularizer.Validate(spec);
        // The dense builder's network is made on a placeholder width of 1 until Fit reads the column's.
        bool inputSizeKnown = options.InitialModel != null || options.InputShape != null || options.Sequence != null;
        if (spec != null) NetworkSizeCheck.Check(spec, training.BatchSize, inputSizeKnown);
        if (options.StreamTrainingData && (options.TrimAcrossTrainingSet || options.CheckpointPath != null))
            throw new ArgumentException($"{(options.TrimAcrossTrainingSet ? nameof(options.TrimAcrossTrainingSet) + " ranks every training row before each epoch" : nameof(options.CheckpointPath) + "'s checkpoint records the whole set's row order")}, " +
                $"which {nameof(options.StreamTrainingData)} does not hold: turn one of them off.", nameof(options));
        if (options.TargetColumnName is { } target && string.IsNullOrWhiteSpace(target))
            throw new ArgumentException("TargetColumnName must name a column, or be null to reconstruct the input.", nameof(options));
        OptionsReadByNothing.Check(options);
    }

    /// <summary>
    /// A copy of <paramref name="options"/> that later changes to the caller's object do not reach: <see cref="AutoencoderOptions.Clone"/>,
    /// with the arrays and lists copied too (their elements are numbers and immutable records); callbacks stay shared.
    /// </summary>
    internal static AutoencoderOptions Snapshot(AutoencoderOptions options)
    {
        var copy = options.Clone();
        copy.HiddenLayerSizes = options.HiddenLayerSizes?.ToArray()!;
        copy.InputShape = options.InputShape?.ToArray();
        copy.EncoderLayers = options.EncoderLayers?.ToArray();
        copy.DecoderLayers = options.DecoderLayers?.ToArray();
        copy.ConvolutionBlocks = options.ConvolutionBlocks?.ToArray();
        return copy;
    }

    /// <summary>The option a missing input column's message names: the detector's own when the detector trains this estimator.</summary>
    internal string InputOption { get; init; } = InputColumn.AutoencoderOption;

    /// <summary>Where Fit writes its training lines (<see cref="TrainingLog"/>): the catalog's environment; null writes none.</summary>
    internal IHostEnvironment? LogEnvironment { get; init; }

    /// <summary>What the training lines add to the model's name: the detector that trains this estimator names itself.</summary>
    internal string LogPurpose { get; init; } = "";

    /// <summary>Trains on <paramref name="input"/>'s vector column and returns the fitted transformer.</summary>
    /// <remarks>
    /// By default the column is read into memory first; when it would not fit, <see cref="InsufficientMemoryException"/> says
    /// so before allocating it. With <see cref="AutoencoderOptions.StreamTrainingData"/> the rows are read a pass at a time instead.
    /// </remarks>
    public AutoencoderTransformer Fit(IDataView input) => _options.StreamTrainingData ? FitStreamed(input)
        : FitInMemory(input, trainingRows: null, StreamingRemedy, out _, out _);

    /// <summary>What the memory error of a plain Fit suggests.</summary>
    private const string StreamingRemedy = $"Set {nameof(AutoencoderOptions)}.{nameof(AutoencoderOptions.StreamTrainingData)} to train from the IDataView a batch at a time without holding the column.";

    /// <summary>
    /// Trains as <see cref="Fit(IDataView)"/> does and hands back the dense training rows it read, so a caller that
    /// needs them too (the anomaly detector scores them) does not read the whole column a second time.
    /// </summary>
    internal AutoencoderTransformer Fit(IDataView input, out int rows, out float[] data) => Fit(input, trainingRows: null, out rows, out data);

    /// <summary>
    /// Trains as <see cref="Fit(IDataView, out int, out float[])"/> does, but only on the rows <paramref name="trainingRows"/>
    /// picks: given the number of rows read, it returns the indices to train on (null trains on all). The anomaly detector
    /// holds the others out to calibrate its threshold. <paramref name="data"/> still holds every row read.
    /// </summary>
    internal AutoencoderTransformer Fit(IDataView input, Func<int, int[]>? trainingRows, out int rows, out float[] data)
    {
        if (_options.StreamTrainingData)
            throw new InvalidOperationException($"{nameof(AutoencoderOptions.StreamTrainingData)} is set, but the anomaly detector scores every training row to " +
                "calibrate its threshold, so it reads them into memory: leave it off for the detector.");
        // The anomaly detector holds the rows it scores: streaming is not a way out for it.
        return FitInMemory(input, trainingRows, TrainingData.FewerRows, out rows, out data);
    }

    /// <summary>Reads the column (and target column) into memory and trains on it; <paramref name="remedy"/> ends the error when it does not fit.</summary>
    private AutoencoderTransformer FitInMemory(IDataView input, Func<int, int[]>? trainingRows, string remedy, out int rows, out float[] data)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (columns, inputSize, spec) = Prepare(input);
        (rows, data) = TrainingData.ReadDense(input, columns.Input, inputSize, remedy: remedy, cancellation: _options.CancellationToken);
        float[]? targets = null;
        if (TargetColumn(input, columns, inputSize) is { } targetColumn)
            (_, targets) = TrainingData.ReadDense(input, targetColumn, inputSize, remedy: remedy, cancellation: _options.CancellationToken);

        // Checked on every row read, not only the training ones: the detector scores the held-out rows with the same loss's
        // output. Only binary cross-entropy reads it, so only it pays for the pass.
        (float Min, float Max)? dataRange = null;
        if (_options.Loss == AutoencoderLoss.BinaryCrossEntropy)
        {
            var range = TrainingData.Range(targets ?? data, rows * inputSize);
            if (targets == null) dataRange = range;
            BinaryCrossEntropyRange.Check(_options, range, targets != null ? _options.TargetColumnName! : columns.Input);
        }
        int trainRows = rows;
        float[] trainData = data;
        if (trainingRows != null)
        {
            int[] chosen = trainingRows(rows);
            trainRows = chosen.Length;
            trainData = TrainingData.Gather(data, chosen, inputSize);
            if (targets != null) targets = TrainingData.Gather(targets, chosen, inputSize);
        }

        var network = _options.InitialModel is { } start ? CopyOf(start.Network) : AutoencoderNetwork.Create(spec, _options.Seed);
        // The noise's clip range: the inputs trained on, read above already when they are all of the rows.
        var inputRange = _options.Noise == AutoencoderNoise.None ? ((float, float)?)null
            : trainingRows == null && dataRange is { } whole ? whole : TrainingData.Range(trainData, trainRows * inputSize);
        var training = ToTrainingOptions(_options, inputRange, spec, trainRows);
        string what = (_options.Variational ? "variational autoencoder" : "autoencoder") + LogPurpose;
        var history = ObservedTraining.Fit(LogEnvironment, what, network, training, _options, trainData, targets, trainRows);
        var model = new AutoencoderModel(network, history, training.Loss);
        return new AutoencoderTransformer(model, columns, _options.NumberOfThreads);
    }

    /// <summary>
    /// Trains from <paramref name="input"/> a pass at a time (<see cref="AutoencoderOptions.StreamTrainingData"/>): the engine's
    /// <see cref="StreamedTrainer"/> reads the rows through a cursor each epoch and never holds the column.
    /// </summary>
    private AutoencoderTransformer FitStreamed(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (columns, inputSize, spec) = Prepare(input);
        string? targetColumn = TargetColumn(input, columns, inputSize);
        // Binary cross-entropy's targets must lie in [0, 1]: the inputs, or the target column when there is one, whose range
        // the opening pass finds (one pass more than MSE needs, against a model that would mean nothing).
        bool checkRange = _options.Loss == AutoencoderLoss.BinaryCrossEntropy;
        var source = DataViewRowSource.Open(input, columns.Input, targetColumn, inputSize,
            wantRange: _options.Noise != AutoencoderNoise.None || (checkRange && targetColumn == null), wantTargetRange: checkRange,
            out var inputRange, out var targetRange, _options.CancellationToken);
        if (checkRange && (targetColumn != null ? targetRange : inputRange) is { } range)
            BinaryCrossEntropyRange.Check(_options, range, targetColumn ?? columns.Input);
        var network = _options.InitialModel is { } start ? CopyOf(start.Network) : AutoencoderNetwork.Create(spec, _options.Seed);
        // The default run length adapts to the row count (TrainingLength); past int's range it is long enough anyway.
        var training = ToTrainingOptions(_options, inputRange, spec, (int)Math.Min(source.RowCount, int.MaxValue));
        string what = (_options.Variational ? "variational autoencoder" : "autoencoder") + LogPurpose;
        var history = ObservedTraining.Fit(LogEnvironment, what, network, training, _options, source);
        var model = new AutoencoderModel(network, history, training.Loss);
        return new AutoencoderTransformer(model, columns, _options.NumberOfThreads);
    }

    /// <summary>What both ways of training check before reading a row: the columns, the input size and the network built for it.</summary>
    private (AutoencoderColumns Columns, int InputSize, NetworkSpec Spec) Prepare(IDataView input)
    {
        var columns = AutoencoderColumns.FromOptions(_options, _reservedNamesAllowed);
        int inputSize = InputColumn.GetVectorSize(input.Schema, columns.Input, InputOption);
        // The network's description, built once: the engine builds from it, the penalties check it, the model file stores it.
        if (_options.InitialModel is { } initial && initial.InputSize != inputSize)
            throw new ArgumentOutOfRangeException(nameof(input),
                $"Column '{columns.Input}' has {inputSize} values per row but InitialModel takes {initial.InputSize}: fine-tune on data shaped like the model's input.");
        var spec = _options.InitialModel?.Spec ?? ToSpec(_options, inputSize);
        NetworkSizeCheck.Check(spec, ToTrainingOptions(_options).BatchSize); // before reading the data, let alone allocating
        AutoencoderRegularization.CheckOvercomplete(_options, spec);
        return (columns, inputSize, spec);
    }

    /// <summary>The target column (<see cref="AutoencoderOptions.TargetColumnName"/>), checked against the input, or null to reconstruct the input.</summary>
    private string? TargetColumn(IDataView input, AutoencoderColumns columns, int inputSize)
    {
        if (_options.TargetColumnName is not { } targetColumn) return null;
        if (input.Schema.GetColumnOrNull(targetColumn) == null)
            throw new ArgumentOutOfRangeException(nameof(input), $"Target column '{targetColumn}' was not found; TargetColumnName must name a vector column the size of '{columns.Input}'.");
        int targetSize = InputColumn.GetVectorSize(input.Schema, targetColumn);
        if (targetSize != inputSize)
            throw new ArgumentOutOfRangeException(nameof(input),
                $"Target column '{targetColumn}' has {targetSize} values per row but input column '{columns.Input}' has {inputSize}: the network maps each input to a target of the same size.");
        return targetColumn;
    }

    /// <summary>A network of the same spec with the same weights (and buffers), so fine-tuning leaves the given model as it was.</summary>
    private static AutoencoderNetwork CopyOf(AutoencoderNetwork network)
    {
        var copy = AutoencoderNetwork.CreateUninitialized(network.Spec);
        foreach (var (from, to) in network.Parameters.Parameters.Zip(copy.Parameters.Parameters)) from.Values.CopyTo(to.Values);
        return copy;
    }

    /// <summary>Describes the columns that <see cref="Fit(IDataView)"/>'s transformer will add, without training.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var columns = AutoencoderColumns.FromOptions(_options, _reservedNamesAllowed);
        var inputColumn = inputSchema.LastOrDefault(c => c.Name == columns.Input);
        if (inputColumn.Name == null)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), InputColumn.MissingMessage(columns.Input, inputSchema.Select(c => c.Name), InputOption));
        if (inputColumn.Kind == SchemaShape.Column.VectorKind.VariableVector && inputColumn.ItemType == NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), InputColumn.UnknownSizeMessage(columns.Input));
        if (inputColumn.Kind != SchemaShape.Column.VectorKind.Vector || inputColumn.ItemType != NumberDataViewType.Single)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), InputColumn.WrongTypeMessage(columns.Input, InputColumn.ShapeTypeName(inputColumn)));
        }

        if (_options.TargetColumnName is { } target && !inputSchema.Any(c => c.Name == target))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Target column '{target}' was not found; TargetColumnName must name a vector column the size of '{columns.Input}'.");

        var result = inputSchema.ToDictionary(c => c.Name);
        if (columns.Encoded != null) result[columns.Encoded] = SchemaShapeColumns.Vector(columns.Encoded, NumberDataViewType.Single);
        if (columns.Reconstruction != null) result[columns.Reconstruction] = SchemaShapeColumns.Vector(columns.Reconstruction, NumberDataViewType.Single);
        if (columns.ReconstructionError != null) result[columns.ReconstructionError] = SchemaShapeColumns.Scalar(columns.ReconstructionError, NumberDataViewType.Single);
        if (columns.Denoised != null) result[columns.Denoised] = SchemaShapeColumns.Vector(columns.Denoised, NumberDataViewType.Single);
        if (columns.NegativeElbo != null) result[columns.NegativeElbo] = SchemaShapeColumns.Scalar(columns.NegativeElbo, NumberDataViewType.Single);
        return new SchemaShape(result.Values);
    }

    /// <summary>
    /// The network for <paramref name="options"/> on rows of <paramref name="inputSize"/> values: the explicit layer lists
    /// when given, else the symmetric dense network of the size options. Throws naming the option or layer at fault.
    /// </summary>
    internal static NetworkSpec ToSpec(AutoencoderOptions options, int inputSize)
    {
        CheckLayerOptions(options);
        if (options.Sequence is { } sequence) return ToSequenceSpec(options, sequence, inputSize);
        TensorShape shape = TensorShape.Flat(inputSize);
        if (options.InputShape is { } dimensions)
        {
            shape = new TensorShape(dimensions);
            if (shape.Size != inputSize)
                throw new ArgumentOutOfRangeException(nameof(options), $"InputShape {shape} holds {shape.Size} values, but column '{options.InputColumnName}' has {inputSize} per row.");
        }
        if (options.ConvolutionBlocks is { } blocks && shape.Rank != 3)
            throw new ArgumentException($"ConvolutionBlocks need images: set InputShape to [channels, height, width] (it is {(options.InputShape == null ? "unset" : shape.ToString())}).", nameof(options));
        if (options.Variational) return ToVariationalSpec(options, shape);
        if (options.ConvolutionBlocks is { } convolutionBlocks) return ToConvolutionalArchitecture(options, shape, convolutionBlocks).ToSpec();
        if (options.EncoderLayers is not { } encoder)
        {
            if (shape.Rank != 1)
            {
                throw new ArgumentException(
                    $"The size options build a dense network on flat rows, so InputShape {shape} would go unused: give EncoderLayers " +
                    "(starting with a FlattenSpec before any DenseSpec), or leave InputShape null.", nameof(options));
            }
            return ToArchitecture(options, inputSize).ToSpec();
        }
        return NetworkSpec.Create(shape, encoder, options.DecoderLayers, ToEngine(options.OutputActivation), options.TiedWeights, options.LeakyReluSlope);
    }

    /// <summary>
    /// The sequence network of <paramref name="sequence"/> on windows of <paramref name="inputSize"/> values: its shape must
    /// hold the column's values (and agree with <see cref="AutoencoderOptions.InputShape"/> when that is set too).
    /// </summary>
    private static NetworkSpec ToSequenceSpec(AutoencoderOptions options, SequenceArchitecture sequence, int inputSize)
    {
        var window = sequence.InputShape;
        if (options.InputShape is { } dimensions && new TensorShape(dimensions) != window)
            throw new ArgumentException($"InputShape {new TensorShape(dimensions)} disagrees with the Sequence's window {window} (WindowLength × Channels); leave InputShape null.", nameof(options));
        if (window.Size != inputSize)
        {
            throw new ArgumentOutOfRangeException(nameof(options),
                $"The Sequence's window {window} holds {window.Size} values (WindowLength × Channels), but column '{options.InputColumnName}' has {inputSize} per row. " +
                "Each row must be one whole window, its steps one after another with each step's channel values side by side.");
        }
        try
        {
            return sequence.ToSpec();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Sequence: {e.Message}", nameof(options), e);
        }
    }

    /// <summary>Refuses option combinations that would leave one of them silently unused.</summary>
    private static void CheckLayerOptions(AutoencoderOptions options)
    {
        CheckVariationalOptions(options);
        if (options.Sequence != null)
        {
            // The architecture holds the whole network; each of these would be ignored beside it.
            string? unusedBySequence =
                options.EncoderLayers != null || options.DecoderLayers != null ? "EncoderLayers/DecoderLayers"
                : options.ConvolutionBlocks != null ? nameof(options.ConvolutionBlocks)
                : options.HiddenLayerSizes is { Length: > 0 } ? nameof(options.HiddenLayerSizes)
                : options.CodeSize != Defaults.CodeSize ? nameof(options.CodeSize)
                : options.HiddenActivation != Defaults.HiddenActivation ? nameof(options.HiddenActivation)
                : options.CodeActivation != Defaults.CodeActivation ? nameof(options.CodeActivation)
                : options.OutputActivation != Defaults.OutputActivation ? nameof(options.OutputActivation)
                : options.WeightInitialization != Defaults.WeightInitialization ? nameof(options.WeightInitialization)
                : options.DropoutRate != 0 ? nameof(options.DropoutRate)
                : options.TiedWeights ? nameof(options.TiedWeights)
                : null;
            if (unusedBySequence != null)
            {
                throw new ArgumentException(
                    $"{unusedBySequence} would go unused beside Sequence, which describes the whole network: set its equivalent on the " +
                    "SequenceArchitecture (CodeSize, HiddenUnits, Filters, DropoutRate, OutputActivation, ...) instead.", nameof(options));
            }
            return;
        }
        if (options.ConvolutionBlocks != null)
        {
            if (options.EncoderLayers != null || options.DecoderLayers != null)
                throw new ArgumentException("Give the network either as ConvolutionBlocks or as EncoderLayers/DecoderLayers, not both.", nameof(options));
            if (options.ConvolutionBlocks.Count == 0)
                throw new ArgumentException("ConvolutionBlocks is empty: give at least one block, or leave it null.", nameof(options));
            // A variational network puts dense layers and the latent after the blocks: the size options shape them.
            string? unusedByBlocks =
                options.Variational ? null
                : options.HiddenLayerSizes is { Length: > 0 } ? nameof(options.HiddenLayerSizes)
                : options.CodeSize != Defaults.CodeSize ? nameof(options.CodeSize)
                : options.CodeActivation != Defaults.CodeActivation ? nameof(options.CodeActivation)
                : options.TiedWeights ? nameof(options.TiedWeights)
                : null;
            if (unusedByBlocks != null)
            {
                throw new ArgumentException(
                    $"{unusedByBlocks} shapes the dense network and would go unused beside ConvolutionBlocks (the code is the last block's " +
                    "output): leave it at its default, or give the layers as EncoderLayers.", nameof(options));
            }
            return;
        }
        if (options.EncoderLayers == null)
        {
            if (options.DecoderLayers != null)
                throw new ArgumentException("DecoderLayers needs EncoderLayers: give the encoder's layers too, or leave DecoderLayers null.", nameof(options));
            return;
        }
        if (options.EncoderLayers.Count == 0) throw new ArgumentException("EncoderLayers is empty: give at least one layer, or leave it null to use HiddenLayerSizes and CodeSize.", nameof(options));
        // Each setting of the size options that differs from its default would be ignored beside an explicit list: say so.
        string? unused =
            options.HiddenLayerSizes is { Length: > 0 } ? nameof(options.HiddenLayerSizes)
            : options.CodeSize != Defaults.CodeSize ? nameof(options.CodeSize)
            : options.HiddenActivation != Defaults.HiddenActivation ? nameof(options.HiddenActivation)
            : options.CodeActivation != Defaults.CodeActivation ? nameof(options.CodeActivation)
            : options.WeightInitialization != Defaults.WeightInitialization ? nameof(options.WeightInitialization)
            : null;
        if (unused != null)
        {
            throw new ArgumentException(
                $"Give the encoder either as EncoderLayers or with the size options (HiddenLayerSizes, CodeSize, HiddenActivation, CodeActivation, " +
                $"WeightInitialization), not both: {unused} is set. With EncoderLayers, put its equivalent in the layer specs.", nameof(options));
        }
        if (options.DropoutRate != 0)
            throw new ArgumentException("DropoutRate adds dropout to the network the size options build; with EncoderLayers, put DropoutSpec layers in the list instead.", nameof(options));
        if (options.DecoderLayers != null && options.TiedWeights)
            throw new ArgumentException("TiedWeights ties a mirrored decoder to the encoder; with DecoderLayers, use TiedDenseSpec layers in the list instead.", nameof(options));
        if (options.DecoderLayers != null && options.OutputActivation != Defaults.OutputActivation)
            throw new ArgumentException("OutputActivation ends a mirrored decoder; with DecoderLayers, end the list with an ActivationSpec instead.", nameof(options));
    }

    /// <summary>The variational options that only a VAE reads, and the settings a VAE cannot honour.</summary>
    private static void CheckVariationalOptions(AutoencoderOptions options)
    {
        if (!options.Variational)
        {
            string? vaeOnly = options.KlWeight != Defaults.KlWeight ? nameof(options.KlWeight)
                : options.KlWarmupEpochs != 0 ? nameof(options.KlWarmupEpochs)
                : options.KlCapacity != 0 ? nameof(options.KlCapacity)
                : options.KlCapacityWarmupEpochs != 0 ? nameof(options.KlCapacityWarmupEpochs)
                : null;
            if (vaeOnly != null)
                throw new ArgumentException($"{vaeOnly} weights a variational autoencoder's KL term: set Variational, or leave it at its default.", nameof(options));
            return;
        }
        string? refused = options.CodeActivation != Defaults.CodeActivation ? $"{nameof(options.CodeActivation)} (the latent is a Gaussian sample, unbounded)"
            : options.TiedWeights ? $"{nameof(options.TiedWeights)} (the latent head has no mirror)"
            : options.DropoutRate != 0 ? $"{nameof(options.DropoutRate)} (the sampling is the VAE's noise)"
            : options.Noise != AutoencoderNoise.None ? $"{nameof(options.Noise)}"
            : options.SparsityL1 != 0 || options.SparsityWeight != 0 ? "a sparsity penalty"
            : options.ContractiveWeight != 0 ? $"{nameof(options.ContractiveWeight)}"
            : null;
        if (refused != null) throw new ArgumentException($"A variational autoencoder does not take {refused}: leave it at its default.", nameof(options));
        if (options.EncoderLayers is { Count: > 0 } encoder && encoder[^1] is not GaussianSamplingSpec)
            throw new ArgumentException("A variational autoencoder's EncoderLayers must end with a GaussianSamplingSpec after a linear DenseSpec of twice the latent width (mean, then log-variance).", nameof(options));
        _ = Schedule(options); // validates the KL settings
    }

    /// <summary>The network of a variational autoencoder: the VAE builder's, or the user's layer lists.</summary>
    private static NetworkSpec ToVariationalSpec(AutoencoderOptions options, TensorShape shape)
    {
        if (options.EncoderLayers is { } encoder)
            return NetworkSpec.Create(shape, encoder, options.DecoderLayers ?? throw new ArgumentException(
                "A variational autoencoder's EncoderLayers need DecoderLayers too: a Gaussian latent has no mirror image.", nameof(options)));
        return new VariationalArchitecture
        {
            InputShape = shape,
            HiddenSizes = options.HiddenLayerSizes ?? [],
            LatentSize = options.CodeSize,
            ConvolutionBlocks = options.ConvolutionBlocks,
            HiddenActivation = ToEngine(options.HiddenActivation),
            OutputActivation = ToEngine(options.OutputActivation),
            LeakyReluSlope = options.LeakyReluSlope,
            Initialization = ToEngine(options.WeightInitialization),
        }.ToSpec();
    }

    /// <summary>The KL term's weight over training.</summary>
    internal static KlSchedule Schedule(AutoencoderOptions options)
    {
        var schedule = new KlSchedule
        {
            Beta = options.KlWeight, WarmupEpochs = options.KlWarmupEpochs,
            Capacity = options.KlCapacity, CapacityWarmupEpochs = options.KlCapacityWarmupEpochs,
        };
        try
        {
            schedule.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{e.Message} (KlWeight, KlWarmupEpochs, KlCapacity, KlCapacityWarmupEpochs)", nameof(options), e);
        }
        return schedule;
    }

    internal static ConvolutionalArchitecture ToConvolutionalArchitecture(AutoencoderOptions options, TensorShape shape, IReadOnlyList<ConvolutionBlock> blocks) => new()
    {
        InputShape = shape,
        Blocks = blocks,
        HiddenActivation = ToEngine(options.HiddenActivation),
        OutputActivation = ToEngine(options.OutputActivation),
        LeakyReluSlope = options.LeakyReluSlope,
        DropoutRate = options.DropoutRate,
        Initialization = ToEngine(options.WeightInitialization),
    };

    internal static AutoencoderArchitecture ToArchitecture(AutoencoderOptions options, int inputSize) => new()
    {
        InputSize = inputSize,
        HiddenSizes = (options.HiddenLayerSizes ?? []).ToArray(),
        // The default code is capped below the input's width when nothing would make a wider one safe, so a narrow table
        // (4 features) gets an undercomplete code instead of the overcomplete-without-regularizer error; a sparse or
        // denoising model keeps its width. inputSize 1 is the constructor's shape-free check.
        CodeSize = options.CodeSize == Defaults.CodeSize && inputSize > 1 && !AutoencoderRegularization.AllowsOvercomplete(options)
            ? Math.Min(Defaults.CodeSize, inputSize - 1) : options.CodeSize,
        HiddenActivation = ToEngine(options.HiddenActivation),
        CodeActivation = ToEngine(options.CodeActivation),
        OutputActivation = ToEngine(options.OutputActivation),
        LeakyReluSlope = options.LeakyReluSlope,
        Initialization = ToEngine(options.WeightInitialization),
        DropoutRate = options.DropoutRate,
        TiedWeights = options.TiedWeights,
    };

    private static WeightInitialization ToEngine(AutoencoderWeightInitialization initialization) => initialization switch
    {
        AutoencoderWeightInitialization.XavierOrHeByActivation => WeightInitialization.XavierOrHeByActivation,
        AutoencoderWeightInitialization.XavierUniform => WeightInitialization.XavierUniform,
        AutoencoderWeightInitialization.HeUniform => WeightInitialization.HeUniform,
        AutoencoderWeightInitialization.FanInUniform => WeightInitialization.FanInUniform,
        _ => throw new ArgumentOutOfRangeException(nameof(initialization), initialization, "Unknown weight initialization."),
    };

    /// <summary>
    /// The engine's training options; <paramref name="inputRange"/> (the data's [min, max]) bounds the noise, and
    /// <paramref name="spec"/> (the network, once known) places penalties that attach to a node of it (a VAE's KL term), and
    /// <paramref name="trainingRows"/> (once known) sizes a run whose length the user left to the defaults (<see cref="TrainingLength"/>).
    /// </summary>
    internal static TrainingOptions ToTrainingOptions(AutoencoderOptions options, (float Min, float Max)? inputRange = null, NetworkSpec? spec = null,
        int trainingRows = 0)
    {
        var (epochs, batchSize) = TrainingLength.For(options, trainingRows);
        return new()
        {
            Epochs = epochs,
            BatchSize = batchSize,
            Loss = options.Loss switch
            {
                AutoencoderLoss.MeanSquaredError => LossKind.MeanSquaredError,
                AutoencoderLoss.BinaryCrossEntropy => LossKind.BinaryCrossEntropy,
                AutoencoderLoss.L1 => LossKind.L1,
                _ => throw new ArgumentOutOfRangeException(nameof(options), options.Loss, "Unknown loss."),
            },
            Optimizer = new OptimizerSettings
            {
                Kind = options.Optimizer switch
                {
                    AutoencoderOptimizer.Sgd => OptimizerKind.Sgd,
                    AutoencoderOptimizer.Adam => OptimizerKind.Adam,
                    AutoencoderOptimizer.AdamW => OptimizerKind.AdamW,
                    _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "Unknown optimizer."),
                },
                LearningRate = options.LearningRate,
                Momentum = options.Momentum,
                WeightDecay = options.WeightDecay,
            },
            LearningRateSchedule = options.LearningRateSchedule,
            LearningRateBackoffs = options.LearningRateBackoffs,
            GradientClipNorm = options.GradientClipNorm,
            Seed = options.Seed,
            Threads = options.NumberOfThreads ?? Environment.ProcessorCount,
            ValidationFraction = options.ValidationFraction,
            EarlyStoppingPatience = options.EarlyStoppingPatience,
            TrimmedFraction = options.TrimmedFraction,
            TrimAcrossTrainingSet = options.TrimAcrossTrainingSet,
            Corruption = AutoencoderRegularization.Corruption(options, inputRange),
            CodeRegularizers = AutoencoderRegularization.CodeRegularizers(options, spec),
            L1WeightPenalty = options.L1WeightPenalty,
            L2WeightPenalty = options.L2WeightPenalty,
            CheckpointPath = options.CheckpointPath,
            CheckpointEveryEpochs = options.CheckpointEveryEpochs,
            ShuffleBufferRows = options.StreamingShuffleBufferRows,
        };
    }

    internal static Activation ToEngine(AutoencoderActivation activation) => activation switch
    {
        AutoencoderActivation.Linear => Activation.Linear,
        AutoencoderActivation.Sigmoid => Activation.Sigmoid,
        AutoencoderActivation.Relu => Activation.Relu,
        AutoencoderActivation.LeakyRelu => Activation.LeakyRelu,
        AutoencoderActivation.Tanh => Activation.Tanh,
        AutoencoderActivation.Elu => Activation.Elu,
        AutoencoderActivation.Softplus => Activation.Softplus,
        AutoencoderActivation.Gelu => Activation.Gelu,
        AutoencoderActivation.Silu => Activation.Silu,
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };
}
