using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace IdLE.ConsoleHost
{
    /// <summary>Binds command-line words to a script as pwsh -File does: -Name value, -Name:value, -Switch, positional.</summary>
    internal static class ScriptArguments
    {
        public static void Bind(Command command, IReadOnlyList<string> words)
        {
            for (int i = 0; i < words.Count; i++)
            {
                string word = words[i];
                if (word.Length > 1 && word[0] == '-' && !double.TryParse(word, out _))
                {
                    string name = word.Substring(1);
                    int colon = name.IndexOf(':');
                    if (colon >= 0)
                    {
                        command.Parameters.Add(name.Substring(0, colon), Value(name.Substring(colon + 1)));
                    }
                    else if (i + 1 < words.Count && !(words[i + 1].StartsWith("-", StringComparison.Ordinal) && !double.TryParse(words[i + 1], out _)))
                    {
                        command.Parameters.Add(name, Value(words[i + 1]));
                        i++;
                    }
                    else
                    {
                        command.Parameters.Add(name, new SwitchParameter(true));
                    }
                }
                else
                {
                    command.Parameters.Add(null, word);
                }
            }
        }

        private static object Value(string text) => text.ToLowerInvariant() switch
        {
            "$true" => true,
            "$false" => false,
            _ => text,
        };
    }
}
