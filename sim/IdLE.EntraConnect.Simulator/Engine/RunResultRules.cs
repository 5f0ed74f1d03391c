using System;
using System.Collections.Generic;

namespace IdLE.EntraConnect.Simulator.Engine
{
    /// <summary>Picks a run's result from the scenario's "connector|profile" rules.</summary>
    public static class RunResultRules
    {
        public const string Success = "success";

        public static string Resolve(IDictionary<string, string> rules, string connector, string profile)
        {
            if (rules.Count == 0)
            {
                return Success;
            }

            string[] candidates =
            {
                connector + "|" + profile,
                connector + "|*",
                connector,
                "*|" + profile,
                "*|*",
                "*",
            };

            foreach (string candidate in candidates)
            {
                foreach (KeyValuePair<string, string> rule in rules)
                {
                    if (string.Equals(Normalize(rule.Key), candidate, StringComparison.OrdinalIgnoreCase)
                        && !string.IsNullOrWhiteSpace(rule.Value))
                    {
                        return rule.Value.Trim().ToLowerInvariant();
                    }
                }
            }

            return Success;
        }

        private static string Normalize(string key)
        {
            int bar = key.IndexOf('|');
            return bar < 0 ? key.Trim() : key.Substring(0, bar).Trim() + "|" + key.Substring(bar + 1).Trim();
        }
    }
}
