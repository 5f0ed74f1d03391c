using System;
using System.Management.Automation;

namespace IdLE.EntraConnect.Simulator.Engine
{
    /// <summary>The error records a real ADSync server produces, reproduced.</summary>
    public static class SimulatedErrors
    {
        public const string NoRightsMessage =
            "Retrieving the COM class factory for remote component with CLSID {835BEE60-8731-4159-8BFF-941301D76D05} from machine failed due to the following error: 80070005";

        private const string FakeStackTrace =
            "\r\n   at Microsoft.IdentityManagement.PowerShell.ObjectModel.SchedulerUtils.StartSyncCycle(SynchronizationPolicyType policyType, Boolean interactiveMode)" +
            "\r\n   at Microsoft.IdentityManagement.PowerShell.Cmdlet.StartADSyncSyncCycleCmdlet.ProcessRecord()";

        public static string BusyMessage(string connectorName) => "Connector: " + connectorName + " is busy.";

        /// <summary>Non-terminating: a cycle is already running.</summary>
        public static ErrorRecord Busy(string connectorName)
        {
            var exception = new InvalidOperationException(BusyMessage(connectorName));
            return WithTypeAndStack(exception, ErrorCategory.InvalidOperation, connectorName);
        }

        /// <summary>Non-terminating: the scheduler is suspended (real text unverified; configurable).</summary>
        public static ErrorRecord Suspended(string message)
        {
            var exception = new InvalidOperationException(message);
            return WithTypeAndStack(exception, ErrorCategory.InvalidOperation, null);
        }

        /// <summary>Terminating: the caller lacks ADSync rights (COM E_ACCESSDENIED).</summary>
        public static ErrorRecord NoRights()
        {
            var exception = new UnauthorizedAccessException(NoRightsMessage);
            return new ErrorRecord(exception, "System.UnauthorizedAccessException", ErrorCategory.PermissionDenied, null);
        }

        /// <summary>Terminating: the ADSync module is not there.</summary>
        public static ErrorRecord CommandNotFound(string commandName)
        {
            string message = "The term '" + commandName + "' is not recognized as the name of a cmdlet, function, script file, or operable program. " +
                "Check the spelling of the name, or if a path was included, verify that the path is correct and try again.";
            var exception = new CommandNotFoundException(message);
            return new ErrorRecord(exception, "CommandNotFoundException", ErrorCategory.ObjectNotFound, commandName);
        }

        public static ErrorRecord ConnectorNotFound(string what)
        {
            var exception = new ArgumentException("Connector " + what + " could not be found.");
            return new ErrorRecord(exception, "System.ArgumentException", ErrorCategory.ObjectNotFound, what);
        }

        private static ErrorRecord WithTypeAndStack(Exception exception, ErrorCategory category, object? target)
        {
            string typeName = exception.GetType().FullName ?? exception.GetType().Name;
            return new ErrorRecord(exception, typeName, category, target)
            {
                ErrorDetails = new ErrorDetails(typeName + ": " + exception.Message + FakeStackTrace),
            };
        }
    }
}
