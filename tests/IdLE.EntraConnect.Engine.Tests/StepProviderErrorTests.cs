using System.Linq;
using Xunit;

namespace IdLE.EntraConnect.Engine.Tests;

/// <summary>Errors our provider classifies keep their own ErrorId when they fail the step.</summary>
public class StepProviderErrorTests
{
    [Theory]
    [InlineData("@{}", "IdLE.DirectorySync.AuthSessionInvalid")]
    [InlineData("(New-TestSession -Handlers @{ 'Start-ADSyncSyncCycle' = { throw [System.UnauthorizedAccessException]::new('Retrieving the COM class factory for remote component with CLSID {835BEE60-8731-4159-8BFF-941301D76D05} from machine failed due to the following error: 80070005') } })", "IdLE.DirectorySync.PermissionDenied")]
    public void The_provider_error_id_survives_the_step(string session, string errorId)
    {
        using var engine = new Engine(importSteps: true);
        engine.Run($". '{Paths.Script("RemotingSessions.ps1")}'");
        var r = engine.Run($@"
            $ctx = New-TestContext -Session ({session}) -Providers @{{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider }}
            try {{
                Invoke-IdleStepTriggerDirectorySync -Context $ctx -Step @{{ Name = 'Sync'; Type = 'IdLE.Step.TriggerDirectorySync'; With = @{{ AuthSessionName = 'x'; PolicyType = 'Delta'; Wait = $true }} }}
                'no error'
            }}
            catch {{
                $_.FullyQualifiedErrorId
                $_.Exception.Message
            }}
            $failed = @($ctx.Events | Where-Object {{ $_.Type -eq 'DirectorySyncFailed' }})
            $failed.Count
            $failed[0].Data['errorId']").Select(o => o.BaseObject).ToArray();
        Assert.StartsWith(errorId, (string)r[0]);
        Assert.Equal(1, r[2]);
        // The event names the same ErrorId as the error.
        Assert.Equal(errorId, r[3]);
    }
}
