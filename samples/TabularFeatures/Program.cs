// Learned features before a classifier, on small tables: scikit-learn's bundled digits (1,797 × 64), wine (178 × 13)
// and breast cancer (569 × 30), exported to CSV by build/fetch-sklearn-tables.sh. For each table, 5-fold cross-validated
// accuracy of one classifier (L-BFGS maximum entropy) on the standardized features as they are, on PCA's k components,
// and on the codes of an autoencoder with every option left at its default but the code size k — the check that the
// defaults fit small data (the training length follows the row count: AutoencoderOptions.Epochs).
//
//   dotnet run --project samples/TabularFeatures -c Release [-- --data DIR --seed N]

using Microsoft.ML;
using Microsoft.ML.Autoencoders;
using Microsoft.ML.Data;

string? directory = null;
int seed = 1;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--data" when i + 1 < args.Length: directory = args[++i]; break;
        case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], out int s): seed = s; i++; break;
        default:
            Console.Error.WriteLine("usage: TabularFeatures [--data DIR] [--seed N]   (DIR holds digits.csv, wine.csv, breast_cancer.csv)");
            return 2;
    }
}
directory ??= FindTables();
if (directory == null)
{
    Console.Error.WriteLine("The tables are missing: run build/fetch-sklearn-tables.sh (./build.sh sample TabularFeatures does it).");
    return 1;
}

var mlContext = new MLContext(seed);
Console.WriteLine($"Tables from {directory}; 5-fold cross-validated accuracy, L-BFGS maximum entropy on each feature set");
Console.WriteLine();
Console.WriteLine("| table | rows × features | k | standardized features | PCA (k) | autoencoder, defaults (k) | its epochs |");
Console.WriteLine("|---|---|---:|---:|---:|---:|---|");
foreach (string name in new[] { "digits", "wine", "breast_cancer" })
{
    string path = Path.Combine(directory, name + ".csv");
    int width = File.ReadLines(path).First().Split(',').Length - 1;
    IDataView data = mlContext.Data.LoadFromTextFile(path,
        [new TextLoader.Column("Features", DataKind.Single, 0, width - 1), new TextLoader.Column("Label", DataKind.Single, width)],
        separatorChar: ',', hasHeader: true);
    data = mlContext.Data.Cache(data);
    long rows = data.GetColumn<float>("Label").LongCount();
    // The rank both reducers get: a third of the features, at most 16.
    int k = Math.Clamp(width / 3, 2, 16);

    var prepare = mlContext.Transforms.Conversion.MapValueToKey("Label")
        .Append(mlContext.Transforms.NormalizeMeanVariance("Features"));
    var classify = mlContext.MulticlassClassification.Trainers.LbfgsMaximumEntropy(featureColumnName: "Codes");
    IReadOnlyList<TrainCatalogBase.CrossValidationResult<MulticlassClassificationMetrics>> CrossValidate(IEstimator<ITransformer> features) =>
        mlContext.MulticlassClassification.CrossValidate(data, prepare.Append(features).Append(classify), numberOfFolds: 5, seed: seed);
    static double Accuracy(IEnumerable<TrainCatalogBase.CrossValidationResult<MulticlassClassificationMetrics>> folds) =>
        folds.Average(fold => fold.Metrics.MicroAccuracy);

    double raw = Accuracy(CrossValidate(mlContext.Transforms.CopyColumns("Codes", "Features")));
    double pca = Accuracy(CrossValidate(mlContext.Transforms.ProjectToPrincipalComponents("Codes", "Features", rank: k, seed: seed)));
    var autoencoder = new AutoencoderOptions { InputColumnName = "Features", EncodedColumnName = "Codes", CodeSize = k, Seed = seed };
    var learned = CrossValidate(mlContext.Transforms.Autoencoder(autoencoder));
    // How long the defaults trained, read from a fold's fitted autoencoder.
    int epochs = ((IEnumerable<ITransformer>)learned[0].Model).OfType<AutoencoderTransformer>().Single().Model.TrainingHistory!.Epochs.Count;
    Console.WriteLine($"| {name} | {rows} × {width} | {k} | {100 * raw:F1} % | {100 * pca:F1} % | {100 * Accuracy(learned):F1} % | {epochs} |");
}
return 0;

// The folder build/fetch-sklearn-tables.sh writes, found from the working directory up.
static string? FindTables()
{
    for (var folder = new DirectoryInfo(Directory.GetCurrentDirectory()); folder != null; folder = folder.Parent)
    {
        string candidate = Path.Combine(folder.FullName, "artifacts", "data", "sklearn-tables");
        if (File.Exists(Path.Combine(candidate, "digits.csv"))) return candidate;
    }
    return null;
}
