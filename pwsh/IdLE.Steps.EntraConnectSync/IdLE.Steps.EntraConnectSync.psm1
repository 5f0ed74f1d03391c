#Requires -Version 7.4
Set-StrictMode -Version Latest

# The catalog is data: parsed by the provider's interop assembly (a RequiredModule), never executed.
$script:StepMetadataCatalog = [IdLE.EntraConnect.Interop.DataFile]::Read(
    [System.IO.Path]::Combine($PSScriptRoot, 'StepMetadataCatalog.psd1'))

$script:StepType = 'IdLE.Step.TriggerDirectorySync'
$script:ProgressActivityId = 0x1D1E
# IdLE's own step pack defines the same step type. IdLE's planner merges the catalogs of every
# loaded IdLE.Steps.* module and refuses a step type defined twice (DuplicateStepTypeMetadata),
# so a session uses this pack or IdLE's, never both (docs/install.md).
$script:ConflictingStepPack = 'IdLE.Steps.DirectorySync'

function Find-ConflictingStepPack {
    # Returns $null, or an ErrorRecord saying what to do when IdLE's own DirectorySync step pack
    # is loaded in this session (also as a nested module, as IdLE 0.9.0 loads it). This gathers
    # the loaded versions; the core words the failure.
    try {
        $loaded = @(Microsoft.PowerShell.Core\Get-Module -Name $script:ConflictingStepPack -All)
    }
    catch [System.Management.Automation.CommandNotFoundException] {
        # A runspace without Get-Module cannot have imported the other pack by name either.
        return $null
    }
    if ($loaded.Count -eq 0) { return $null }
    $versions = [System.Collections.Generic.List[string]]::new()
    foreach ($module in $loaded) { $versions.Add([string] $module.Version) }
    return [IdLE.EntraConnect.Interop.DirectorySyncException]::IdleStepPackLoaded($versions.ToArray()).ErrorRecord
}

function Get-IdleStepMetadataCatalog {
    <#
    .SYNOPSIS
    Returns the metadata of the steps in this pack, keyed by step type.

    .DESCRIPTION
    IdLE discovers step packs by module name (IdLE.Steps.*) and calls this function while
    planning. Each entry gives the capabilities the step needs from the host's providers and the
    keys its With block accepts. The data comes from StepMetadataCatalog.psd1.

    When IdLE's own step pack IdLE.Steps.DirectorySync is loaded in the same session (it defines
    the same step type), it fails with IdLE.DirectorySync.StepPackConflict, saying to remove one
    of the two packs: IdLE's planner would refuse the duplicate step type anyway.

    .OUTPUTS
    System.Collections.Hashtable

    .EXAMPLE
    (Get-IdleStepMetadataCatalog)['IdLE.Step.TriggerDirectorySync'].WithSchema.RequiredKeys

    Lists the keys a workflow must set for the step.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param()

    # IdLE's planner calls this while it merges the loaded packs' catalogs: with IdLE's own
    # DirectorySync pack loaded too, planning would fail on the duplicate step type anyway, so
    # fail here first with what to do.
    $conflict = Find-ConflictingStepPack
    if ($null -ne $conflict) { $PSCmdlet.ThrowTerminatingError($conflict) }

    # A deep copy, so a caller changing the result cannot change what later callers see.
    $copy = @{}
    foreach ($type in $script:StepMetadataCatalog.Keys) {
        $entry = $script:StepMetadataCatalog[$type]
        $copy[$type] = @{
            RequiredCapabilities = @($entry.RequiredCapabilities)
            WithSchema           = @{
                RequiredKeys = @($entry.WithSchema.RequiredKeys)
                OptionalKeys = @($entry.WithSchema.OptionalKeys)
            }
        }
    }
    return $copy
}

function Test-MethodTakesAuthSession {
    # IdLE passes the session only to methods that declare a parameter literally named AuthSession.
    param([System.Management.Automation.PSMethodInfo] $Method)
    if ($Method -is [System.Management.Automation.PSScriptMethod]) {
        $paramBlock = $Method.Script.Ast.ParamBlock
        if ($null -eq $paramBlock) { return $false }
        foreach ($parameter in $paramBlock.Parameters) {
            if ($parameter.Name.VariablePath.UserPath -eq 'AuthSession') { return $true }
        }
        return $false
    }
    foreach ($overload in $Method.OverloadDefinitions) {
        if ($overload -match '\bAuthSession\b') { return $true }
    }
    return $false
}

function Invoke-ProviderMethod {
    # Calls a provider method as IdLE does: positionally, with the session last when declared.
    param(
        [object] $Provider,
        [string] $Name,
        [object[]] $Arguments,
        [object] $AuthSession
    )
    $method = $Provider.PSObject.Methods[$Name]
    $callArguments = [System.Collections.Generic.List[object]]::new()
    foreach ($argument in $Arguments) { $callArguments.Add($argument) }
    if (Test-MethodTakesAuthSession -Method $method) {
        $callArguments.Add($AuthSession)
    }
    return $method.Invoke($callArguments.ToArray())
}

function Invoke-ProviderCall {
    # Calls the provider as the machine's decision says (its method, its arguments) and returns
    # the machine's input: every object the method returned (the machine judges them), or the
    # error classified (our provider's failure keeps its class; the session's and the options'
    # values are masked in every text before it goes on). A stop, however PowerShell wrapped it
    # (a ScriptMethod stopped while it ran reaches us as 'Exception calling ...'), stays a stop.
    param(
        [object] $Provider,
        [object] $Call,
        [object] $AuthSession,
        [object] $AuthSessionOptions
    )
    try {
        $answers = @(Invoke-ProviderMethod -Provider $Provider -Name ([string] $Call.method) -Arguments @($Call.arguments) -AuthSession $AuthSession)
    }
    catch {
        if ([IdLE.EntraConnect.Interop.ErrorRecords]::IsStop($_)) { throw [System.Management.Automation.PipelineStoppedException]::new() }
        return @{ kind = [string] $Call.failed; failure = [IdLE.EntraConnect.Interop.WaitMachine]::FailureOf($_, $AuthSession, $AuthSessionOptions) }
    }
    return @{ kind = [string] $Call.answer; answers = $answers }
}

function Write-DecisionEvent {
    # Writes the events of a decision, in order, through the host's EventSink.
    param([object] $Context, [string] $StepName, [object] $Decision)
    foreach ($stepEvent in @($Decision.events)) {
        if ($null -ne $stepEvent) {
            # The sink's return value must never reach the step's output.
            $null = $Context.EventSink.WriteEvent([string] $stepEvent.type, [string] $stepEvent.message, $StepName, $stepEvent.data)
        }
    }
}

function Invoke-IdleStepTriggerDirectorySync {
    <#
    .SYNOPSIS
    IdLE step handler: triggers an Entra Connect sync cycle and optionally waits until it has really finished.

    .DESCRIPTION
    Handler of the step type IdLE.Step.TriggerDirectorySync. It acquires the AuthSession named in
    With.AuthSessionName from the host, triggers a cycle through the provider (default alias
    'DirectorySync') and, with With.Wait = $true, polls the provider until the cycle is idle and
    there is evidence that a cycle ran since the trigger. An idle scheduler alone is not taken as
    proof: the server reports idle for a while after accepting a trigger.

    With keys:
    - AuthSessionName (required): the AuthSession to acquire from the host.
    - PolicyType (required): 'Delta' or 'Initial', any casing.
    - Provider: the provider alias in the host's Providers hashtable. Default 'DirectorySync'.
    - Wait: wait until the cycle has finished. Default $false.
    - TimeoutSeconds: the longest wait, 1 to 86400. Default 600.
    - PollIntervalSeconds: seconds between state reads, 1 to 3600 and at most TimeoutSeconds.
      Default 10 (lowered to TimeoutSeconds when that is smaller).
    - StartGraceSeconds: how long to wait for evidence that the cycle started before completing
      with a 'StartNotObserved' warning, 0 to TimeoutSeconds. Default 60 (lowered to
      TimeoutSeconds when that is smaller).
    - WaitForRunningCycle: when the server is busy with another cycle, wait for it to end and
      trigger once more (within TimeoutSeconds) instead of failing. Default $false.
    - FailOnRunErrors: with Wait, fail (ErrorId IdLE.DirectorySync.RunErrors, or
      IdLE.DirectorySync.RunStopped when a run stopped or could not start) instead of warning when
      a run of the cycle ended with a result other than 'success'. Default $false.
    - AuthSessionOptions: a data-only hashtable passed to the host's AuthSessionBroker.
    - ComputerName: the Entra Connect server's host name. When given, the provider is called in
      the shape of IdLE's next contract, StartSyncCycle(PolicyType, ComputerName, AuthSession) and
      GetSyncCycleState(ComputerName, AuthSession) (the session may then be a PSCredential the
      provider connects with); when absent, in IdLE 0.9's shape, as before. Not blank, at most
      255 characters, no spaces or control characters.

    Run outcome: with Wait and a provider that has GetSyncCycleRuns (this module's provider
    has), the step reads the run history since a reference taken before the trigger. The
    DirectorySyncCompleted event and the result's Data carry runSummary (per connector: its
    runs, results, result classes and the counts the server gives) and runHistory ('Read',
    'Unavailable', 'NotSupported', 'NotRead'); every run that did not end 'success' adds a
    warning (RunCompletedWithWarnings, RunCompletedWithErrors, RunStopped, RunNotStarted or
    RunResultUnknown). A run since the reference is also evidence that the cycle ran, so a cycle
    that starts and ends between two polls completes without waiting out StartGraceSeconds.

    Events (through the context's EventSink): DirectorySyncTriggered, DirectorySyncWaiting,
    DirectorySyncPoll, DirectorySyncCompleted, DirectorySyncFailed. Event data never contains the
    session or its options; texts from the server, the host and the session are masked
    (the session's and the options' string values, credential patterns such as Password=...) and
    bounded to one line (docs/redaction.md).

    Failures are thrown as ErrorRecords with stable ErrorIds (IdLE.DirectorySync.*), transient ones
    marked with Exception.Data['Idle.IsTransient'] so the engine may retry. Stopping the pipeline
    ends a wait within about a second.

    .PARAMETER Context
    The IdLE execution context: Providers, AcquireAuthSession() and EventSink.

    .PARAMETER Step
    The step: Name, Type and With.

    .OUTPUTS
    IdLE.StepResult

    .EXAMPLE
    @{
        Name = 'Sync to Entra ID'
        Type = 'IdLE.Step.TriggerDirectorySync'
        With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; TimeoutSeconds = 900 }
    }

    A workflow step that triggers a delta cycle and waits up to 15 minutes for it to finish.

    .LINK
    https://github.com/idle-community/IdLE.DirectorySync.EntraConnect/blob/main/docs/step.md
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)]
        [ValidateNotNull()]
        [object] $Context,

        [Parameter(Mandatory)]
        [ValidateNotNull()]
        [object] $Step
    )

    # Reached only when the host registered this handler by its module-qualified name: the run
    # works, but planning with both packs loaded does not.
    $conflict = Find-ConflictingStepPack
    if ($null -ne $conflict) { $PSCmdlet.WriteWarning($conflict.Exception.Message) }

    $stepName = [string] $Step.Name
    $stepType = if ($Step.PSObject.Properties['Type'] -or ($Step -is [System.Collections.IDictionary] -and $Step.Contains('Type'))) { [string] $Step.Type } else { $script:StepType }
    $with = if ($Step -is [System.Collections.IDictionary]) { $Step['With'] } elseif ($Step.PSObject.Properties['With']) { $Step.With } else { $null }

    # The core decides everything about With, the provider and the session: a refused With is
    # its first decision. Failures are thrown with 'throw', not $PSCmdlet.ThrowTerminatingError:
    # that one stamps the record with this call's InvocationInfo, whose BoundParameters (the
    # context, With and its AuthSessionOptions) a deep serialisation of the error would carry
    # along, secrets included.
    $machine = [IdLE.EntraConnect.Interop.WaitMachine]::ForStep($stepName, $with)
    # The canonical policy type the core validated, for the progress bar.
    $policyType = $machine.PolicyType
    $provider = $null
    $session = $null
    $sessionOptions = $null
    $finished = $false
    $progressStatus = $null
    $progressAt = [uint64] 0
    try {
        $decision = $machine.Next(@{ kind = 'start' })
        while ($true) {
            Write-DecisionEvent -Context $Context -StepName $stepName -Decision $decision
            $action = [string] $decision.action
            if ($action -eq 'done') {
                $finished = $true
                $result = $decision.result
                return [pscustomobject]@{
                    PSTypeName = 'IdLE.StepResult'
                    Name       = $stepName
                    Type       = $stepType
                    Status     = 'Completed'
                    Changed    = [bool] $result.started
                    Error      = $null
                    Data       = $result
                }
            }
            if ($action -eq 'fail') {
                $finished = $true
                throw $machine.FailureRecord
            }
            if ($action -eq 'findProvider') {
                $provider = [IdLE.EntraConnect.Interop.WaitMachine]::FindProvider($Context.Providers, [string] $decision.alias)
                $decision = $machine.Next([IdLE.EntraConnect.Interop.WaitMachine]::ProviderFacts($provider, @($decision.methods)))
                continue
            }
            if ($action -eq 'acquireSession') {
                $sessionOptions = if ($null -ne $decision.optionsKey) { $with[[string] $decision.optionsKey] } else { $null }
                try {
                    $session = $Context.AcquireAuthSession([string] $decision.name, $sessionOptions)
                    $answer = @{ kind = 'session' }
                }
                catch {
                    if ([IdLE.EntraConnect.Interop.ErrorRecords]::IsStop($_)) { throw [System.Management.Automation.PipelineStoppedException]::new() }
                    $answer = [IdLE.EntraConnect.Interop.WaitMachine]::SessionFailed($_, $sessionOptions)
                }
                $decision = $machine.Next($answer)
                continue
            }

            # Sleep as told, in short slices so that stopping the pipeline ends the wait promptly.
            # Progress (the machine's phase and the elapsed time, no percentage) is written when
            # the phase changes and at most about once a second in between.
            $decidedAt = [IdLE.EntraConnect.Interop.WaitMachine]::NowMs
            $deadline = $decidedAt + [uint64] $decision.afterMs
            while ($true) {
                if ($PSCmdlet.Stopping) { throw [System.Management.Automation.PipelineStoppedException]::new() }
                $now = [IdLE.EntraConnect.Interop.WaitMachine]::NowMs
                if ($now -ge $deadline) { break }
                if ($null -ne $decision.progress -and ($decision.progress.status -cne $progressStatus -or $now -ge $progressAt + 1000)) {
                    $progressStatus = [string] $decision.progress.status
                    $progressAt = $now
                    $elapsed = [timespan]::FromSeconds([System.Math]::Floor(([double] $decision.progress.elapsedMs + ($now - $decidedAt)) / 1000))
                    $progress = [System.Management.Automation.ProgressRecord]::new($script:ProgressActivityId, "Entra Connect $policyType sync", $progressStatus)
                    $progress.CurrentOperation = "Elapsed $elapsed"
                    $PSCmdlet.WriteProgress($progress)
                }
                [System.Threading.Thread]::Sleep([int] [System.Math]::Min(200, $deadline - $now))
            }

            # readState, trigger, poll, readRuns: the provider call the decision names.
            $decision = $machine.Next((Invoke-ProviderCall -Provider $provider -Call $decision.call -AuthSession $session -AuthSessionOptions $sessionOptions))
        }
    }
    catch {
        # The step's own classified failure travels on as it is; a stop, however wrapped (a host
        # EventSink's ScriptMethod wraps it too), travels on as a stop.
        if ($finished) { throw }
        if ([IdLE.EntraConnect.Interop.ErrorRecords]::IsStop($_)) { throw [System.Management.Automation.PipelineStoppedException]::new() }
        # Anything else (a host EventSink that throws, a provider answer too large to pass on)
        # is no cancellation: the machine decides the failure, written best effort, then thrown.
        $finished = $true
        $decision = $machine.Next([IdLE.EntraConnect.Interop.WaitMachine]::HostFailed($_, $session, $sessionOptions))
        try {
            Write-DecisionEvent -Context $Context -StepName $stepName -Decision $decision
        }
        catch {
            $null = $_
        }
        throw $machine.FailureRecord
    }
    finally {
        if (-not $finished) {
            # Stopped (Ctrl+C or PowerShell.Stop()): let the machine report the cancellation.
            try {
                Write-DecisionEvent -Context $Context -StepName $stepName -Decision $machine.Next(@{ kind = 'cancel' })
            }
            catch {
                $null = $_
            }
        }
        # Closes the progress bar, when one was shown (a refused With or a trigger alone shows none).
        if ($null -ne $progressStatus) {
            $done = [System.Management.Automation.ProgressRecord]::new($script:ProgressActivityId, "Entra Connect $policyType sync", 'Done')
            $done.RecordType = [System.Management.Automation.ProgressRecordType]::Completed
            try { $PSCmdlet.WriteProgress($done) } catch { $null = $_ }
        }
        $machine.Dispose()
    }
}

# Importing this pack beside IdLE's own DirectorySync pack would only fail later, at planning.
$importConflict = Find-ConflictingStepPack
if ($null -ne $importConflict) { throw $importConflict }

Export-ModuleMember -Function 'Invoke-IdleStepTriggerDirectorySync', 'Get-IdleStepMetadataCatalog'
