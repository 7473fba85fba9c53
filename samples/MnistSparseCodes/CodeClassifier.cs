using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace MnistSparseCodes;

/// <summary>
/// The one classifier both codes are judged with, so that differences come from the codes alone: min-max scaling,
/// then ML.NET's multiclass SDCA (maximum entropy), as in the MnistDeepAutoencoder sample.
/// </summary>
internal static class CodeClassifier
{
    /// <summary>SDCA passes over the data (its plateau on 32-value codes; see MnistDeepAutoencoder's DigitClassifier).</summary>
    public const int MaximumIterations = 30;

    /// <summary>Trains on <paramref name="train"/>, evaluates on <paramref name="test"/>, returns ML.NET's multiclass metrics.</summary>
    public static MulticlassClassificationMetrics TrainAndEvaluate(MLContext mlContext, IDataView train, IDataView test, string featureColumn)
    {
        const string scaled = "ClassifierFeatures";
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
            .Append(mlContext.Transforms.NormalizeMinMax(scaled, featureColumn))
            .AppendCacheCheckpoint(mlContext)
            .Append(mlContext.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options
            {
                LabelColumnName = "Label",
                FeatureColumnName = scaled,
                MaximumNumberOfIterations = MaximumIterations,
            }));
        var model = pipeline.Fit(train);
        return mlContext.MulticlassClassification.Evaluate(model.Transform(test), labelColumnName: "Label");
    }
}
