using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Unwraps the detector head's one-element ONNX outputs into the scalar Score (Single) and PredictedLabel (Boolean)
/// that <c>mlContext.AnomalyDetection.Evaluate</c> needs. ONNX Runtime's rank-0 outputs cannot be read through ML.NET's
/// OnnxTransformer (MLNET-NOTES), so the head emits shape [1]. Stateless and saved by contract name; internal, since
/// ML.NET finds it by its attribute and creates it by reflection when a saved model is loaded.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class AnomalyOutputsToScalars : CustomMappingFactory<AnomalyOutputsToScalars.Input, AnomalyOutputsToScalars.Output>
{
    /// <summary>The name ML.NET stores in a saved model to find this mapping again.</summary>
    public const string ContractName = "Microsoft.ML.Autoencoders.AnomalyOutputsToScalars";

    /// <summary>The reserved scalar score column, copied to the user's name afterwards.</summary>
    public const string ScoreColumn = AnomalyColumns.ReservedPrefix + "score";

    /// <summary>The reserved scalar decision column, copied to the user's name afterwards.</summary>
    public const string PredictedLabelColumn = AnomalyColumns.ReservedPrefix + "predicted_label";

    /// <summary>The mapping's input row: the head's outputs.</summary>
    public sealed class Input
    {
        /// <summary>The one-element score vector.</summary>
        [ColumnName(AnomalyHeadOnnx.ScoreVector), VectorType(1)]
        public float[] Score { get; set; } = [];

        /// <summary>The one-element decision vector.</summary>
        [ColumnName(AnomalyHeadOnnx.LabelVector), VectorType(1)]
        public bool[] PredictedLabel { get; set; } = [];
    }

    /// <summary>The mapping's output row.</summary>
    public sealed class Output
    {
        /// <summary>The score as a scalar.</summary>
        [ColumnName(ScoreColumn)]
        public float Score { get; set; }

        /// <summary>The decision as a scalar.</summary>
        [ColumnName(PredictedLabelColumn)]
        public bool PredictedLabel { get; set; }
    }

    /// <inheritdoc/>
    public override Action<Input, Output> GetMapping() => static (input, output) =>
    {
        output.Score = input.Score[0];
        output.PredictedLabel = input.PredictedLabel[0];
    };
}
