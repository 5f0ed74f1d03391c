using System;
using System.Collections.Generic;

namespace IdLE.ConsoleHost
{
    /// <summary>The command line: what to run and how.</summary>
    internal sealed class HostOptions
    {
        public const string Usage =
            "Usage: IdLE.ConsoleHost <script.ps1> [-Verbose] [-ModulePath <dir>] [-- <script arguments>]\n" +
            "       IdLE.ConsoleHost -Command \"<PowerShell text>\" [-Verbose] [-ModulePath <dir>]\n" +
            "Runs PowerShell in the PowerShell 7 engine (no pwsh needed). Script arguments: -Name value,\n" +
            "-Switch, or positional values. Exit code: 'exit N', else 1 after a terminating error, else 0.";

        public string? ScriptPath { get; private set; }
        public string? Command { get; private set; }
        public bool Verbose { get; private set; }
        public bool Help { get; private set; }
        public List<string> ModulePaths { get; } = new List<string>();
        public List<string> ScriptArguments { get; } = new List<string>();

        public static HostOptions Parse(string[] args)
        {
            var options = new HostOptions();
            for (int i = 0; i < args.Length; i++)
            {
                string arg = args[i];
                if (arg == "--")
                {
                    for (i++; i < args.Length; i++)
                    {
                        options.ScriptArguments.Add(args[i]);
                    }

                    break;
                }

                if (Is(arg, "-Command", "-c"))
                {
                    options.Command = Next(args, ref i, arg);
                }
                else if (Is(arg, "-File", "-f"))
                {
                    options.ScriptPath = Next(args, ref i, arg);
                }
                else if (Is(arg, "-Verbose", "-v"))
                {
                    options.Verbose = true;
                }
                else if (Is(arg, "-ModulePath", "-m"))
                {
                    options.ModulePaths.Add(Next(args, ref i, arg));
                }
                else if (Is(arg, "-Help", "-h", "-?", "--help"))
                {
                    options.Help = true;
                }
                else if (options.ScriptPath == null && options.Command == null && !arg.StartsWith("-", StringComparison.Ordinal))
                {
                    options.ScriptPath = arg;
                }
                else if (options.ScriptPath != null)
                {
                    // After the script path, anything unknown belongs to the script (as with pwsh -File).
                    options.ScriptArguments.Add(arg);
                }
                else
                {
                    throw new ArgumentException("Unknown option '" + arg + "'.");
                }
            }

            if (!options.Help && options.ScriptPath == null && options.Command == null)
            {
                throw new ArgumentException("Give a script path or -Command.");
            }

            if (options.ScriptPath != null && options.Command != null)
            {
                throw new ArgumentException("Give either a script path or -Command, not both.");
            }

            return options;
        }

        private static bool Is(string arg, params string[] names)
        {
            foreach (string name in names)
            {
                if (string.Equals(arg, name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }

        private static string Next(string[] args, ref int i, string option)
        {
            if (i + 1 >= args.Length)
            {
                throw new ArgumentException("Option '" + option + "' needs a value.");
            }

            i++;
            return args[i];
        }
    }
}
