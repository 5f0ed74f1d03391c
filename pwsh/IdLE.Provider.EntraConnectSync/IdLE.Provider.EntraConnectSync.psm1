#Requires -Version 7.4
Set-StrictMode -Version Latest

# The compiled interop layer (RequiredAssemblies in the manifest: loaded once per process, by
# PowerShell, before this file runs) locates the native core under runtimes/<rid>/native/ on
# first use. Nothing is compiled at import time.

function New-IdleEntraConnectDirectorySyncProvider {
    <#
    .SYNOPSIS
    Creates an IdLE provider that triggers Entra Connect (ADSync) sync cycles and reports their state.

    .DESCRIPTION
    Returns a provider object for IdLE's DirectorySync capabilities. The provider runs ADSync
    commands on the Entra Connect server only through the AuthSession the host hands to each
    call; it never opens connections or asks for credentials itself.

    Methods (ScriptMethods, as IdLE expects):

    - GetCapabilities(): 'IdLE.DirectorySync.Trigger' and 'IdLE.DirectorySync.Status'.
    - StartSyncCycle(PolicyType, AuthSession): runs Start-ADSyncSyncCycle -PolicyType Delta or
      Initial (any casing) and returns Started, Message, PolicyType, AcceptedAtUtc and Details.
      Success means the server accepted the cycle, not that it finished.
    - GetSyncCycleState(AuthSession): runs Get-ADSyncScheduler and returns InProgress, State
      ('Idle', 'InProgress' or 'Unknown') and Details (a hashtable of the scheduler's fields,
      including StagingModeEnabled, SchedulerSuspended and NextSyncCycleStartTimeInUTC).
    - GetSyncCycleRuns(Since, AuthSession): runs Get-ADSyncRunProfileResult and returns the runs
      newer than Since. With Since = $null it only takes a reference (-NumberRequested 1) and
      returns it as Reference (RunHistoryId and StartDate of the newest entry); with a Reference
      from an earlier call (or a server UTC time) it reads the newest 50 entries
      (-NumberRequested 50 -RunStepDetails) and returns Runs (oldest first: ConnectorName,
      RunProfileName, Result, ResultClass, StartDate, EndDate in UTC, Counts with Adds, Updates,
      Deletes, ExportErrors, SyncErrors and DiscoveryErrors where the server gives them, and
      RunStepResults), Summary (per connector: worst result and counts), Reference (the newest
      entry now) and Truncated (more runs since Since than the 50 read). The step
      IdLE.Step.TriggerDirectorySync uses it when present, to report what the cycle did.

    The AuthSession must have an InvokeCommand(CommandName, Parameters) method that runs the named
    command with the hashtable of parameters on the Entra Connect server and returns its output.
    Errors the command writes without throwing (the server's "busy" error is such an error) are
    captured and classified, so they cannot pass as success.

    Failures are thrown as ErrorRecords with stable ErrorIds:
    IdLE.DirectorySync.InvalidArgument, IdLE.DirectorySync.AuthSessionInvalid,
    IdLE.DirectorySync.PermissionDenied, IdLE.DirectorySync.CycleBusy,
    IdLE.DirectorySync.ADSyncUnavailable, IdLE.DirectorySync.RemoteExecutionFailed,
    IdLE.DirectorySync.UnexpectedResponse, IdLE.DirectorySync.SchedulerSuspended,
    IdLE.DirectorySync.InternalError, IdLE.DirectorySync.ProviderDisposed (a call after Dispose())
    and IdLE.DirectorySync.ReentrantCall (the session called the provider again from inside its
    InvokeCommand). Transient ones carry Exception.Data['Idle.IsTransient']. Secrets are masked in
    every message: the session's own string values and credential patterns such as Password=...
    (docs/redaction.md).
    This function itself fails with IdLE.DirectorySync.NativeLibraryUnavailable (category
    ResourceUnavailable) when the native core for this platform is missing or cannot be loaded.

    .OUTPUTS
    System.Management.Automation.PSCustomObject (PSTypeName IdLE.Provider.EntraConnectSync)

    .EXAMPLE
    $provider = New-IdleEntraConnectDirectorySyncProvider
    $plan = New-IdlePlan -WorkflowPath ./joiner.psd1 -Request $request -Providers @{
        DirectorySync      = $provider
        AuthSessionBroker  = $broker
    }

    Registers the provider under the alias IdLE's DirectorySync steps use by default.

    .EXAMPLE
    $reference = $provider.GetSyncCycleRuns($null, $session).Reference
    $null = $provider.StartSyncCycle('Delta', $session)
    # ... once the cycle has finished:
    $provider.GetSyncCycleRuns($reference, $session).Summary

    Lists, per connector, how the runs since the trigger ended.

    .EXAMPLE
    $state = $provider.GetSyncCycleState($session)
    $state.State; $state.Details.NextSyncCycleStartTimeInUTC

    Reads the scheduler's state directly through a session object with InvokeCommand.

    .LINK
    https://github.com/idle-community/IdLE.DirectorySync.EntraConnect/blob/main/docs/provider.md
    #>
    [System.Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '',
        Justification = 'Creates an in-memory provider object; changes no system state.')]
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param()

    try {
        $native = [IdLE.EntraConnect.Interop.EntraConnectProvider]::new()
    }
    catch {
        $PSCmdlet.ThrowTerminatingError([IdLE.EntraConnect.Interop.ErrorRecords]::FromLoadFailure($_))
    }

    $provider = [pscustomobject]@{
        PSTypeName = 'IdLE.Provider.EntraConnectSync'
        Name       = 'EntraConnectDirectorySync'
        Native     = $native
    }

    # The methods are unbound copies of their script blocks (Ast.GetScriptBlock()): bound to this
    # module's session state, they would fail with a NullReferenceException once the runspace
    # that created the provider is closed, while the provider may still be used from another.
    $provider.PSObject.Members.Add([psscriptmethod]::new('GetCapabilities', ({
                return @('IdLE.DirectorySync.Trigger', 'IdLE.DirectorySync.Status')
            }).Ast.GetScriptBlock()))

    # IdLE passes the session only to methods whose param block names 'AuthSession' literally.
    $provider.PSObject.Members.Add([psscriptmethod]::new('StartSyncCycle', ({
                param(
                    [string] $PolicyType,
                    [object] $AuthSession
                )
                try {
                    return $this.Native.StartSyncCycle($PolicyType, $AuthSession)
                }
                catch {
                    throw [IdLE.EntraConnect.Interop.ErrorRecords]::Unwrap($_)
                }
            }).Ast.GetScriptBlock()))

    $provider.PSObject.Members.Add([psscriptmethod]::new('GetSyncCycleState', ({
                param(
                    [object] $AuthSession
                )
                try {
                    return $this.Native.GetSyncCycleState($AuthSession)
                }
                catch {
                    throw [IdLE.EntraConnect.Interop.ErrorRecords]::Unwrap($_)
                }
            }).Ast.GetScriptBlock()))

    # Optional for the step: a provider without it still works (no run results are reported).
    $provider.PSObject.Members.Add([psscriptmethod]::new('GetSyncCycleRuns', {
                param(
                    [object] $Since,
                    [object] $AuthSession
                )
                try {
                    return $this.Native.GetSyncCycleRuns($Since, $AuthSession)
                }
                catch {
                    throw [IdLE.EntraConnect.Interop.ErrorRecords]::Unwrap($_)
                }
            }))

    # Frees the native provider now; otherwise it is freed when the object is collected.
    $provider.PSObject.Members.Add([psscriptmethod]::new('Dispose', ({
                $this.Native.Dispose()
            }).Ast.GetScriptBlock()))

    return $provider
}

Export-ModuleMember -Function 'New-IdleEntraConnectDirectorySyncProvider'
