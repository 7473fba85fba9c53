// ONNX export and serving: train an autoencoder and an anomaly detector on MNIST through ML.NET, export them three ways,
// and serve each file with ONNX Runtime's C# API alone (InferenceSession, rows in batches), as a service without ML.NET
// would. Every served value must equal the ML.NET transformer's within 1e-5 · (1 + |value|) and every label must agree
// (a row whose score is within that of the threshold may fall either way); the sample stops with exit code 3 if not.
//   mnist-autoencoder.onnx         autoencoder.SaveAsOnnx: prepared features → encoded, reconstruction_error
//   mnist-detector.onnx            detector.SaveAsOnnx: prepared features → score, label; the threshold is an optional
//                                  input, so the server moves it without re-exporting (checked against ChangeContamination)
//   mnist-detector-pipeline.onnx   detector.SaveAsOnnx(file, preprocessing, raw): the raw pixels → score, label, the
//                                  preprocessing (global contrast normalization, min-max scaling) inside the graph
// Prints rows/s of each route both ways (ML.NET's Transform read through a cursor; ONNX Runtime batch by batch).
//
//   dotnet run --project samples/OnnxServing -c Release [-- --epochs N --train-rows N --test-rows N --batch N --output DIR]
//   (--quick: a smoke run in seconds; --help lists every option)

using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Autoencoders;
using Microsoft.ML.Autoencoders.Data;
using Microsoft.ML.Autoencoders.Samples;
using Microsoft.ML.Data;
using OnnxServing;

if (!SampleStartup.TryStart(args, out SampleOptions options, out MnistFiles files, out int exitCode)) return exitCode;

const double Contamination = 0.05, StricterContamination = 0.01;
var mlContext = new MLContext(seed: 1);
MnistSplit train = MnistData.Read(files.TrainImages, files.TrainLabels, options.TrainRows);
MnistSplit test = MnistData.Read(files.TestImages, files.TestLabels, options.TestRows);
Console.WriteLine($"MNIST from {files.Directory}: {train.Count} training and {test.Count} test images; {Environment.ProcessorCount} cores");

// The raw column, and the preprocessing that the pipeline file carries inside its graph.
IDataView trainRaw = mlContext.Data.LoadFromEnumerable(PixelRow.From(train));
IDataView testRaw = mlContext.Data.LoadFromEnumerable(PixelRow.From(test));
ITransformer preprocessing = mlContext.Transforms.NormalizeGlobalContrast("Features", "Pixels")
    .Append(mlContext.Transforms.NormalizeMinMax("Features"))
    .Fit(trainRaw);
IDataView trainFeatures = mlContext.Data.Cache(preprocessing.Transform(trainRaw));
IDataView testFeatures = mlContext.Data.Cache(preprocessing.Transform(testRaw));

AutoencoderOptions Network(string name) => new()
{
    HiddenLayerSizes = [128],
    CodeSize = 16,
    BatchSize = 64,
    Epochs = options.Epochs,
    Seed = 1,
    EpochCompleted = e => Console.WriteLine($"   {name} epoch {e.Epoch,3}/{options.Epochs}: training loss {e.TrainingLoss:F5}  ({e.Seconds:F1} s)"),
};
Console.WriteLine("Training the autoencoder 784-128-16 and the anomaly detector on the same network shape:");
var autoencoderOptions = Network("autoencoder");
autoencoderOptions.EncodedColumnName = "Encoded";
autoencoderOptions.ReconstructionErrorColumnName = "ReconstructionError";
AutoencoderTransformer autoencoder = mlContext.Transforms.Autoencoder(autoencoderOptions).Fit(trainFeatures);
AutoencoderAnomalyTransformer detector = mlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
{
    Contamination = Contamination,
    Autoencoder = Network("detector"),
}).Fit(trainFeatures);
AutoencoderAnomalyTransformer stricter = detector.ChangeContamination(StricterContamination);

Directory.CreateDirectory(options.OutputDirectory);
string autoencoderPath = Path.Combine(options.OutputDirectory, "mnist-autoencoder.onnx");
string detectorPath = Path.Combine(options.OutputDirectory, "mnist-detector.onnx");
string pipelinePath = Path.Combine(options.OutputDirectory, "mnist-detector-pipeline.onnx");
using (var file = File.Create(autoencoderPath)) autoencoder.SaveAsOnnx(file);
using (var file = File.Create(detectorPath)) detector.SaveAsOnnx(file);
using (var file = File.Create(pipelinePath)) detector.SaveAsOnnx(file, preprocessing, trainRaw);
Console.WriteLine($"Exported {autoencoderPath}, {Path.GetFileName(detectorPath)} and {Path.GetFileName(pipelinePath)} ({new FileInfo(pipelinePath).Length / 1024} KB)");

// What a server receives: the prepared features for the first two files, the raw pixels for the pipeline file.
float[] features = testFeatures.GetColumn<float[]>("Features").SelectMany(row => row).ToArray();
float[] pixels = test.Pixels;
int rows = test.Count;

Console.WriteLine();
Console.WriteLine($"Served with ONNX Runtime's C# API, {options.BatchSize} rows per run, against the ML.NET transformer on the same {rows} test rows:");
Console.WriteLine();
Console.WriteLine("| file (graph input) | outputs compared | largest abs. difference | within 1e-5 | labels differing | ML.NET rows/s | ONNX Runtime rows/s |");
Console.WriteLine("|---|---|---:|---|---:|---:|---:|");
bool agree = true;

using (var served = new BatchedOnnxScorer(autoencoderPath, "input"))
{
    var (expected, mlnetSeconds) = Timed(() => mlContext.Data.CreateEnumerable<EncodedRow>(autoencoder.Transform(testFeatures), reuseRowObject: false).ToList());
    var (outputs, onnxSeconds) = Timed(() => served.Run(features, rows, options.BatchSize, ["reconstruction_error", "encoded"]));
    var errors = Agreement.Compare(expected.Select(r => r.ReconstructionError).ToList(), (float[])outputs["reconstruction_error"]);
    var codes = Agreement.Compare(expected.SelectMany(r => r.Encoded).ToList(), (float[])outputs["encoded"]);
    Report($"{Path.GetFileName(autoencoderPath)} (input)", "reconstruction_error, encoded", (Math.Max(errors.Largest, codes.Largest), errors.Within && codes.Within),
        null, mlnetSeconds, onnxSeconds);
}

using (var served = new BatchedOnnxScorer(detectorPath, "input"))
{
    ServeDetector(served, features, detector, testFeatures, threshold: null, $"{Path.GetFileName(detectorPath)} (input)");
    // The same file with the threshold fed at serving time: the labels must be those of the re-thresholded transformer.
    ServeDetector(served, features, stricter, testFeatures, stricter.Threshold,
        $"{Path.GetFileName(detectorPath)} (input, threshold = {stricter.Threshold:G4}: {StricterContamination:P0} contamination)");
}

using (var served = new BatchedOnnxScorer(pipelinePath, "Pixels"))
    ServeDetector(served, pixels, detector, preprocessing.Transform(testRaw), threshold: null, $"{Path.GetFileName(pipelinePath)} (Pixels, raw)");

Console.WriteLine();
Console.WriteLine($"Detector threshold {detector.Threshold:G4} ({Contamination:P0} of the training rows flagged); {stricter.Threshold:G4} fed as the graph's threshold input flags {StricterContamination:P0}.");
if (!agree)
{
    Console.Error.WriteLine("ONNX Runtime and ML.NET disagree beyond 1e-5 (see the table).");
    return 3;
}
Console.WriteLine("Every served score, error and code equals ML.NET's within 1e-5 · (1 + |value|), and every label agrees.");
return 0;

// Serves one detector file and holds its score and label to the ML.NET detector's on the same rows.
void ServeDetector(BatchedOnnxScorer served, float[] input, AutoencoderAnomalyTransformer reference, IDataView referenceInput, float? threshold, string file)
{
    var (expected, mlnetSeconds) = Timed(() => mlContext.Data.CreateEnumerable<DetectedRow>(reference.Transform(referenceInput), reuseRowObject: false).ToList());
    var (outputs, onnxSeconds) = Timed(() => served.Run(input, rows, options.BatchSize, ["score", "label"], threshold));
    float[] scores = (float[])outputs["score"];
    var scoreAgreement = Agreement.Compare(expected.Select(r => r.Score).ToList(), scores);
    int mismatches = Agreement.LabelMismatches(expected.Select(r => r.PredictedLabel).ToList(), (bool[])outputs["label"], scores, reference.Threshold);
    Report(file, "score, label", scoreAgreement, mismatches, mlnetSeconds, onnxSeconds);
}

void Report(string file, string compared, (double Largest, bool Within) values, int? labelMismatches, double mlnetSeconds, double onnxSeconds)
{
    agree &= values.Within && labelMismatches is null or 0;
    Console.WriteLine($"| {file} | {compared} | {values.Largest:0.0e0} | {(values.Within ? "yes" : "NO")} | {labelMismatches?.ToString() ?? "–"} | " +
                      $"{rows / mlnetSeconds:N0} | {rows / onnxSeconds:N0} |");
}

// Runs the work twice and times the second run, so neither side's one-time costs (JIT, graph optimization) count.
static (T Result, double Seconds) Timed<T>(Func<T> work)
{
    work();
    var clock = Stopwatch.StartNew();
    T result = work();
    return (result, clock.Elapsed.TotalSeconds);
}
