#Requires -Version 7.4
Set-StrictMode -Version Latest

# The catalog is data: parsed by the provider's interop assembly (a RequiredModule), never executed.
$script:StepMetadataCatalog = [IdLE.EntraConnect.Interop.DataFile]::Read(
    [System.IO.Path]::Combine($PSScriptRoot, 'StepMetadataCatalog.psd1'))

$script:StepType = 'IdLE.Step.TriggerDirectorySync'
$script:ProgressActivityId = 0x1D1E

function Get-IdleStepMetadataCatalog {
    <#
    .SYNOPSIS
    Returns the metadata of the steps in this pack, keyed by step type.

    .DESCRIPTION
    IdLE discovers step packs by module name (IdLE.Steps.*) and calls this function while
    planning. Each entry gives the capabilities the step needs from the host's providers and the
    keys its With block accepts. The data comes from StepMetadataCatalog.psd1.

    .OUTPUTS
    System.Collections.Hashtable

    .EXAMPLE
    (Get-IdleStepMetadataCatalog)['IdLE.Step.TriggerDirectorySync'].WithSchema.RequiredKeys

    Lists the keys a workflow must set for the step.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param()

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

function Test-DataOnly {
    # True when a value holds only data: no script blocks anywhere inside (AuthSessionOptions are
    # handed to the host's broker, and code there would run with the host's rights).
    param([object] $Value, [int] $Depth = 0)
    if ($null -eq $Value) { return $true }
    if ($Depth -gt 16) { return $false }
    if ($Value -is [scriptblock]) { return $false }
    $isBag = $Value.PSObject.BaseObject -is [System.Management.Automation.PSCustomObject]
    if ($isBag -or $Value -is [System.Collections.IDictionary]) {
        # A script property or method attached to a table or a property bag is code.
        foreach ($member in $Value.PSObject.Members) {
            if ($member -is [System.Management.Automation.PSScriptProperty] -or $member -is [System.Management.Automation.PSScriptMethod]) { return $false }
        }
    }
    if ($Value -is [System.Collections.IDictionary]) {
        foreach ($key in $Value.Keys) {
            if (-not (Test-DataOnly -Value $key -Depth ($Depth + 1))) { return $false }
            if (-not (Test-DataOnly -Value $Value[$key] -Depth ($Depth + 1))) { return $false }
        }
        return $true
    }
    if ($Value -is [System.Collections.IEnumerable] -and $Value -isnot [string]) {
        foreach ($item in $Value) {
            if (-not (Test-DataOnly -Value $item -Depth ($Depth + 1))) { return $false }
        }
    }
    if ($isBag) {
        # Only note properties, each holding data.
        foreach ($property in $Value.PSObject.Properties) {
            if ($property -isnot [System.Management.Automation.PSNoteProperty]) { return $false }
            if (-not (Test-DataOnly -Value $property.Value -Depth ($Depth + 1))) { return $false }
        }
    }
    return $true
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
            return "With.$key is not a key of $($script:StepType). Allowed keys: $($allowed -join ', ')."
        }
    }
    $name = $With['AuthSessionName']
    if ($name -isnot [string] -or [string]::IsNullOrWhiteSpace($name)) {
        return "With.AuthSessionName is required: the name of the AuthSession the host's AuthSessionBroker hands out for the Entra Connect server."
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
        if (-not (Test-DataOnly -Value $With['AuthSessionOptions'])) {
            return "With.AuthSessionOptions must hold data only, at most 16 levels deep: script blocks, script properties and script methods are not allowed."
        }
    }
    foreach ($flag in 'Wait', 'WaitForRunningCycle') {
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
    # result object (as Kind, under ResultKey), or a failure (as FailedKind), with our provider's
    # classified exception when it raised one. A stop, however PowerShell wrapped it (a
    # ScriptMethod stopped while it ran reaches us as 'Exception calling ...'), stays a stop.
    param(
        [object] $Provider,
        [string] $Name,
        [object[]] $Arguments,
        [object] $AuthSession,
        [string] $Kind,
        [string] $ResultKey,
        [string] $FailedKind
    )
    try {
        $answer = @(Invoke-ProviderMethod -Provider $Provider -Name $Name -Arguments $Arguments -AuthSession $AuthSession)
    }
    catch {
        if ([IdLE.EntraConnect.Interop.ErrorRecords]::IsStop($_)) { throw [System.Management.Automation.PipelineStoppedException]::new() }
        return @{
            Input      = @{ kind = $FailedKind; failure = [IdLE.EntraConnect.Interop.WaitMachine]::FailureOf($_, $AuthSession) }
            Classified = [IdLE.EntraConnect.Interop.ErrorRecords]::FindClassified($_)
        }
    }
    if ($answer.Count -eq 1 -and $null -ne $answer[0]) {
        return @{ Input = @{ kind = $Kind; $ResultKey = $answer[0] }; Classified = $null }
    }
    # Nothing, $null or several objects instead of one result.
    $what = if ($answer.Count -gt 1) { "$($answer.Count) objects" } else { 'nothing' }
    return @{
        Input      = @{ kind = $FailedKind; failure = @{ class = 'UnexpectedResponse'; message = "The provider's $Name returned $what; exactly one result object is expected." } }
        Classified = $null
    }
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
    - AuthSessionOptions: a data-only hashtable passed to the host's AuthSessionBroker.
    - ComputerName: the Entra Connect server's host name. When given, the provider is called in
      the shape of IdLE's next contract, StartSyncCycle(PolicyType, ComputerName, AuthSession) and
      GetSyncCycleState(ComputerName, AuthSession) (the session may then be a PSCredential the
      provider connects with); when absent, in IdLE 0.9's shape, as before. Not blank, at most
      255 characters, no spaces or control characters.

    Events (through the context's EventSink): DirectorySyncTriggered, DirectorySyncWaiting,
    DirectorySyncPoll, DirectorySyncCompleted, DirectorySyncFailed. Event data never contains the
    session or its options.

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

    $stepName = [string] $Step.Name
    $stepType = if ($Step.PSObject.Properties['Type'] -or ($Step -is [System.Collections.IDictionary] -and $Step.Contains('Type'))) { [string] $Step.Type } else { $script:StepType }
    $with = if ($Step -is [System.Collections.IDictionary]) { $Step['With'] } elseif ($Step.PSObject.Properties['With']) { $Step.With } else { $null }

    $fail = {
        param([object] $Failure)
        # Exactly one DirectorySyncFailed event per failure, then the classified error.
        $record = ConvertTo-DirectorySyncStepError -Failure $Failure
        Write-StepEvent -Context $Context -StepName $stepName -StepEvent @{
            type    = 'DirectorySyncFailed'
            message = $record.Exception.Message
            data    = @{ class = $Failure.class; errorId = $record.FullyQualifiedErrorId; transient = [bool] $Failure.transient }
        }
        $PSCmdlet.ThrowTerminatingError($record)
    }
    $invalid = {
        param([string] $Message)
        & $fail @{ class = 'InvalidInput'; errorId = 'IdLE.DirectorySync.InvalidArgument'; category = 'InvalidArgument'; transient = $false; message = "$($script:StepType) '$stepName': $Message" }
    }

    if ($with -is [hashtable]) {
        # Keys are read in any casing, whatever comparer the host's hashtable was built with.
        $normalized = [hashtable]::new([System.StringComparer]::OrdinalIgnoreCase)
        foreach ($key in $with.Keys) {
            if ($normalized.ContainsKey([string] $key)) {
                & $invalid "Step.With has the key '$key' more than once, in different casings."
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
        & $invalid "With.Provider: the host supplied no provider under the alias '$alias'. Add one to the Providers hashtable (e.g. `$providers['$alias'] = New-IdleEntraConnectDirectorySyncProvider) or set With.Provider to the alias you use."
    }
    foreach ($methodName in 'StartSyncCycle', 'GetSyncCycleState') {
        if ($null -eq $provider.PSObject.Methods[$methodName]) {
            & $invalid "The provider '$alias' has no method '$methodName'; a directory sync provider must implement StartSyncCycle and GetSyncCycleState."
        }
    }

    # Everything the native machine validates (PolicyType, timings) is checked before any remote work.
    $configuration = @{ policyType = $with['PolicyType'] }
    $keys = @{ Wait = 'wait'; TimeoutSeconds = 'timeoutSeconds'; PollIntervalSeconds = 'pollIntervalSeconds'; StartGraceSeconds = 'startGraceSeconds'; WaitForRunningCycle = 'waitForRunningCycle'; ComputerName = 'computerName' }
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
        & $fail @{
            class = 'RemoteExecutionFailed'; errorId = 'IdLE.DirectorySync.RemoteExecutionFailed'; category = 'ConnectionError'; transient = $true
            message = "$($script:StepType) '$stepName': the host could not provide the AuthSession '$($with['AuthSessionName'])': $($_.Exception.Message)"
        }
    }
    # Validated by the machine above: pass the canonical spelling on to any provider.
    $policyType = if (([string] $with['PolicyType']).Trim() -ieq 'Initial') { 'Initial' } else { 'Delta' }
    # With.ComputerName (validated by the machine above) selects the next contract's call shape.
    $serverArguments = if ($with.ContainsKey('ComputerName') -and $null -ne $with['ComputerName']) { @(([string] $with['ComputerName']).Trim()) } else { @() }
    $finished = $false
    $lastClassified = $null
    try {
        $decision = $machine.Next(@{ kind = 'start' })
        while ($true) {
            # A failure the provider raised and the machine passed through keeps the provider's
            # own ErrorId (e.g. AuthSessionInvalid, which has no class of its own), in the event
            # as in the error.
            $passedThrough = if ([string] $decision.action -eq 'fail' -and $null -ne $lastClassified -and $lastClassified.Message -eq [string] $decision.failure.message) {
                $lastClassified
            }
            else {
                $null
            }
            foreach ($stepEvent in @($decision.events)) {
                if ($null -eq $stepEvent) { continue }
                if ($null -ne $passedThrough -and [string] $stepEvent.type -eq 'DirectorySyncFailed') {
                    $stepEvent.data['errorId'] = $passedThrough.ErrorId
                }
                Write-StepEvent -Context $Context -StepName $stepName -StepEvent $stepEvent
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
                    $record = if ($null -ne $passedThrough) {
                        $passedThrough.ErrorRecord
                    }
                    else {
                        ConvertTo-DirectorySyncStepError -Failure $decision.failure
                    }
                    $PSCmdlet.ThrowTerminatingError($record)
                }
            }

            # Sleep as told, in short slices so that stopping the pipeline ends the wait promptly.
            $deadline = [IdLE.EntraConnect.Interop.WaitMachine]::NowMs + [uint64] $decision.afterMs
            while ($true) {
                if ($PSCmdlet.Stopping) { throw [System.Management.Automation.PipelineStoppedException]::new() }
                $now = [IdLE.EntraConnect.Interop.WaitMachine]::NowMs
                if ($now -ge $deadline) { break }
                if ($null -ne $decision.progress) {
                    $progress = [System.Management.Automation.ProgressRecord]::new($script:ProgressActivityId, "Entra Connect $policyType sync", [string] $decision.progress.status)
                    $progress.PercentComplete = [int] $decision.progress.percent
                    $progress.SecondsRemaining = [int] $decision.progress.secondsRemaining
                    $PSCmdlet.WriteProgress($progress)
                }
                [System.Threading.Thread]::Sleep([int] [System.Math]::Min(200, $deadline - $now))
            }

            $call = if ([string] $decision.action -eq 'trigger') {
                Get-ProviderObservation -Provider $provider -Name 'StartSyncCycle' -Arguments (@($policyType) + $serverArguments) -AuthSession $session `
                    -Kind 'triggered' -ResultKey 'result' -FailedKind 'triggerFailed'
            }
            else {
                # 'poll' and 'readState': read the state through the provider.
                Get-ProviderObservation -Provider $provider -Name 'GetSyncCycleState' -Arguments $serverArguments -AuthSession $session `
                    -Kind 'state' -ResultKey 'state' -FailedKind 'pollFailed'
            }
            $lastClassified = $call.Classified

            $decision = $machine.Next($call.Input)
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
        $record = ConvertTo-DirectorySyncStepError -Failure @{
            class = 'Internal'; errorId = 'IdLE.DirectorySync.InternalError'; category = 'NotSpecified'; transient = $false
            message = "$($script:StepType) '$stepName' failed unexpectedly: $($_.Exception.Message)"
        }
        try {
            Write-StepEvent -Context $Context -StepName $stepName -StepEvent @{
                type    = 'DirectorySyncFailed'
                message = $record.Exception.Message
                data    = @{ class = 'Internal'; errorId = $record.FullyQualifiedErrorId; transient = $false }
            }
        }
        catch {
            $null = $_
        }
        $PSCmdlet.ThrowTerminatingError($record)
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

Export-ModuleMember -Function 'Invoke-IdleStepTriggerDirectorySync', 'Get-IdleStepMetadataCatalog'
