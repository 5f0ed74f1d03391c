using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Text;

namespace IdLE.ConsoleHost
{
    /// <summary>
    /// Shows progress records: on a terminal one bar line redrawn in place; otherwise a plain
    /// line per activity, at most once a second unless the status changes or it completes.
    /// </summary>
    internal sealed class ProgressRenderer
    {
        private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(1);

        private readonly ConsoleOutput _output;
        private readonly Func<int> _width;
        private readonly Dictionary<int, (string Text, TimeSpan At)> _lastPlain = new Dictionary<int, (string, TimeSpan)>();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _barLength;

        public ProgressRenderer(ConsoleOutput output, Func<int> width)
        {
            _output = output;
            _width = width;
            if (output.StdoutIsTerminal)
            {
                output.BeforeWrite = ClearBar;
            }
        }

        public void Show(ProgressRecord record)
        {
            lock (_output.Sync)
            {
                if (_output.StdoutIsTerminal)
                {
                    ShowBar(record);
                }
                else
                {
                    ShowPlain(record);
                }
            }
        }

        /// <summary>Removes any bar (at the end of a run).</summary>
        public void Clear()
        {
            lock (_output.Sync)
            {
                ClearBar();
            }
        }

        private void ShowBar(ProgressRecord record)
        {
            ClearBar();
            if (record.RecordType == ProgressRecordType.Completed)
            {
                return;
            }

            int width = Math.Max(20, _width() - 1);
            var line = new StringBuilder();
            line.Append(record.Activity);
            if (!string.IsNullOrEmpty(record.StatusDescription))
            {
                line.Append(": ").Append(record.StatusDescription);
            }

            if (record.PercentComplete >= 0)
            {
                int percent = Math.Min(100, record.PercentComplete);
                const int barWidth = 20;
                int filled = percent * barWidth / 100;
                line.Append(" [").Append('#', filled).Append(' ', barWidth - filled).Append("] ").Append(percent).Append('%');
            }

            if (record.SecondsRemaining >= 0)
            {
                line.Append(' ').Append(TimeSpan.FromSeconds(record.SecondsRemaining).ToString("c")).Append(" left");
            }

            string text = line.Length > width ? line.ToString(0, width) : line.ToString();
            _output.WriteRaw("\u001b[36m" + text + "\u001b[0m");
            _barLength = text.Length;
        }

        private void ClearBar()
        {
            if (_barLength > 0)
            {
                _output.WriteRaw("\r" + new string(' ', _barLength) + "\r");
                _barLength = 0;
            }
        }

        private void ShowPlain(ProgressRecord record)
        {
            string text;
            if (record.RecordType == ProgressRecordType.Completed)
            {
                if (!_lastPlain.ContainsKey(record.ActivityId))
                {
                    return;
                }

                text = record.Activity + ": completed";
                _lastPlain.Remove(record.ActivityId);
                Console.Out.WriteLine("PROGRESS: " + text);
                Console.Out.Flush();
                return;
            }

            var line = new StringBuilder(record.Activity);
            if (!string.IsNullOrEmpty(record.StatusDescription))
            {
                line.Append(": ").Append(record.StatusDescription);
            }

            if (record.PercentComplete >= 0)
            {
                line.Append(" (").Append(Math.Min(100, record.PercentComplete)).Append("%)");
            }

            text = line.ToString();
            TimeSpan now = _clock.Elapsed;
            if (_lastPlain.TryGetValue(record.ActivityId, out var last)
                && (last.Text == text || now - last.At < PlainInterval))
            {
                return;
            }

            _lastPlain[record.ActivityId] = (text, now);
            Console.Out.WriteLine("PROGRESS: " + text);
            Console.Out.Flush();
        }
    }
}
