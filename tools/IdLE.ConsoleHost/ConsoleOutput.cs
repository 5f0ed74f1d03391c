using System;
using System.IO;
using System.Text.RegularExpressions;

namespace IdLE.ConsoleHost
{
    /// <summary>Writes to stdout/stderr, in colour only on a terminal, keeping clear of the progress line.</summary>
    internal sealed class ConsoleOutput
    {
        private static readonly Regex AnsiSequence = new Regex("\u001b\\[[0-9;?]*[ -/]*[@-~]", RegexOptions.Compiled);
        private readonly object _sync = new object();

        public ConsoleOutput()
        {
            StdoutIsTerminal = !Console.IsOutputRedirected;
            StderrIsTerminal = !Console.IsErrorRedirected;
        }

        public bool StdoutIsTerminal { get; }
        public bool StderrIsTerminal { get; }
        public object Sync => _sync;

        /// <summary>While set, everything goes to stderr in red (used to report a terminating error).</summary>
        public bool RouteToError { get; set; }

        /// <summary>Set by the progress renderer: called before any other output, clears its line.</summary>
        public Action? BeforeWrite { get; set; }

        public void Write(string text, ConsoleColor? color = null, bool toError = false)
        {
            if (RouteToError && !toError)
            {
                toError = true;
                color = ConsoleColor.Red;
            }

            lock (_sync)
            {
                BeforeWrite?.Invoke();
                TextWriter writer = toError ? Console.Error : Console.Out;
                if (!(toError ? StderrIsTerminal : StdoutIsTerminal) && text.IndexOf('\u001b') >= 0)
                {
                    text = AnsiSequence.Replace(text, string.Empty);
                }

                bool colour = color.HasValue && (toError ? StderrIsTerminal : StdoutIsTerminal);
                if (colour)
                {
                    writer.Write(AnsiColor(color!.Value));
                }

                writer.Write(text);
                if (colour)
                {
                    writer.Write("\u001b[0m");
                }

                writer.Flush();
            }
        }

        public void WriteLine(string text, ConsoleColor? color = null, bool toError = false)
        {
            // Colour each line separately so a reset never lands after the newline on a terminal.
            Write(text, color, toError);
            Write(Environment.NewLine, null, toError);
        }

        public void WriteRaw(string text)
        {
            lock (_sync)
            {
                Console.Out.Write(text);
                Console.Out.Flush();
            }
        }

        private static string AnsiColor(ConsoleColor color) => color switch
        {
            ConsoleColor.Black => "\u001b[30m",
            ConsoleColor.DarkRed => "\u001b[31m",
            ConsoleColor.DarkGreen => "\u001b[32m",
            ConsoleColor.DarkYellow => "\u001b[33m",
            ConsoleColor.DarkBlue => "\u001b[34m",
            ConsoleColor.DarkMagenta => "\u001b[35m",
            ConsoleColor.DarkCyan => "\u001b[36m",
            ConsoleColor.Gray => "\u001b[37m",
            ConsoleColor.DarkGray => "\u001b[90m",
            ConsoleColor.Red => "\u001b[91m",
            ConsoleColor.Green => "\u001b[92m",
            ConsoleColor.Yellow => "\u001b[93m",
            ConsoleColor.Blue => "\u001b[94m",
            ConsoleColor.Magenta => "\u001b[95m",
            ConsoleColor.Cyan => "\u001b[96m",
            _ => "\u001b[97m",
        };
    }
}
