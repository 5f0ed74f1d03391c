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
    Returns a provider object for IdLE's DirectorySync capabilities. It serves both generations
    of IdLE's DirectorySync contract from one object:

    - IdLE 0.9: StartSyncCycle(PolicyType, AuthSession) and GetSyncCycleState(AuthSession).
    - IdLE's next contract: StartSyncCycle(PolicyType, ComputerName, AuthSession) and
      GetSyncCycleState(ComputerName, AuthSession).

    The number of arguments tells them apart (two or three for StartSyncCycle, one or two for
    GetSyncCycleState); the session is always last and its parameter is named AuthSession, so
    both generations of the engine pass it. Errors name the shape the call seemed to use.

    Methods (ScriptMethods, as IdLE expects):

    - GetCapabilities(): 'IdLE.DirectorySync.Trigger' and 'IdLE.DirectorySync.Status'.
    - StartSyncCycle(PolicyType, [ComputerName,] AuthSession): runs Start-ADSyncSyncCycle -PolicyType Delta or Initial (any casing)
      and returns Started, Message, PolicyType, AcceptedAtUtc and Details. Success means the
      server accepted the cycle, not that it finished.
    - GetSyncCycleState([ComputerName,] AuthSession): runs Get-ADSyncScheduler and returns InProgress, State ('Idle',
      'InProgress' or 'Unknown') and Details (a hashtable of the scheduler's fields, including
      StagingModeEnabled, SchedulerSuspended and NextSyncCycleStartTimeInUTC).
    - GetSyncCycleRuns(Since, [ComputerName,] AuthSession): runs Get-ADSyncRunProfileResult and
      returns the runs newer than Since. With Since = $null it only takes a reference
      (-NumberRequested 1) and returns it as Reference (RunHistoryId and StartDate of the newest
      entry); with a Reference from an earlier call (or a server UTC time) it reads the newest 50
      entries (-NumberRequested 50 -RunStepDetails) and returns Runs (oldest first: ConnectorName,
      RunProfileName, Result, ResultClass, StartDate, EndDate in UTC, Counts with Adds, Updates,
      Deletes, ExportErrors, SyncErrors and DiscoveryErrors where the server gives them, and
      RunStepResults), Summary (per connector: worst result and counts), Reference (the newest
      entry now) and Truncated (more runs since Since than the 50 read). The step
      IdLE.Step.TriggerDirectorySync uses it when present, to report what the cycle did.
    - NewRemoteSession(ComputerName, Credential), InvokeRemoteCommand(Session, ScriptBlock,
      ArgumentList), RemoveRemoteSession(Session): how the provider opens, uses and removes a
      PSSession. A host (or a test) may replace them with Add-Member -Force.

    The AuthSession is one of three kinds:

    - An object with InvokeCommand(CommandName, Parameters) that runs the named command with the
      hashtable of parameters on the Entra Connect server and returns its output (IdLE 0.9's
      contract).
    - A PSSession to the server: the provider runs its commands in it and leaves it open (the
      host owns it).
    - A PSCredential, with the next contract's ComputerName: the provider opens a session with
      NewRemoteSession (New-PSSession with the RemoteSessionOptions), runs the call's commands in
      it and always removes it again, on success, on failure and when the pipeline is stopped.

    Through a PSSession the provider runs one fixed script block with the command name and its
    parameters as -ArgumentList data: it accepts only the four ADSync commands the provider uses
    and imports the ADSync module when its cmdlets are not loaded. Against a named endpoint (a JEA
    ConfigurationName) it sends the command alone, as such endpoints accept no script.

    Errors the command writes without throwing (the server's "busy" error is such an error) are
    captured and classified, so they cannot pass as success. Remoting failures (connection
    refused, authentication failed, unknown host, a session broken mid-wait, no PowerShell on
    the far side) are classified too.

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
    ResourceUnavailable) when the native core for this platform is missing or cannot be loaded,
    and with IdLE.DirectorySync.InvalidArgument when RemoteSessionOptions are not valid.

    .PARAMETER RemoteSessionOptions
    How the provider connects when the AuthSession is a PSCredential (data only; checked here):

    - Transport: 'WinRM' (default) or 'SSH'.
    - Port: the port, when not the transport's default.
    - OpenTimeoutSeconds: how long opening the session may take (SSH default 30).
    - WinRM only: UseSSL ($true for HTTPS), Authentication (Default, Basic, Negotiate,
      NegotiateWithImplicitCredential, Credssp, Digest, Kerberos), ConfigurationName (e.g. the
      JEA endpoint 'IdLE.EntraConnect'), ApplicationName, OperationTimeoutSeconds, SkipCACheck,
      SkipCNCheck, SkipRevocationCheck.
    - SSH only: UserName (default: the credential's user name; SSH remoting authenticates by
      key, the password is not used), KeyFilePath, Subsystem, SshOptions (a hashtable of ssh
      client options from a fixed list such as StrictHostKeyChecking, UserKnownHostsFile,
      ConnectTimeout; options that run programs, such as ProxyCommand, are refused).

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

    Reads the scheduler's state directly through a session object with InvokeCommand (IdLE 0.9's shape).

    .EXAMPLE
    $provider = New-IdleEntraConnectDirectorySyncProvider -RemoteSessionOptions @{ UseSSL = $true; ConfigurationName = 'IdLE.EntraConnect' }
    $provider.StartSyncCycle('Delta', 'sync01.contoso.com', $credential)

    IdLE's next contract: the provider opens a WinRM session over HTTPS to the JEA endpoint with
    the credential, triggers a delta cycle, and removes the session.

    .LINK
    https://github.com/idle-community/IdLE.DirectorySync.EntraConnect/blob/main/docs/provider.md
    #>
    [System.Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '',
        Justification = 'Creates an in-memory provider object; changes no system state.')]
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter()]
        [System.Collections.IDictionary] $RemoteSessionOptions
    )

    try {
        $native = [IdLE.EntraConnect.Interop.EntraConnectProvider]::new()
    }
    catch {
        $PSCmdlet.ThrowTerminatingError([IdLE.EntraConnect.Interop.ErrorRecords]::FromLoadFailure($_))
    }
    try {
        $native.SetRemoteSessionOptions($RemoteSessionOptions)
    }
    catch {
        $native.Dispose()
        $PSCmdlet.ThrowTerminatingError([IdLE.EntraConnect.Interop.ErrorRecords]::Unwrap($_))
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

    # IdLE passes the session only to methods whose param block names 'AuthSession' literally,
    # always last. IdLE 0.9 calls (PolicyType, AuthSession): the session then binds to
    # $ComputerName and $AuthSession stays unbound. The next contract calls (PolicyType,
    # ComputerName, AuthSession). Which one was used is decided by whether $AuthSession was bound.
    $provider.PSObject.Members.Add([psscriptmethod]::new('StartSyncCycle', ({
                param(
                    [string] $PolicyType,
                    [object] $ComputerName,
                    [object] $AuthSession
                )
                try {
                    return $this.Native.StartSyncCycle($this, $PolicyType, $ComputerName, $AuthSession, $PSBoundParameters.ContainsKey('AuthSession'))
                }
                catch {
                    throw [IdLE.EntraConnect.Interop.ErrorRecords]::Unwrap($_)
                }
            }).Ast.GetScriptBlock()))

    # IdLE 0.9 calls (AuthSession); the next contract calls (ComputerName, AuthSession).
    $provider.PSObject.Members.Add([psscriptmethod]::new('GetSyncCycleState', ({
                param(
                    [object] $ComputerName,
                    [object] $AuthSession
                )
                try {
                    return $this.Native.GetSyncCycleState($this, $ComputerName, $AuthSession, $PSBoundParameters.ContainsKey('AuthSession'))
                }
                catch {
                    throw [IdLE.EntraConnect.Interop.ErrorRecords]::Unwrap($_)
                }
            }).Ast.GetScriptBlock()))

    # Optional for the step: a provider without it still works (no run results are reported).
    # (Since, AuthSession) in IdLE 0.9's shape; (Since, ComputerName, AuthSession) in the next one.
    $provider.PSObject.Members.Add([psscriptmethod]::new('GetSyncCycleRuns', ({
                param(
                    [object] $Since,
                    [object] $ComputerName,
                    [object] $AuthSession
                )
                try {
                    return $this.Native.GetSyncCycleRuns($this, $Since, $ComputerName, $AuthSession, $PSBoundParameters.ContainsKey('AuthSession'))
                }
                catch {
                    throw [IdLE.EntraConnect.Interop.ErrorRecords]::Unwrap($_)
                }
            }).Ast.GetScriptBlock()))

    # Opens the session for a PSCredential AuthSession, with the factory's RemoteSessionOptions.
    $provider.PSObject.Members.Add([psscriptmethod]::new('NewRemoteSession', ({
                param(
                    [string] $ComputerName,
                    [pscredential] $Credential
                )
                $parameters = $this.Native.RemoteSessionOptions.NewSessionParameters($ComputerName, $Credential)
                New-PSSession @parameters
            }).Ast.GetScriptBlock()))

    # Runs the provider's fixed script block in a session; the arguments are data.
    $provider.PSObject.Members.Add([psscriptmethod]::new('InvokeRemoteCommand', ({
                param(
                    [object] $Session,
                    [scriptblock] $ScriptBlock,
                    [object[]] $ArgumentList
                )
                Invoke-Command -Session $Session -ScriptBlock $ScriptBlock -ArgumentList $ArgumentList -ErrorAction Continue
            }).Ast.GetScriptBlock()))

    # Removes a session the provider opened.
    $provider.PSObject.Members.Add([psscriptmethod]::new('RemoveRemoteSession', ({
                param(
                    [object] $Session
                )
                if ($Session -is [System.Management.Automation.Runspaces.PSSession]) {
                    Remove-PSSession -Session $Session -ErrorAction SilentlyContinue
                }
            }).Ast.GetScriptBlock()))

    # Frees the native provider now; otherwise it is freed when the object is collected.
    $provider.PSObject.Members.Add([psscriptmethod]::new('Dispose', ({
                $this.Native.Dispose()
            }).Ast.GetScriptBlock()))

    return $provider
}

Export-ModuleMember -Function 'New-IdleEntraConnectDirectorySyncProvider'
