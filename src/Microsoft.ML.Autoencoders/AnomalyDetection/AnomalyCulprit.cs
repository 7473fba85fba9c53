namespace Microsoft.ML.Autoencoders;

/// <summary>
/// One input column's part in a row's reconstruction error: what <see cref="AutoencoderAnomalyTransformer.Explain"/> and
/// the explanation columns report, largest first.
/// </summary>
/// <param name="Column">
/// The input column the slots came from (read from the feature column's slot names, see
/// <see cref="AutoencoderAnomalyTransformer.ExplanationColumns"/>), or "Feature j" for an unnamed slot j.
/// </param>
/// <param name="Error">
/// The sum of the column's slots' squared reconstruction errors (in standardized units when the detector standardizes).
/// A slot holding NaN or ±∞ counts as <see cref="float.MaxValue"/>, so such a column comes first.
/// </param>
/// <param name="Share">
/// <paramref name="Error"/> over the sum for all columns: the column's share of the row's score, in [0, 1]. 0 for every
/// column of a row that reconstructs perfectly; for a row with non-finite features, 1 for a single bad column, else 0.
/// </param>
public readonly record struct AnomalyCulprit(string Column, float Error, float Share);
