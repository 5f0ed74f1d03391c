using System;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace IdLE.EntraConnect.Simulator.Tests
{
    /// <summary>A fresh runspace (CreateDefault2) with the built simulator imported and its own state file.</summary>
    internal sealed class SimSession : IDisposable
    {
        public const string T0 = "2025-01-01T10:00:00Z";

        private readonly Runspace _runspace;

        public SimSession(string? statePath = null)
        {
            StatePath = statePath ?? NewStatePath();
            _runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
            _runspace.Open();
            Run("Import-Module -Name '" + BuiltArtifacts.ModuleManifest.Replace("'", "''") + "' -ErrorAction Stop");
        }

        public string StatePath { get; }

        public static string NewStatePath() =>
            Path.Combine(Path.GetTempPath(), "idle-adsync-sim-tests", Guid.NewGuid().ToString("N"), "state.json");

        /// <summary>A fresh server with the clock frozen at T0 and no scheduler cycles unless asked for.</summary>
        public void Reset(string parameters = "")
        {
            Run("Reset-ADSyncSimulator -StatePath '" + StatePath + "' -UtcNow '" + T0 + "' " + parameters);
        }

        /// <summary>Re-selects this session's state file without resetting it.</summary>
        public void Attach() => Run("Get-ADSyncSimulatorScenario -StatePath '" + StatePath + "' | Out-Null");

        public void At(double secondsAfterT0) =>
            Run("Set-ADSyncSimulatorClock -UtcNow '" + T0 + "' -AdvanceSeconds " + secondsAfterT0.ToString(System.Globalization.CultureInfo.InvariantCulture));

        public Collection<PSObject> Run(string script) => Run(script, out _);

        public Collection<PSObject> Run(string script, out ErrorRecord[] errors)
        {
            using PowerShell shell = PowerShell.Create();
            shell.Runspace = _runspace;
            shell.AddScript(script);
            Collection<PSObject> output = shell.Invoke();
            errors = shell.Streams.Error.ToArray();
            return output;
        }

        public PSObject Single(string script)
        {
            Collection<PSObject> output = Run(script, out ErrorRecord[] errors);
            if (errors.Length > 0)
            {
                throw new InvalidOperationException("Unexpected error: " + errors[0]);
            }

            return Assert1(output);
        }

        public T Value<T>(string script) => (T)Single(script).BaseObject;

        public void Dispose() => _runspace.Dispose();

        private static PSObject Assert1(Collection<PSObject> output) =>
            output.Count == 1 ? output[0] : throw new InvalidOperationException("Expected one object, got " + output.Count);
    }
}
