using System.Linq;
using Xunit;

namespace IdLE.EntraConnect.Simulator.Tests
{
    public sealed class ModuleShapeTests
    {
        [Fact]
        public void Manifest_is_valid_and_exports_the_ADSync_cmdlets_under_another_module_name()
        {
            using var s = new SimSession();
            var manifest = s.Single("Test-ModuleManifest -Path '" + BuiltArtifacts.ModuleManifest + "'");
            Assert.Equal("IdLE.EntraConnect.Simulator", manifest.Properties["Name"].Value);
            var commands = s.Run("(Get-Module IdLE.EntraConnect.Simulator).ExportedCmdlets.Keys").Select(o => o.ToString()).ToList();
            foreach (string name in new[] { "Start-ADSyncSyncCycle", "Get-ADSyncScheduler", "Get-ADSyncConnectorRunStatus", "Get-ADSyncRunProfileResult", "Get-ADSyncConnector", "Reset-ADSyncSimulator", "Set-ADSyncSimulatorScenario", "Set-ADSyncSimulatorClock" })
            {
                Assert.Contains(name, commands);
            }
        }

        [Fact]
        public void Start_has_the_real_parameters()
        {
            using var s = new SimSession();
            Assert.Equal("Microsoft.IdentityManagement.PowerShell.ObjectModel.SynchronizationPolicyType",
                s.Single("(Get-Command Start-ADSyncSyncCycle).Parameters['PolicyType'].ParameterType.FullName").ToString());
            Assert.Equal("System.Boolean", s.Single("(Get-Command Start-ADSyncSyncCycle).Parameters['InteractiveMode'].ParameterType.FullName").ToString());
            Assert.Equal("Unspecified,Delta,Initial", s.Single("[string]::Join(',', [enum]::GetNames([Microsoft.IdentityManagement.PowerShell.ObjectModel.SynchronizationPolicyType]))").ToString());
        }
    }
}
