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

function Get-StepPackConflict {
    # Returns $null, or an ErrorRecord saying what to do when IdLE's own DirectorySync step pack
    # is loaded in this session (also as a nested module, as IdLE 0.9.0 loads it).
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
    $versions = $versions -join ', '
    $message = "IdLE's own step pack $($script:ConflictingStepPack) ($versions) is loaded in this session. It defines the same step type as IdLE.Steps.EntraConnectSync, $($script:StepType), and IdLE's planner refuses a step type defined by two loaded packs (DuplicateStepTypeMetadata). " +
        "Load one of the two packs per session: to use this one, do not import $($script:ConflictingStepPack) in the host (run 'Remove-Module $($script:ConflictingStepPack)' in this session; with IdLE 0.9.0, whose IdLE module loads it itself, use IdLE 0.9.1 or later). Workflows keep the step type $($script:StepType) unchanged. " +
        "To use IdLE's step instead, run 'Remove-Module IdLE.Steps.EntraConnectSync'."
    return [IdLE.EntraConnect.Interop.DirectorySyncException]::Of('StepPackConflict', $message).ErrorRecord
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
    $conflict = Get-StepPackConflict
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

function ConvertTo-DirectorySyncStepError {
    # An ErrorRecord for a classified failure (a failure object from the wait machine, or an
    # invalid With key found here).
    param(
        [Parameter(Mandatory)] [object] $Failure
    )
    return [IdLE.EntraConnect.Interop.DirectorySyncException]::FromFailure($Failure).ErrorRecord
}

function Get-WithProblem {
    # Returns $null when With is acceptable to this module, or a message naming the offending key.
    # Numeric ranges, the policy type and wait settings are checked by the native wait machine.
    param([object] $With)

    if ($null -eq $With -or $With -isnot [hashtable]) {
        return "Step.With must be a hashtable with at least AuthSessionName and PolicyType."
    }
    $schema = $script:StepMetadataCatalog[$script:StepType].WithSchema
    $allowed = @($schema.RequiredKeys) + @($schema.OptionalKeys)
    foreach ($key in $With.Keys) {
        if ($allowed -notcontains $key) {
            return "With.$([IdLE.EntraConnect.Interop.SafeText]::Echo($key)) is not a key of $($script:StepType). Allowed keys: $($allowed -join ', ')."
        }
    }
    $name = $With['AuthSessionName']
    if ($name -isnot [string] -or [string]::IsNullOrWhiteSpace($name)) {
        return "With.AuthSessionName is required: the name of the AuthSession the host's AuthSessionBroker hands out for the Entra Connect server."
    }
    # A NUL would cut a name short in any C string on the host's side: refused before any call.
    foreach ($textKey in 'AuthSessionName', 'PolicyType', 'Provider') {
        if ($With[$textKey] -is [string] -and $With[$textKey].Contains([char] 0)) {
            return "With.$textKey contains a NUL character (\0); remove it."
        }
    }
    if ($With.ContainsKey('PolicyType') -eq $false -or $null -eq $With['PolicyType']) {
        return "With.PolicyType is required: 'Delta' or 'Initial'."
    }
    if ($With.ContainsKey('Provider') -and ($With['Provider'] -isnot [string] -or [string]::IsNullOrWhiteSpace($With['Provider']))) {
        return "With.Provider must be the non-empty alias of a provider in the host's Providers hashtable (default 'DirectorySync')."
    }
    if ($With.ContainsKey('AuthSessionOptions') -and $null -ne $With['AuthSessionOptions']) {
        if ($With['AuthSessionOptions'] -isnot [hashtable]) {
            return "With.AuthSessionOptions must be a hashtable of data for the host's AuthSessionBroker."
        }
        $optionsProblem = [IdLE.EntraConnect.Interop.DataOnly]::Problem($With['AuthSessionOptions'])
        if ($null -ne $optionsProblem) {
            return "With.AuthSessionOptions must hold data only (no script blocks, script properties or script methods, no NUL characters), at most $([IdLE.EntraConnect.Interop.DataOnly]::MaxDepth) levels deep and $([IdLE.EntraConnect.Interop.DataOnly]::MaxValues) values; it $optionsProblem."
        }
    }
    foreach ($flag in 'Wait', 'WaitForRunningCycle', 'FailOnRunErrors') {
        if ($With.ContainsKey($flag) -and $With[$flag] -isnot [bool] -and $With[$flag] -isnot [switch]) {
            return "With.$flag must be `$true or `$false."
        }
    }
    return $null
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

function Get-ProviderObservation {
    # Calls one provider method and turns what happened into the wait machine's input: the one
    # result object (as Kind, under ResultKey), or a failure (as FailedKind; our provider's
    # failure keeps its class, so the machine reports its ErrorId). A stop, however PowerShell
    # wrapped it (a ScriptMethod stopped while it ran reaches us as 'Exception calling ...'),
    # stays a stop.
    param(
        [object] $Provider,
        [string] $Name,
        [object[]] $Arguments,
        [object] $AuthSession,
        [string] $Kind,
        [string] $ResultKey,
        [string] $FailedKind,
        [object] $AuthSessionOptions
    )
    try {
        $answer = @(Invoke-ProviderMethod -Provider $Provider -Name $Name -Arguments $Arguments -AuthSession $AuthSession)
    }
    catch {
        if ([IdLE.EntraConnect.Interop.ErrorRecords]::IsStop($_)) { throw [System.Management.Automation.PipelineStoppedException]::new() }
        # The session's and the options' values are masked in every text before it goes on.
        return @{ kind = $FailedKind; failure = [IdLE.EntraConnect.Interop.WaitMachine]::FailureOf($_, $AuthSession, $AuthSessionOptions) }
    }
    if ($answer.Count -eq 1 -and $null -ne $answer[0]) {
        return @{ kind = $Kind; $ResultKey = $answer[0] }
    }
    # Nothing, $null or several objects instead of one result.
    $what = if ($answer.Count -gt 1) { "$($answer.Count) objects" } else { 'nothing' }
    return @{ kind = $FailedKind; failure = @{ class = 'UnexpectedResponse'; message = "The provider's $Name returned $what; exactly one result object is expected." } }
}

function Write-StepEvent {
    param([object] $Context, [string] $StepName, [object] $StepEvent)
    # The sink's return value must never reach the step's output.
    $null = $Context.EventSink.WriteEvent([string] $StepEvent.type, [string] $StepEvent.message, $StepName, $StepEvent.data)
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
    $conflict = Get-StepPackConflict
    if ($null -ne $conflict) { $PSCmdlet.WriteWarning($conflict.Exception.Message) }

    $stepName = [string] $Step.Name
    $stepType = if ($Step.PSObject.Properties['Type'] -or ($Step -is [System.Collections.IDictionary] -and $Step.Contains('Type'))) { [string] $Step.Type } else { $script:StepType }
    $with = if ($Step -is [System.Collections.IDictionary]) { $Step['With'] } elseif ($Step.PSObject.Properties['With']) { $Step.With } else { $null }

    # Failures are thrown with 'throw', not $PSCmdlet.ThrowTerminatingError: that one stamps the
    # record with this call's InvocationInfo, whose BoundParameters (the context, With and its
    # AuthSessionOptions) a deep serialisation of the error would carry along, secrets included.
    $fail = {
        param([string] $Class, [string] $Message)
        # Exactly one DirectorySyncFailed event per failure, then the classified error (ErrorId,
        # category and transience are the core's for the class). Its message may quote user
        # input and host errors: one line, bounded, secrets masked.
        $exception = [IdLE.EntraConnect.Interop.DirectorySyncException]::Of($Class, [IdLE.EntraConnect.Interop.SafeText]::Scrub($Message, 2000, @($sessionOptions)))
        Write-StepEvent -Context $Context -StepName $stepName -StepEvent @{
            type    = 'DirectorySyncFailed'
            message = $exception.Message
            data    = @{ class = $exception.FailureClass; errorId = $exception.ErrorId; transient = $exception.IsTransient }
        }
        throw $exception.ErrorRecord
    }
    $invalid = {
        param([string] $Message)
        & $fail 'InvalidInput' "$($script:StepType) '$stepTitle': $Message"
    }
    # The step's name as messages echo it (a workflow author's text: one line, bounded).
    $stepTitle = [IdLE.EntraConnect.Interop.SafeText]::Echo($stepName)
    $sessionOptions = $null

    if ($with -is [hashtable]) {
        # Keys are read in any casing, whatever comparer the host's hashtable was built with.
        $normalized = [hashtable]::new([System.StringComparer]::OrdinalIgnoreCase)
        foreach ($key in $with.Keys) {
            if ($normalized.ContainsKey([string] $key)) {
                & $invalid "Step.With has the key '$([IdLE.EntraConnect.Interop.SafeText]::Echo($key))' more than once, in different casings."
            }
            $normalized[[string] $key] = $with[$key]
        }
        $with = $normalized
    }
    $problem = Get-WithProblem -With $with
    if ($null -ne $problem) { & $invalid $problem }

    $alias = if ($with.ContainsKey('Provider')) { [string] $with['Provider'] } else { 'DirectorySync' }
    $providers = $Context.Providers
    $provider = if ($providers -is [System.Collections.IDictionary] -and $providers.Contains($alias)) { $providers[$alias] } else { $null }
    if ($null -eq $provider) {
        $shownAlias = [IdLE.EntraConnect.Interop.SafeText]::Echo($alias)
        & $invalid "With.Provider: the host supplied no provider under the alias '$shownAlias'. Add one to the Providers hashtable (e.g. `$providers['$shownAlias'] = New-IdleEntraConnectDirectorySyncProvider) or set With.Provider to the alias you use."
    }
    foreach ($methodName in 'StartSyncCycle', 'GetSyncCycleState') {
        if ($null -eq $provider.PSObject.Methods[$methodName]) {
            & $invalid "The provider '$([IdLE.EntraConnect.Interop.SafeText]::Echo($alias))' has no method '$methodName'; a directory sync provider must implement StartSyncCycle and GetSyncCycleState."
        }
    }
    # Optional: without it the wait works as before, and no run results are reported.
    $readsRuns = $null -ne $provider.PSObject.Methods['GetSyncCycleRuns']

    # Everything the native machine validates (PolicyType, timings) is checked before any remote work.
    $configuration = @{ policyType = $with['PolicyType']; runHistory = $readsRuns }
    $keys = @{ Wait = 'wait'; TimeoutSeconds = 'timeoutSeconds'; PollIntervalSeconds = 'pollIntervalSeconds'; StartGraceSeconds = 'startGraceSeconds'; WaitForRunningCycle = 'waitForRunningCycle'; FailOnRunErrors = 'failOnRunErrors'; ComputerName = 'computerName' }
    foreach ($key in $keys.Keys) {
        if ($with.ContainsKey($key)) { $configuration[$keys[$key]] = $with[$key] }
    }
    try {
        $machine = [IdLE.EntraConnect.Interop.WaitMachine]::new($configuration)
    }
    catch {
        $classified = [IdLE.EntraConnect.Interop.ErrorRecords]::FindClassified($_)
        if ($null -eq $classified) { throw }
        & $invalid $classified.Message
    }

    $sessionOptions = if ($with.ContainsKey('AuthSessionOptions')) { $with['AuthSessionOptions'] } else { $null }
    try {
        $session = $Context.AcquireAuthSession([string] $with['AuthSessionName'], $sessionOptions)
    }
    catch {
        $machine.Dispose()
        if ([IdLE.EntraConnect.Interop.ErrorRecords]::IsStop($_)) { throw [System.Management.Automation.PipelineStoppedException]::new() }
        & $fail 'AuthSessionUnavailable' "$($script:StepType) '$stepTitle': the host could not provide the AuthSession '$([IdLE.EntraConnect.Interop.SafeText]::Echo($with['AuthSessionName']))': $([IdLE.EntraConnect.Interop.SafeText]::Scrub($_.Exception.Message, 1000, @($sessionOptions)))"
    }
    # The canonical spelling the core validated, passed on to any provider as it is.
    $policyType = $machine.PolicyType
    # With.ComputerName (validated by the machine above) selects the next contract's call shape.
    $serverArguments = if ($with.ContainsKey('ComputerName') -and $null -ne $with['ComputerName']) { @(([string] $with['ComputerName']).Trim()) } else { @() }
    $finished = $false
    $progressStatus = $null
    $progressAt = [uint64] 0
    try {
        $decision = $machine.Next(@{ kind = 'start' })
        while ($true) {
            # A failure the provider raised keeps its class (e.g. AuthSessionInvalid) through the
            # machine, so the event and the error carry its ErrorId without any matching here.
            foreach ($stepEvent in @($decision.events)) {
                if ($null -ne $stepEvent) { Write-StepEvent -Context $Context -StepName $stepName -StepEvent $stepEvent }
            }
            switch ([string] $decision.action) {
                'done' {
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
                'fail' {
                    $finished = $true
                    throw (ConvertTo-DirectorySyncStepError -Failure $decision.failure)
                }
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

            $call = if ([string] $decision.action -eq 'trigger') {
                Get-ProviderObservation -Provider $provider -Name 'StartSyncCycle' -Arguments (@($policyType) + $serverArguments) -AuthSession $session `
                    -Kind 'triggered' -ResultKey 'result' -FailedKind 'triggerFailed' -AuthSessionOptions $sessionOptions
            }
            elseif ([string] $decision.action -eq 'readRuns') {
                # The run history since the machine's reference (none: take the reference).
                Get-ProviderObservation -Provider $provider -Name 'GetSyncCycleRuns' -Arguments (@(, $decision.since) + $serverArguments) -AuthSession $session `
                    -Kind 'runs' -ResultKey 'runs' -FailedKind 'runsFailed' -AuthSessionOptions $sessionOptions
            }
            else {
                # 'poll' and 'readState': read the state through the provider.
                Get-ProviderObservation -Provider $provider -Name 'GetSyncCycleState' -Arguments $serverArguments -AuthSession $session `
                    -Kind 'state' -ResultKey 'state' -FailedKind 'pollFailed' -AuthSessionOptions $sessionOptions
            }
            $decision = $machine.Next($call)
        }
    }
    catch {
        # The step's own classified failure travels on as it is; a stop, however wrapped (a host
        # EventSink's ScriptMethod wraps it too), travels on as a stop.
        if ($finished) { throw }
        if ([IdLE.EntraConnect.Interop.ErrorRecords]::IsStop($_)) { throw [System.Management.Automation.PipelineStoppedException]::new() }
        # Anything else (a host EventSink that throws, a provider answer too large to pass on)
        # is no cancellation: the step fails once, as an internal error naming the cause.
        $finished = $true
        $exception = [IdLE.EntraConnect.Interop.DirectorySyncException]::Of('Internal', "$($script:StepType) '$stepTitle' failed unexpectedly: $([IdLE.EntraConnect.Interop.SafeText]::Scrub($_.Exception.Message, 1000, @($session, $sessionOptions)))")
        $record = $exception.ErrorRecord
        try {
            Write-StepEvent -Context $Context -StepName $stepName -StepEvent @{
                type    = 'DirectorySyncFailed'
                message = $exception.Message
                data    = @{ class = $exception.FailureClass; errorId = $exception.ErrorId; transient = $exception.IsTransient }
            }
        }
        catch {
            $null = $_
        }
        throw $record
    }
    finally {
        if (-not $finished) {
            # Stopped (Ctrl+C or PowerShell.Stop()): let the machine report the cancellation.
            try {
                $cancelled = $machine.Next(@{ kind = 'cancel' })
                foreach ($stepEvent in @($cancelled.events)) {
                    if ($null -ne $stepEvent) { Write-StepEvent -Context $Context -StepName $stepName -StepEvent $stepEvent }
                }
            }
            catch {
                $null = $_
            }
        }
        $done = [System.Management.Automation.ProgressRecord]::new($script:ProgressActivityId, "Entra Connect $policyType sync", 'Done')
        $done.RecordType = [System.Management.Automation.ProgressRecordType]::Completed
        try { $PSCmdlet.WriteProgress($done) } catch { $null = $_ }
        $machine.Dispose()
    }
}

# Importing this pack beside IdLE's own DirectorySync pack would only fail later, at planning.
$importConflict = Get-StepPackConflict
if ($null -ne $importConflict) { throw $importConflict }

Export-ModuleMember -Function 'Invoke-IdleStepTriggerDirectorySync', 'Get-IdleStepMetadataCatalog'
