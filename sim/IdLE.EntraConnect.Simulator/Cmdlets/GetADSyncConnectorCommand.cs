using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using IdLE.EntraConnect.Simulator.Engine;
using IdLE.EntraConnect.Simulator.State;
using Microsoft.IdentityManagement.PowerShell.ObjectModel;

namespace IdLE.EntraConnect.Simulator.Cmdlets
{
    /// <summary>Get-ADSyncConnector: all connectors, or one by -Name or -Identifier.</summary>
    [Cmdlet(VerbsCommon.Get, "ADSyncConnector", DefaultParameterSetName = "ByName")]
    [OutputType(typeof(Connector))]
    public sealed class GetADSyncConnectorCommand : ADSyncCmdletBase
    {
        [Parameter(Position = 0, ParameterSetName = "ByName")]
        public string? Name { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "ByIdentifier")]
        public Guid Identifier { get; set; }

        protected override string CommandName => "Get-ADSyncConnector";

        protected override CmdletOutcome Execute(SimulatorState state, DateTime nowUtc)
        {
            var outcome = new CmdletOutcome();
            List<ConnectorData> connectors = ServerEngine.ScenarioConnectors(state, nowUtc);
            IEnumerable<ConnectorData> selected = connectors;
            string? missing = null;
            if (ParameterSetName == "ByIdentifier")
            {
                selected = connectors.Where(c => c.Identifier == Identifier);
                missing = "with identifier '" + Identifier + "'";
            }
            else if (!string.IsNullOrEmpty(Name))
            {
                selected = connectors.Where(c => string.Equals(c.Name, Name, StringComparison.OrdinalIgnoreCase));
                missing = "'" + Name + "'";
            }

            List<Connector> found = selected.Select(ObjectFactory.ToConnector).ToList();
            if (found.Count == 0 && missing != null)
            {
                outcome.Errors.Add(SimulatedErrors.ConnectorNotFound(missing));
            }

            outcome.Output.AddRange(found);
            return outcome;
        }
    }
}
