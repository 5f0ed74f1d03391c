using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using IdLE.EntraConnect.Simulator.State;

namespace IdLE.EntraConnect.Simulator.Cmdlets
{
    /// <summary>The scenario knobs as parameters; only the parameters given are applied.</summary>
    public abstract class ScenarioCmdletBase : SimulatorCmdletBase
    {
        [Parameter] [ValidateNotNullOrEmpty] public string[]? AdConnectorName { get; set; }
        [Parameter] [ValidateNotNullOrEmpty] public string? EntraConnectorName { get; set; }
        [Parameter] [ValidateRange(0.0, 86400.0)] public double StepSeconds { get; set; }
        [Parameter] [ValidateRange(0.0, 864000.0)] public double CycleSeconds { get; set; }
        [Parameter] [ValidateRange(0.0, 86400.0)] public double GapSeconds { get; set; }
        [Parameter] [ValidateRange(0.0, 86400.0)] public double StartLagSeconds { get; set; }
        [Parameter] [ValidateRange(0.0, 1000.0)] public double InitialCycleFactor { get; set; }
        [Parameter] public bool ForceBusy { get; set; }
        [Parameter] public string? BusyConnectorName { get; set; }
        [Parameter] public bool NoRights { get; set; }
        [Parameter] public bool ModuleMissing { get; set; }
        [Parameter] public bool StagingMode { get; set; }
        [Parameter] public bool SchedulerSuspended { get; set; }
        [Parameter] [ValidateNotNullOrEmpty] public string? SuspendedErrorMessage { get; set; }
        [Parameter] public bool SyncCycleEnabled { get; set; }
        [Parameter] public bool AutoSchedulerCycles { get; set; }
        [Parameter] public bool MaintenanceEnabled { get; set; }
        [Parameter] [ValidateRange(0.01, 100000.0)] public double SyncCycleIntervalMinutes { get; set; }

        /// <summary>0 or less clears it (null).</summary>
        [Parameter] public double CustomizedSyncCycleIntervalMinutes { get; set; }

        /// <summary>Replaces the run result rules: keys "connector|profile" (either side may be "*"), values such as "stopped-server-down".</summary>
        [Parameter] public Hashtable? RunResult { get; set; }

        /// <summary>Server state rather than a knob: when the scheduler's next cycle is due (UTC).</summary>
        [Parameter] public DateTime NextSyncCycleStartTimeInUTC { get; set; }

        [Parameter] public SwitchParameter PassThru { get; set; }

        protected void ApplyScenario(SimulatorState state)
        {
            Scenario s = state.Scenario;
            if (IsBound(nameof(AdConnectorName))) s.AdConnectorNames = AdConnectorName!.ToList();
            if (IsBound(nameof(EntraConnectorName))) s.EntraConnectorName = EntraConnectorName!;
            if (IsBound(nameof(StepSeconds))) s.StepSeconds = StepSeconds;
            if (IsBound(nameof(CycleSeconds))) s.CycleSeconds = CycleSeconds;
            if (IsBound(nameof(GapSeconds))) s.GapSeconds = GapSeconds;
            if (IsBound(nameof(StartLagSeconds))) s.StartLagSeconds = StartLagSeconds;
            if (IsBound(nameof(InitialCycleFactor))) s.InitialCycleFactor = InitialCycleFactor;
            if (IsBound(nameof(ForceBusy))) s.ForceBusy = ForceBusy;
            if (IsBound(nameof(BusyConnectorName))) s.BusyConnectorName = string.IsNullOrWhiteSpace(BusyConnectorName) ? null : BusyConnectorName;
            if (IsBound(nameof(NoRights))) s.NoRights = NoRights;
            if (IsBound(nameof(ModuleMissing))) s.ModuleMissing = ModuleMissing;
            if (IsBound(nameof(StagingMode))) s.StagingMode = StagingMode;
            if (IsBound(nameof(SchedulerSuspended))) s.SchedulerSuspended = SchedulerSuspended;
            if (IsBound(nameof(SuspendedErrorMessage))) s.SuspendedErrorMessage = SuspendedErrorMessage!;
            if (IsBound(nameof(SyncCycleEnabled))) s.SyncCycleEnabled = SyncCycleEnabled;
            if (IsBound(nameof(AutoSchedulerCycles))) s.AutoSchedulerCycles = AutoSchedulerCycles;
            if (IsBound(nameof(MaintenanceEnabled))) s.MaintenanceEnabled = MaintenanceEnabled;
            if (IsBound(nameof(SyncCycleIntervalMinutes))) s.SyncCycleIntervalMinutes = SyncCycleIntervalMinutes;
            if (IsBound(nameof(CustomizedSyncCycleIntervalMinutes)))
            {
                s.CustomizedSyncCycleIntervalMinutes = CustomizedSyncCycleIntervalMinutes > 0 ? CustomizedSyncCycleIntervalMinutes : (double?)null;
            }

            if (IsBound(nameof(RunResult)))
            {
                var rules = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                if (RunResult != null)
                {
                    foreach (DictionaryEntry entry in RunResult)
                    {
                        string key = Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
                        string value = Convert.ToString(entry.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
                        if (key.Length > 0)
                        {
                            rules[key] = value;
                        }
                    }
                }

                s.RunResults = rules;
            }

            if (IsBound(nameof(NextSyncCycleStartTimeInUTC)))
            {
                state.NextSyncCycleStartTimeInUTC = Engine.TimeUtil.AsUtc(NextSyncCycleStartTimeInUTC);
            }
        }
    }
}
