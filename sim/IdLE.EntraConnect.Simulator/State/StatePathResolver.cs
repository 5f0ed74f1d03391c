using System;
using System.Collections.Concurrent;
using System.IO;
using System.Management.Automation.Runspaces;

namespace IdLE.EntraConnect.Simulator.State
{
    /// <summary>
    /// Where the state file is: a path chosen in this runspace with -StatePath, else the
    /// IDLE_ADSYNC_SIM_STATE environment variable, else a per-user file in the temp folder.
    /// </summary>
    public static class StatePathResolver
    {
        public const string EnvironmentVariable = "IDLE_ADSYNC_SIM_STATE";

        private static readonly ConcurrentDictionary<Guid, string> PerRunspace = new ConcurrentDictionary<Guid, string>();

        /// <summary>Remembers <paramref name="path"/> for the current runspace.</summary>
        public static void SetForCurrentRunspace(string path)
        {
            PerRunspace[CurrentRunspaceId()] = Path.GetFullPath(path);
        }

        public static string Resolve()
        {
            if (PerRunspace.TryGetValue(CurrentRunspaceId(), out string? chosen))
            {
                return chosen;
            }

            string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(fromEnvironment))
            {
                return Path.GetFullPath(fromEnvironment);
            }

            return DefaultPath();
        }

        public static string DefaultPath()
        {
            string user = Environment.UserName;
            if (string.IsNullOrWhiteSpace(user))
            {
                user = "user";
            }

            foreach (char invalid in Path.GetInvalidFileNameChars())
            {
                user = user.Replace(invalid, '_');
            }

            return Path.Combine(Path.GetTempPath(), "IdLE.EntraConnect.Simulator-" + user, "state.json");
        }

        private static Guid CurrentRunspaceId()
        {
            Runspace? runspace = Runspace.DefaultRunspace;
            return runspace is null ? Guid.Empty : runspace.InstanceId;
        }
    }
}
