using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The warning <c>EvaluateAutoencoder</c> writes to <c>mlContext.Log</c> when the AUC is clearly below 0.5: more than three
/// standard deviations under it, the standard deviation being that of the AUC of scores unrelated to the labels,
/// √((n₁ + n₀ + 1) / (12 n₁ n₀)) for classes of n₁ and n₀ rows (the Mann–Whitney statistic's, ties aside). Chance does not
/// explain such an AUC: the rows labelled as anomalies score as more normal than the others, which most often means the
/// label marks the normal rows.
/// </summary>
internal static class AucBelowChance
{
    /// <summary>How many null standard deviations under 0.5 count as "clearly".</summary>
    private const double StandardDeviations = 3;

    /// <summary>The warning for <paramref name="auc"/> on classes of <paramref name="first"/> and <paramref name="second"/> rows, or null.</summary>
    public static string? Warning(double auc, long first, long second)
    {
        if (first == 0 || second == 0 || double.IsNaN(auc)) return null;
        double sd = Math.Sqrt((first + second + 1) / (12.0 * first * second));
        if (auc >= 0.5 - StandardDeviations * sd) return null;
        var invariant = CultureInfo.InvariantCulture;
        return $"AUC is {auc.ToString("F3", invariant)} on {first.ToString("N0", invariant)} and {second.ToString("N0", invariant)} rows of the two " +
            "labels: below the 0.5 of a useless score by more than chance explains. The rows labelled " +
            "anomalous score as more normal than the rest. The label must mean anomaly: 1 (true before conversion) for an anomaly, 0 for a " +
            "normal row; if yours marks the normal rows, invert it. If it does mean anomaly, the anomalies reconstruct better than the " +
            "normal rows (simpler rows, e.g. a digit 1 among 8s), and reconstruction error is the wrong score for them.";
    }

    /// <summary>
    /// The rows of each of the two classes in <paramref name="labelColumn"/>: a Single label above 0 and at most 0, or a
    /// two-valued key's two values. Missing labels are not counted. Which class is the anomaly does not matter here: the
    /// chance spread of the AUC is the same either way.
    /// </summary>
    /// <remarks>
    /// A Single label other than 0 and 1 is refused: ML.NET counts every positive label as an anomaly, so a class label used
    /// as it is (wine's 0/1/2, a digit 0–9) or another convention (scikit-learn's −1 for an outlier) evaluates without an
    /// error and gives an AUC of classes the user never meant.
    /// </remarks>
    public static (long First, long Second) CountClasses(IDataView data, string labelColumn)
    {
        var column = data.Schema[labelColumn];
        long anomalies = 0, normal = 0, row = 0;
        using var cursor = data.GetRowCursor([column]);
        if (column.Type is KeyDataViewType)
        {
            var getter = cursor.GetGetter<uint>(column);
            uint key = 0;
            while (cursor.MoveNext())
            {
                getter(ref key);
                if (key == 2) anomalies++;
                else if (key == 1) normal++;
            }
        }
        else
        {
            var getter = cursor.GetGetter<float>(column);
            float label = 0;
            while (cursor.MoveNext())
            {
                getter(ref label);
                if (label is not (0 or 1) && !float.IsNaN(label))
                    throw new ArgumentException(
                        $"Label column '{labelColumn}' holds {label.ToString(System.Globalization.CultureInfo.InvariantCulture)} at row {row}, but it must be 1 " +
                        "for an anomaly and 0 for a normal row: the evaluator would count every label above 0 as an anomaly, so a class label " +
                        "used as it is gives an AUC that means nothing. Map the classes you call anomalous to 1 and the rest to 0 first, e.g. " +
                        $"mlContext.Transforms.Expression(\"{labelColumn}\", \"x => x == 2 ? 1f : 0f\", \"{labelColumn}\") to call class 2 the anomaly.",
                        nameof(data));
                if (label > 0) anomalies++;
                else if (label <= 0) normal++;
                row++;
            }
        }
        return (anomalies, normal);
    }
}
