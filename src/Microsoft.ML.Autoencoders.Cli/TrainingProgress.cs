using System.Globalization;
using Microsoft.ML.Autoencoders.Engine.Training;
using Spectre.Console;

namespace Microsoft.ML.Autoencoders.Cli;

/// <summary>
/// Shows training as it goes: on a terminal a live Spectre.Console bar (epoch, loss, validation loss, rows/s and the time
/// left), otherwise one plain line per epoch that a log or a pipe keeps readable. The total is known only when the user
/// set the epochs; with the library's adaptive default (or early stopping) the bar has no end and the ETA is left out.
/// </summary>
internal static class TrainingProgress
{
    /// <summary>Runs <paramref name="fit"/>, giving it the per-epoch callback to report through.</summary>
    public static T Run<T>(ToolConsole console, int? totalEpochs, int? trainingRows, Func<Action<EpochMetrics>, T> fit)
    {
        if (!console.IsTerminal)
        {
            double secondsSoFar = 0;
            return fit(epoch =>
            {
                secondsSoFar += epoch.Seconds;
                // Time left at the mean epoch time so far.
                TimeSpan? eta = totalEpochs == null ? null : TimeSpan.FromSeconds(secondsSoFar / epoch.Epoch * Math.Max(0, totalEpochs.Value - epoch.Epoch));
                console.Out.WriteLine(Describe(epoch, totalEpochs, trainingRows, eta));
            });
        }

        var terminal = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(console.Out) });
        T result = default!;
        terminal.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("training", maxValue: totalEpochs ?? 1);
                task.IsIndeterminate = totalEpochs == null;
                result = fit(epoch =>
                {
                    task.Description = Markup.Escape(Describe(epoch, totalEpochs, trainingRows, eta: null));
                    if (totalEpochs != null) task.Value = epoch.Epoch;
                });
                task.Value = task.MaxValue;
                task.StopTask();
            });
        return result;
    }

    /// <summary>
    /// One epoch as a line: "epoch 3/20  loss 0.01234  val 0.01500  45,000 rows/s  ETA 0:00:12". The rows/s are left out
    /// when the row count is not known (a streamed file is not counted first just for them).
    /// </summary>
    public static string Describe(EpochMetrics epoch, int? totalEpochs, int? trainingRows, TimeSpan? eta)
    {
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"epoch {epoch.Epoch}{(totalEpochs != null ? $"/{totalEpochs}" : "")}");
        text.Append(CultureInfo.InvariantCulture, $"  loss {epoch.TotalTrainingLoss:G5}");
        if (double.IsFinite(epoch.ValidationLoss)) text.Append(CultureInfo.InvariantCulture, $"  val {epoch.ValidationLoss:G5}");
        if (epoch.Seconds > 0 && trainingRows != null) text.Append(CultureInfo.InvariantCulture, $"  {trainingRows / epoch.Seconds:N0} rows/s");
        if (eta != null) text.Append(CultureInfo.InvariantCulture, $"  ETA {eta.Value:h\\:mm\\:ss}");
        return text.ToString();
    }
}
