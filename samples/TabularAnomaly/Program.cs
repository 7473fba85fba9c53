// Anomaly detection on a real table with named culprits: scikit-learn's bundled Wisconsin breast-cancer table (569 rows ×
// 30 measurements of cell nuclei, 357 benign and 212 malignant), exported to CSV by build/fetch-sklearn-tables.sh.
//
//   * Normal = benign. The detector trains on a seeded 70 % of the benign rows; the other 30 % of the benign rows and all
//     212 malignant rows are scored (malignant = anomaly), with and without StandardizeFeatures, and the AUCs printed.
//   * The 30 measurements are loaded as 30 named columns and joined by Concatenate, so the feature vector's slot names
//     are the column names and explanations name them.
//   * One row is planted: the first held-out benign row with its "mean smoothness" doubled (an injected error in one
//     column; nothing else changed). The sample prints its score, its decision and its three culprit columns, then the
//     most-flagged malignant row's.
//
//   dotnet run --project samples/TabularAnomaly -c Release [-- --data DIR --seed N --quick]

using Microsoft.ML;
using Microsoft.ML.Autoencoders;
using Microsoft.ML.Data;
using Microsoft.ML.Autoencoders.Samples;

if (SklearnTables.Arguments(args, "TabularAnomaly", "breast_cancer.csv") is not var (directory, seed, quick)) return 2;

const string PlantedColumn = "mean smoothness";
var mlContext = new MLContext(seed);
string path = Path.Combine(directory, "breast_cancer.csv");
string[] measurements = File.ReadLines(path).First().Split(',')[..^1];
// scikit-learn's classes: 0 = malignant, 1 = benign.
var loader = mlContext.Data.CreateTextLoader(
    [.. measurements.Select((name, i) => new TextLoader.Column(name, DataKind.Single, i)), new TextLoader.Column("Class", DataKind.Single, measurements.Length)],
    separatorChar: ',', hasHeader: true);
// Concatenate of the 30 named columns: the feature vector's slot names are the column names, which explanations read.
IDataView table = loader.Load(path);
table = mlContext.Transforms.Concatenate("Features", measurements).Fit(table).Transform(table);
var split = mlContext.Data.TrainTestSplit(mlContext.Data.FilterRowsByColumn(table, "Class", lowerBound: 1, upperBound: 2), testFraction: 0.3, seed: seed);
var malignant = mlContext.Data.FilterRowsByColumn(table, "Class", lowerBound: 0, upperBound: 1);

// The held-out benign rows, the malignant rows, and the planted row last.
var benignTest = mlContext.Data.CreateEnumerable<Measurements>(split.TestSet, reuseRowObject: false).ToList();
var planted = benignTest[0] with { Features = [.. benignTest[0].Features] };
planted.Features[Array.IndexOf(measurements, PlantedColumn)] *= 2;
var testRows = benignTest.Concat(mlContext.Data.CreateEnumerable<Measurements>(malignant, reuseRowObject: false)).Append(planted).ToList();
var test = mlContext.Data.LoadFromEnumerable(testRows, Measurements.Schema(measurements.Length));
var train = split.TrainSet;

Console.WriteLine($"Breast cancer table from {path}: {train.GetColumn<float>("Class").Count()} benign rows to train on; " +
    $"{benignTest.Count} benign, {testRows.Count - benignTest.Count - 1} malignant and 1 planted row to score.");
Console.WriteLine();
AutoencoderAnomalyTransformer? standardizedDetector = null;
foreach (bool standardize in new[] { false, true })
{
    var detector = mlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
    {
        Contamination = 0.05,
        StandardizeFeatures = standardize,
        ExplanationColumnName = "Culprits",
        ExplanationSharesColumnName = "Shares",
        ExplanationTopK = 3,
        Autoencoder = Network(seed, quick),
    }).Fit(train);
    var scores = detector.Transform(test).GetColumn<float>("Score").ToArray();
    // AUC on the held-out benign and malignant rows (not the planted one): P(malignant scores above benign).
    double wins = 0;
    int benign = benignTest.Count, anomalies = testRows.Count - benign - 1;
    for (int a = benign; a < benign + anomalies; a++)
        for (int b = 0; b < benign; b++) wins += scores[a] > scores[b] ? 1 : scores[a] == scores[b] ? 0.5 : 0;
    var plantedRow = mlContext.Data.CreateEnumerable<ScoredRow>(detector.Transform(test), reuseRowObject: false).Last();
    Console.WriteLine($"StandardizeFeatures = {standardize,-5}: AUC malignant vs benign {100 * wins / (benign * anomalies):F1} %; " +
        $"planted row flagged: {plantedRow.PredictedLabel} (score {plantedRow.Score:G4}, threshold {detector.Threshold:G4}, first culprit '{plantedRow.Culprits[0]}')");
    if (standardize) standardizedDetector = detector;
}

var scored = mlContext.Data.CreateEnumerable<ScoredRow>(standardizedDetector!.Transform(test), reuseRowObject: false).ToList();
Console.WriteLine();
Print($"Planted row (held-out benign row, '{PlantedColumn}' doubled)", scored[^1]);
int worst = Enumerable.Range(benignTest.Count, testRows.Count - benignTest.Count - 1).MaxBy(i => scored[i].Score);
Print($"Highest-scoring malignant row (test row {worst})", scored[worst]);
int flaggedBenign = scored.Take(benignTest.Count).Count(r => r.PredictedLabel);
int flaggedMalignant = scored.Skip(benignTest.Count).SkipLast(1).Count(r => r.PredictedLabel);
Console.WriteLine();
Console.WriteLine($"Flagged at the 5 % contamination threshold ({standardizedDetector.Threshold:G4}): {flaggedMalignant} of {testRows.Count - benignTest.Count - 1} malignant, " +
    $"{flaggedBenign} of {benignTest.Count} held-out benign rows.");
var common = scored.Skip(benignTest.Count).SkipLast(1).Where(r => r.PredictedLabel).GroupBy(r => r.Culprits[0]).OrderByDescending(g => g.Count()).Take(3);
Console.WriteLine($"First culprit of the flagged malignant rows, most often: {string.Join(", ", common.Select(g => $"{g.Key} ({g.Count()})"))}");
return 0;

// The default length, which follows the row count; --quick: 5 epochs, a smoke run.
static AutoencoderOptions Network(int seed, bool quick)
{
    var network = new AutoencoderOptions { HiddenLayerSizes = [16], CodeSize = 4, Seed = seed };
    if (quick) network.Epochs = 5;
    return network;
}

static void Print(string title, ScoredRow row)
{
    Console.WriteLine($"{title}: Score {row.Score:G4}, PredictedLabel {row.PredictedLabel}");
    for (int i = 0; i < row.Culprits.Length; i++) Console.WriteLine($"    {i + 1}. {row.Culprits[i],-24} {100 * row.Shares[i],5:F1} % of the squared error");
}


/// <summary>One row's 30 measurements as a vector (the detector learned their names at Fit), and its class.</summary>
internal sealed record Measurements
{
    public float[] Features { get; set; } = [];
    public float Class { get; set; }

    public static SchemaDefinition Schema(int width)
    {
        var definition = SchemaDefinition.Create(typeof(Measurements));
        definition[nameof(Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return definition;
    }
}

/// <summary>What the sample reads back from the detector.</summary>
internal sealed class ScoredRow
{
    public float Score { get; set; }
    public bool PredictedLabel { get; set; }
    public string[] Culprits { get; set; } = [];
    public float[] Shares { get; set; } = [];
}
