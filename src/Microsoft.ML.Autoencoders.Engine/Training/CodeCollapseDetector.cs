using System.Numerics.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Training;

/// <summary>
/// Finds a collapsed code: an encoder that gives (nearly) the same code to rows that differ, so the code carries at most
/// one bit about the row. A saturated tanh or sigmoid code, dead ReLU units or weights blown up by too large a learning
/// rate all end this way, often with a loss that looks normal.
/// </summary>
/// <remarks>
/// The rule: among a sample of rows, count distinct codes and distinct inputs (up to 3 of each, with a tolerance). The
/// code has collapsed when there are at most 2 distinct codes but at least 3 distinct inputs, the inputs' count being
/// what keeps data with one or two distinct rows from being reported. Two codes count as the same when every element
/// differs by at most <see cref="RelativeTolerance"/> times the largest code magnitude in the sample, so a code that
/// blew up to 1e20 with jitter of 1e13 is still one code, and a code of all zeros (dead units) is one code.
/// The trainer reports a collapse as a warning in <see cref="TrainingHistory.Warnings"/>, not as an error: the loss is
/// finite and the model usable, and a code with two values can be legitimate (data of two tight clusters, a deliberately
/// binary code); the point is that it is never silent.
/// </remarks>
public static class CodeCollapseDetector
{
    /// <summary>Most distinct codes a collapsed sample has.</summary>
    public const int MaxCollapsedCodes = 2;

    /// <summary>Codes closer than this times the sample's largest code magnitude, element by element, count as one.</summary>
    public const float RelativeTolerance = 1e-5f;

    /// <summary>Inputs closer than this times the sample's largest input magnitude count as one (they are data, so tighter).</summary>
    public const float InputRelativeTolerance = 1e-6f;

    /// <summary>
    /// Returns a warning when <paramref name="codes"/> ([rows, codeSize]) has collapsed for <paramref name="inputs"/>
    /// ([rows, inputSize], the rows the codes came from), or null when it has not.
    /// </summary>
    public static string? Check(ReadOnlySpan<float> codes, int codeSize, ReadOnlySpan<float> inputs, int inputSize, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(codeSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        if (codes.Length < rows * codeSize || inputs.Length < rows * inputSize)
            throw new ArgumentException($"Expected {rows} rows of {codeSize} code values and {inputSize} inputs.");
        codes = codes[..(rows * codeSize)];
        inputs = inputs[..(rows * inputSize)];
        int distinctCodes = CountDistinct(codes, codeSize, rows, RelativeTolerance, MaxCollapsedCodes + 1);
        if (distinctCodes > MaxCollapsedCodes) return null;
        int distinctInputs = CountDistinct(inputs, inputSize, rows, InputRelativeTolerance, MaxCollapsedCodes + 1);
        if (distinctInputs <= distinctCodes || distinctInputs <= MaxCollapsedCodes) return null;
        string codeCount = distinctCodes == 1 ? "the same code" : $"only {distinctCodes} distinct codes";
        return $"The code collapsed: {rows} training rows (at least {distinctInputs} distinct) were given {codeCount} "
            + $"(largest code magnitude {TensorPrimitives.MaxMagnitude(codes):G4}). The model gives every row one of at most "
            + $"{MaxCollapsedCodes} reconstructions. Typical causes: too high a LearningRate, a saturated tanh/sigmoid code, dead ReLU units, or data "
            + "of large magnitude; try a lower LearningRate or scaling the data.";
    }

    /// <summary>Distinct rows of <paramref name="values"/> ([rows, width]), counting only up to <paramref name="stopAt"/>.</summary>
    private static int CountDistinct(ReadOnlySpan<float> values, int width, int rows, float relativeTolerance, int stopAt)
    {
        if (rows == 0) return 0;
        float scale = TensorPrimitives.MaxMagnitude(values);
        // Non-finite values: every row counts as its own, which leaves the divergence to the divergence guard.
        if (!float.IsFinite(scale)) return stopAt;
        float tolerance = relativeTolerance * scale;
        Span<int> representatives = stackalloc int[stopAt];
        int found = 0;
        for (int r = 0; r < rows && found < stopAt; r++)
        {
            var row = values.Slice(r * width, width);
            bool known = false;
            for (int k = 0; k < found && !known; k++)
                known = WithinTolerance(row, values.Slice(representatives[k] * width, width), tolerance);
            if (!known) representatives[found++] = r;
        }
        return found;
    }

    private static bool WithinTolerance(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float tolerance)
    {
        for (int i = 0; i < a.Length; i++)
            if (!(Math.Abs(a[i] - b[i]) <= tolerance)) return false;
        return true;
    }
}
