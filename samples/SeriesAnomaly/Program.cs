// Time-series anomalies on real series: the LSTM (repeat-vector and sequence-to-sequence decoders) and the 1-D
// convolutional sequence autoencoder detectors of
// Microsoft.ML.Autoencoders beside a rolling z-score and ML.NET's RandomizedPca on the same windows, on the El Nino
// sea-surface temperatures with injected anomalies; then a multivariate case (US macro growth rates) where the
// per-channel error must name the channel an anomaly was put in; and a live monitor that scores each month as it arrives
// (causal scoring), with how long each scoring takes to raise an alarm after an injected anomaly starts. Data:
// build/fetch-series.sh.
//
//   dotnet run --project samples/SeriesAnomaly -c Release [-- --data DIR --epochs N --macro-epochs N --plot PATH --output DIR]
//   (--quick: a smoke run in seconds; --help lists every option)
using Microsoft.ML;
using Microsoft.ML.Autoencoders;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Plotting;
using Microsoft.ML.Autoencoders.Samples;
using Microsoft.ML.Data;
using SeriesAnomaly;

const int Window = 24;           // two years of months
const double Contamination = 0.02;

if (!SampleStartup.TryParse(args, out SampleOptions options, out int exitCode)) return exitCode;
string plotPath = options.PlotPath ?? Path.Combine(options.OutputDirectory, "series-anomaly.png");
string directory;
try { directory = SeriesFiles.Locate(options.DataDirectory); }
catch (FileNotFoundException e) { Console.Error.WriteLine(e.Message); return 1; }

var ml = new MLContext(seed: 1);
var months = SeriesFiles.Read<MonthRow>(ml, Path.Combine(directory, "elnino.csv"));
var trainMonths = months.Where(m => m.Split == "train").ToList();
var testMonths = months.Where(m => m.Split == "test").ToList();
var train = ml.Data.LoadFromEnumerable(trainMonths);
var test = ml.Data.LoadFromEnumerable(testMonths);
bool[] truth = testMonths.Select(m => m.Label == 1).ToArray();
Console.WriteLine($"El Nino 1+2 SST, monthly: {trainMonths.Count} training months (1950-1989), {testMonths.Count} test months (1990-2010) " +
    $"with {truth.Count(t => t)} injected anomalous points ({string.Join(", ", testMonths.Where(m => m.Label == 1).GroupBy(m => m.Kind).Select(g => $"{g.Key} {g.Count()}"))}).");

var training = new AutoencoderOptions { Epochs = options.Epochs, BatchSize = 32, LearningRate = 3e-3f, Seed = 1 };
var detectors = new (string Name, SequenceArchitecture Architecture)[]
{
    ("LSTM autoencoder", SequenceArchitecture.LstmAutoencoder(Window, channels: 1, hiddenUnits: 32, codeSize: 8)),
    ("LSTM seq2seq autoencoder", SequenceArchitecture.LstmSequenceToSequence(Window, channels: 1, hiddenUnits: 32, codeSize: 8)),
    ("Conv1d autoencoder", SequenceArchitecture.KerasConvolutional(Window, channels: 1)),
};
var rows = new List<(string Name, DetectionMetrics Metrics, bool[] Flags)>();
foreach (var (name, architecture) in detectors)
{
    var detector = ml.AnomalyDetection.Trainers.SequenceAutoencoder(new SequenceAnomalyOptions
    {
        ChannelColumnNames = [nameof(MonthRow.Value)], Architecture = architecture, Contamination = Contamination, Autoencoder = training,
    }).Fit(train);
    // The test months continue the training series: their first windows reach back into 1989.
    var scored = detector.Transform(test);
    float[] scores = scored.GetColumn<float>("Score").ToArray();
    bool[] flags = scored.GetColumn<bool>("PredictedLabel").ToArray();
    rows.Add((name, DetectionMetrics.Of(scores, flags, truth), flags));
}

// The same LSTM detector with causal scoring: each month scored from the window that ends at it, so its score is known
// when the month arrives; its threshold also flags 2 % of the training months (their causal scores).
var causalDetector = ml.AnomalyDetection.Trainers.SequenceAutoencoder(new SequenceAnomalyOptions
{
    ChannelColumnNames = [nameof(MonthRow.Value)], Architecture = detectors[0].Architecture, Contamination = Contamination, Autoencoder = training,
    Scoring = SequenceScoring.Causal,
}).Fit(train);
var causalScored = causalDetector.Transform(test);
bool[] causalFlags = causalScored.GetColumn<bool>("PredictedLabel").ToArray();
rows.Insert(1, ("LSTM autoencoder, causal", DetectionMetrics.Of(causalScored.GetColumn<float>("Score").ToArray(), causalFlags, truth), causalFlags));

// The baselines score the joined series, so the test months' scores have the same history the detectors had.
float[] joined = months.Select(m => m.Value).ToArray();
int trainCount = trainMonths.Count;
float[] zScores = Baselines.RollingZScore(joined, Window);
float zThreshold = Baselines.ThresholdFor(zScores.Take(trainCount), Contamination);
bool[] zFlags = zScores[trainCount..].Select(s => s > zThreshold).ToArray();
rows.Add(("Rolling z-score (24)", DetectionMetrics.Of(zScores[trainCount..], zFlags, truth), zFlags));
float[] pcaScores = Baselines.RandomizedPcaOnWindows(ml, joined, trainCount, Window, rank: 4);
float pcaThreshold = Baselines.ThresholdFor(pcaScores.Take(trainCount), Contamination);
bool[] pcaFlags = pcaScores[trainCount..].Select(s => s > pcaThreshold).ToArray();
rows.Add(("RandomizedPca (rank 4)", DetectionMetrics.Of(pcaScores[trainCount..], pcaFlags, truth), pcaFlags));

Console.WriteLine($"\nPoint-wise on the {testMonths.Count} test months; thresholds flag {Contamination:P0} of the training months.");
Console.WriteLine($"{"detector",-26} {"precision",9} {"recall",7} {"F1",6} {"ROC-AUC",8}");
foreach (var (name, metrics, _) in rows) Console.WriteLine($"{name,-26} {metrics}");
// The test months as years (1990.0 is January 1990), the injected anomalies shaded, and each detector's flags in a lane below.
SeriesPlot.Write(plotPath, [("SST, anomalies injected", testMonths.Select(m => m.Value).ToArray())],
    time: testMonths.Select(m => MonthRow.Year(m.Month)).ToArray(),
    lanes: rows.Select(r => (r.Name, (IReadOnlyList<bool>)r.Flags)).ToArray(),
    shaded: ("injected anomaly", truth),
    title: $"El Niño 1+2 sea-surface temperature, test months: which points each detector flags ({Contamination:P0} of training flagged)",
    xLabel: "year", yLabel: "temperature (°C)", width: 1400, height: 600);
Console.WriteLine($"Plot: {plotPath}");

LiveMonitor.Run(causalDetector, testMonths, centeredFlags: rows[0].Flags, Window);

// Multivariate: five growth rates watched together; which channel does the per-channel error blame?
var quarters = SeriesFiles.Read<QuarterRow>(ml, Path.Combine(directory, "macro.csv"));
var trainQuarters = quarters.Where(q => q.Split == "train").ToList();
var testQuarters = quarters.Where(q => q.Split == "test").ToList();
var macroDetector = ml.AnomalyDetection.Trainers.SequenceAutoencoder(new SequenceAnomalyOptions
{
    ChannelColumnNames = QuarterRow.Channels,
    Architecture = SequenceArchitecture.LstmAutoencoder(windowLength: 8, channels: QuarterRow.Channels.Length, hiddenUnits: 16, codeSize: 4),
    Contamination = 0.05,
    ChannelErrorsColumnName = "ChannelErrors",
    Autoencoder = new AutoencoderOptions { Epochs = options.MacroEpochs, BatchSize = 16, LearningRate = 3e-3f, Seed = 1 },
}).Fit(ml.Data.LoadFromEnumerable(trainQuarters));
var macroScored = macroDetector.Transform(ml.Data.LoadFromEnumerable(testQuarters));
var channelErrors = macroScored.GetColumn<float[]>("ChannelErrors").ToArray();
bool[] macroFlags = macroScored.GetColumn<bool>("PredictedLabel").ToArray();
Console.WriteLine($"\nUS macro growth rates, quarterly, 5 channels: {trainQuarters.Count} training quarters, {testQuarters.Count} test quarters.");
Console.WriteLine($"{"injected",-12} {"in channel",-10} {"quarters",-15} {"flagged",7}  {"largest mean channel error",-26}");
foreach (var anomaly in Enumerable.Range(0, testQuarters.Count).Where(i => testQuarters[i].Label == 1).GroupBy(i => testQuarters[i].Kind))
{
    int[] points = anomaly.ToArray();
    double[] perChannel = Enumerable.Range(0, QuarterRow.Channels.Length).Select(c => points.Average(i => (double)channelErrors[i][c])).ToArray();
    int blamed = Array.IndexOf(perChannel, perChannel.Max());
    string channel = testQuarters[points[0]].Channel;
    string verdict = string.Equals(QuarterRow.Channels[blamed], channel, StringComparison.OrdinalIgnoreCase) ? "right" : "WRONG";
    Console.WriteLine($"{anomaly.Key,-12} {channel,-10} {testQuarters[points[0]].Quarter + "-" + testQuarters[points[^1]].Quarter,-15} " +
        $"{points.Count(i => macroFlags[i]),3} of {points.Length}  {QuarterRow.Channels[blamed]} ({perChannel.Max():F2}; next {perChannel.OrderDescending().ElementAt(1):F2}) {verdict}");
}
return 0;
