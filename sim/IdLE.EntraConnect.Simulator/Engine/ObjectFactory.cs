using System;
using System.Collections.Generic;
using System.Linq;
using IdLE.EntraConnect.Simulator.State;
using Microsoft.IdentityManagement.PowerShell.ObjectModel;

namespace IdLE.EntraConnect.Simulator.Engine
{
    /// <summary>Turns stored state into the objects the ADSync cmdlets write.</summary>
    public static class ObjectFactory
    {
        public const string ServiceAccount = @"NT SERVICE\ADSync";
        public const string InProgress = "in-progress";

        public static RunHistory ToRunHistory(PlannedRun run, DateTime nowUtc)
        {
            bool complete = nowUtc >= run.EndUtc;
            string result = complete ? run.Result : InProgress;
            DateTime start = Utc(run.StartUtc);
            DateTime? end = complete ? Utc(run.EndUtc) : (DateTime?)null;
            bool isExport = run.RunProfileName == RunProfileNames.Export;
            bool isImport = run.RunProfileName.EndsWith("Import", StringComparison.Ordinal);
            return new RunHistory
            {
                RunHistoryId = run.RunHistoryId,
                ConnectorId = run.ConnectorId,
                ConnectorName = run.ConnectorName,
                RunProfileId = run.RunProfileId,
                RunProfileName = run.RunProfileName,
                RunNumber = run.RunNumber,
                Username = ServiceAccount,
                IsRunComplete = complete,
                Result = result,
                CurrentStepNumber = 1,
                TotalSteps = 1,
                StartDate = start,
                EndDate = end,
                RunStepResults = new List<RunStepResult> { StepCounts.For(run, complete, result, start, end) },
            };
        }

        public static Connector ToConnector(ConnectorData data)
        {
            return new Connector
            {
                Identifier = data.Identifier,
                Name = data.Name,
                Description = string.Empty,
                Type = data.IsEntra ? "Extensible2" : "AD",
                Subtype = data.IsEntra ? "Windows Azure Active Directory (Microsoft)" : string.Empty,
                Version = 1,
                CreationTime = Utc(data.CreationTime),
                LastModificationTime = Utc(data.CreationTime),
                RunProfiles = RunProfileNames.All
                    .Select(p => new RunProfile { Identifier = StableIds.RunProfile(data.Name, p), Name = p })
                    .ToList(),
            };
        }

        private static DateTime Utc(DateTime value) => value.Kind == DateTimeKind.Utc
            ? value
            : DateTime.SpecifyKind(value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value, DateTimeKind.Utc);
    }
}
