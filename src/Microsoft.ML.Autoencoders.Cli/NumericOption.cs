using System.CommandLine;
using System.Globalization;

namespace Microsoft.ML.Autoencoders.Cli;

/// <summary>
/// Number options that say what they take. Left to System.CommandLine, "--epochs many" fails with "Cannot parse argument
/// 'many' for option '--epochs' as expected type 'System.Nullable`1[System.Int32]'", and "--batch-size 0" reaches the
/// library, which names its own property (BatchSize) rather than the option typed. Here the option parses its value in
/// the invariant culture and checks its range, so the parse error reads "--epochs takes a whole number of at least 1, not 'many'".
/// </summary>
internal static class NumericOption
{
    /// <summary>
    /// Makes <paramref name="option"/> (of int, float or double, nullable or not) accept only values for which
    /// <paramref name="isAllowed"/> holds, <paramref name="takes"/> saying which ("a number above 0").
    /// </summary>
    public static Option<T> Accepting<T>(this Option<T> option, string takes, Func<double, bool> isAllowed)
    {
        Type type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        bool whole = type == typeof(int);
        NumberStyles styles = whole ? NumberStyles.AllowLeadingSign : NumberStyles.Float;
        option.CustomParser = result =>
        {
            // No token: the option was not given, so its default stands.
            if (result.Tokens.Count == 0) return option.DefaultValueFactory != null ? option.DefaultValueFactory(result) : default!;
            string text = result.Tokens[^1].Value;
            if (double.TryParse(text, styles, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)
                && (!whole || value is >= int.MinValue and <= int.MaxValue) && (type != typeof(float) || Math.Abs(value) <= float.MaxValue)
                && isAllowed(value))
                return (T)Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
            result.AddError($"{option.Name} takes {takes}, not '{text}'.");
            return default!;
        };
        return option;
    }

    /// <summary>A whole number of at least <paramref name="minimum"/>.</summary>
    public static Option<T> AtLeast<T>(this Option<T> option, int minimum) =>
        option.Accepting($"a whole number of at least {minimum}", value => value >= minimum);

    /// <summary>Any whole number (a seed).</summary>
    public static Option<T> WholeNumber<T>(this Option<T> option) => option.Accepting("a whole number", _ => true);

    /// <summary>A number above zero.</summary>
    public static Option<T> Positive<T>(this Option<T> option) => option.Accepting("a number above 0", value => value > 0);

    /// <summary>A number of zero or more.</summary>
    public static Option<T> NonNegative<T>(this Option<T> option) => option.Accepting("a number of 0 or more", value => value >= 0);

    /// <summary>Any finite number.</summary>
    public static Option<T> Finite<T>(this Option<T> option) => option.Accepting("a number", _ => true);
}
