#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# The step with scripted providers and odd hosts: the AuthSession parameter IdLE looks for,
# secrets in session options, stops (Ctrl+C) during a wait, providers and event sinks that
# misbehave, the way IdLE hosts write With, transient poll failures.

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $script:Modules = Initialize-IdleEcTestModules
    . "$PSScriptRoot/StepHelpers.ps1"
    $script:WaitWith = @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 30 }

    function Invoke-StepToStop {
        # Builds $global:StopContext with the Setup script in a runspace of its own (script
        # methods belong to the runspace that made them), runs the step over it there, and with
        # -StopAfterMs stops it then; otherwise expects it to stop by itself.
        param([string] $Setup, [int] $StopAfterMs = 0, [int] $PollIntervalSeconds = 1)
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        try {
            $prepare = [powershell]::Create(); $prepare.Runspace = $runspace
            $null = $prepare.AddScript(". '$PSScriptRoot/TestHelpers.ps1'; . '$PSScriptRoot/StepHelpers.ps1'; Import-Module IdLE.Steps.EntraConnectSync -ErrorAction Stop; $Setup").Invoke()
            @($prepare.Streams.Error) | Should -BeNullOrEmpty
            $prepare.Dispose()
            $ps = [powershell]::Create(); $ps.Runspace = $runspace
            $null = $ps.AddScript("Invoke-IdleStepTriggerDirectorySync -Context `$global:StopContext -Step @{ Name = 'Stopped'; Type = 'IdLE.Step.TriggerDirectorySync'; With = @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Wait = `$true; PollIntervalSeconds = $PollIntervalSeconds; TimeoutSeconds = 60 } }")
            $stopTook = $null
            if ($StopAfterMs -gt 0) {
                $pending = $ps.BeginInvoke()
                Start-Sleep -Milliseconds $StopAfterMs
                $pending.IsCompleted | Should -BeFalse -Because 'the step must not end before it is stopped'
                $watch = [System.Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $stopTook = $watch.Elapsed
                $output = @()
            }
            else {
                $output = @($ps.Invoke())
            }
            $end = [pscustomobject]@{ State = $ps.InvocationStateInfo.State; Output = $output; Errors = @($ps.Streams.Error); StopTook = $stopTook }
            $ps.Dispose()
            $read = [powershell]::Create(); $read.Runspace = $runspace
            $after = $read.AddScript('@{ Events = @($global:StepTestEvents); Calls = @(if ($global:StopContext.Providers["DirectorySync"].PSObject.Properties["Calls"]) { $global:StopContext.Providers["DirectorySync"].Calls | ForEach-Object Method }); Works = 1 + 1 }').Invoke()[0]
            $read.Dispose()
            $end | Add-Member -NotePropertyName Events -NotePropertyValue $after['Events']
            $end | Add-Member -NotePropertyName Calls -NotePropertyValue $after['Calls']
            $end | Add-Member -NotePropertyName RunspaceWorks -NotePropertyValue ($after['Works'] -eq 2)
            $end
        }
        finally {
            $runspace.Dispose()
        }
    }
}

Describe 'Invoke-IdleStepTriggerDirectorySync with scripted providers' {
    It 'passes the session to provider methods whose last parameter is AuthSession, and nothing more' {
        $provider = New-ScriptedProvider -States 'Idle', 'InProgress', 'InProgress', 'Idle'
        $run = Invoke-StepUnderTest -Context (New-StepTestContext -Providers @{ DirectorySync = $provider }) -With $WaitWith
        $run.Error | Should -BeNullOrEmpty
        $run.Output[0].Status | Should -Be 'Completed'
        $run.Output[0].Data.startObserved | Should -BeTrue
        $run.Types | Should -Be @('DirectorySyncTriggered', 'DirectorySyncWaiting', 'DirectorySyncPoll', 'DirectorySyncPoll', 'DirectorySyncPoll', 'DirectorySyncCompleted')
        @($provider.Calls | ForEach-Object Method) | Should -Be @('GetSyncCycleState', 'StartSyncCycle', 'GetSyncCycleState', 'GetSyncCycleState', 'GetSyncCycleState')
        @($provider.Calls | Where-Object { -not $_.GotSession }) | Should -BeNullOrEmpty
        @($provider.Calls | ForEach-Object ArgCount) | Should -Be @(0, 0, 0, 0, 0)
    }

    It 'passes no session to provider methods without an AuthSession parameter' {
        $provider = New-ScriptedProvider -NoAuthSession -States 'Idle', 'InProgress', 'Idle'
        $with = $WaitWith.Clone(); $with['PolicyType'] = 'Initial'
        $run = Invoke-StepUnderTest -Context (New-StepTestContext -Providers @{ DirectorySync = $provider }) -With $with
        $run.Error | Should -BeNullOrEmpty
        $run.Output[0].Status | Should -Be 'Completed'
        @($provider.Calls | ForEach-Object Method) | Should -Be @('GetSyncCycleState', 'StartSyncCycle', 'GetSyncCycleState', 'GetSyncCycleState')
        @($provider.Calls | ForEach-Object ArgCount) | Should -Be @(0, 0, 0, 0)
        $provider.Calls[1].PolicyType | Should -Be 'Initial'
    }

    It 'fails naming StartSyncCycle when the provider lacks it, before any session or call' {
        $provider = [pscustomobject]@{ Calls = [System.Collections.Generic.List[object]]::new() }
        $provider.PSObject.Members.Add([psscriptmethod]::new('GetSyncCycleState', { param($AuthSession) $this.Calls.Add('GetSyncCycleState'); @{ InProgress = $false; State = 'Idle'; Details = $null } }))
        $context = New-StepTestContext -Providers @{ DirectorySync = $provider }
        $run = Invoke-StepUnderTest -Context $context -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Wait = $true }
        $run.Error.FullyQualifiedErrorId | Should -BeLike 'IdLE.DirectorySync.InvalidArgument*'
        $run.Error.Exception.Message | Should -Match 'StartSyncCycle'
        $run.Types | Should -Be @('DirectorySyncFailed')
        $context.Acquired.Count | Should -Be 0
        $provider.Calls.Count | Should -Be 0
    }

    It 'fails naming the default alias DirectorySync when the host supplies only another' {
        $context = New-StepTestContext -Providers @{ Other = New-ScriptedProvider }
        $run = Invoke-StepUnderTest -Context $context -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta' }
        $run.Error.FullyQualifiedErrorId | Should -BeLike 'IdLE.DirectorySync.InvalidArgument*'
        $run.Error.Exception.Message | Should -Match "'DirectorySync'"
        $context.Acquired.Count | Should -Be 0
    }

    It 'passes options that are data in property bags to the broker' {
        $options = @{ Server = [pscustomobject]@{ Name = 'ec01'; Port = 5986; Since = [datetime]::UtcNow; Tags = @('a', 'b') } }
        $context = New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider }
        $run = Invoke-StepUnderTest -Context $context -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; AuthSessionOptions = $options }
        $run.Error | Should -BeNullOrEmpty
        $context.Acquired[0].Options['Server'].Name | Should -Be 'ec01'
    }

    It 'gives session options to the broker and never to an event or error (trigger: <Trigger>)' -ForEach @(
        @{ Trigger = 'ok' }
        @{ Trigger = 'throw:The server refused the call.' }
    ) {
        $secure = [System.Security.SecureString]::new()
        foreach ($c in 'S3cr3t!'.ToCharArray()) { $secure.AppendChar($c) }
        $options = @{ Credential = [pscredential]::new('alice', $secure); Password = 'P@ssw0rd-Do-Not-Leak' }
        $context = New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider -Triggers $Trigger }
        $run = Invoke-StepUnderTest -Context $context -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; AuthSessionOptions = $options }
        $texts = [System.Collections.Generic.List[string]]::new()
        foreach ($e in $run.Events) {
            $texts.Add($e.Message)
            $texts.Add([System.Management.Automation.PSSerializer]::Serialize($e.Data, 10))
        }
        if ($run.Error) {
            $texts.Add($run.Error.ToString())
            $texts.Add($run.Error.Exception.Message)
            $texts.Add([System.Management.Automation.PSSerializer]::Serialize($run.Error.Exception.Data, 10))
            if ($run.Error.ErrorDetails) { $texts.Add($run.Error.ErrorDetails.Message) }
        }
        $all = $texts -join [System.Environment]::NewLine
        ($null -ne $run.Error) | Should -Be ($Trigger -ne 'ok')
        $run.Events.Count | Should -BeGreaterOrEqual 1
        $all.Contains('P@ssw0rd-Do-Not-Leak') | Should -BeFalse
        $all.Contains('S3cr3t!') | Should -BeFalse
        $context.Acquired.Count | Should -Be 1
        $context.Acquired[0].Options['Password'] | Should -Be 'P@ssw0rd-Do-Not-Leak'
        $context.Acquired[0].Options['Credential'].UserName | Should -Be 'alice'
        $context.Acquired[0].Options['Credential'].GetNetworkCredential().Password | Should -Be 'S3cr3t!'
    }

    It 'never lets the session''s text reach an event or error through a provider that mistypes it' {
        # A provider declaring [hashtable] $AuthSession fails in PowerShell's conversion, whose
        # message quotes the session's text: @{Server=ec01; Token=...}.
        $session = [pscustomobject]@{ Server = 'ec01'; Token = 'tok-SECRET-123' }
        $session.PSObject.Methods.Add([psscriptmethod]::new('InvokeCommand', { param($CommandName, $Parameters) }))
        $provider = [pscustomobject]@{}
        $provider.PSObject.Methods.Add([psscriptmethod]::new('StartSyncCycle', { param([string] $PolicyType, [hashtable] $AuthSession) 'unreachable' }))
        $provider.PSObject.Methods.Add([psscriptmethod]::new('GetSyncCycleState', { param([hashtable] $AuthSession) 'unreachable' }))
        $with = $WaitWith.Clone(); $with['TimeoutSeconds'] = 5
        $run = Invoke-StepUnderTest -Context (New-StepTestContext -Providers @{ DirectorySync = $provider } -Session $session) -With $with
        $run.Error | Should -Not -BeNullOrEmpty
        $texts = [System.Collections.Generic.List[string]]::new()
        foreach ($e in $run.Events) {
            $texts.Add($e.Message)
            foreach ($v in $e.Data.Values) { $texts.Add([string] $v) }
        }
        $texts.Add($run.Error.Exception.Message)
        $texts.Add($run.Error.ToString())
        $texts.Add([string] $run.Error.Exception.RemoteMessage)
        $texts.Add([string] $run.Error.Exception.FailureJson)
        @($texts | Where-Object { $_ -like '*tok-SECRET-123*' }) | Should -BeNullOrEmpty
        @($texts | Where-Object { $_.Contains('[redacted]') }).Count | Should -BeGreaterThan 0 -Because 'the conversion error is quoted with the session redacted'
    }

    It 'a trigger answering <Said> is UnexpectedResponse' -ForEach @(
        @{ Trigger = 'null'; Said = 'nothing' }
        @{ Trigger = 'two'; Said = '2 objects' }
    ) {
        $run = Invoke-StepUnderTest -Context (New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider -Triggers $Trigger }) -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta' }
        $run.Error.FullyQualifiedErrorId | Should -BeLike 'IdLE.DirectorySync.UnexpectedResponse*'
        $run.Error.Exception.Message | Should -Match ([regex]::Escape("StartSyncCycle returned $Said"))
        $run.Types | Should -Be @('DirectorySyncFailed')
    }

    It 'a state answering other than one object is a failed poll that is retried (<States>)' -ForEach @(
        # Without a baseline the first read after the trigger is the reference: the idle read is confirmed.
        @{ States = @('null', 'InProgress', 'Idle'); Failed = @($false, $false, $false) }
        @{ States = @('Idle', 'two', 'InProgress', 'Idle'); Failed = @($true, $false, $false) }
    ) {
        $run = Invoke-StepUnderTest -Context (New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider -States $States }) -With $WaitWith
        $run.Error | Should -BeNullOrEmpty
        $run.Output[0].Status | Should -Be 'Completed'
        @($run.Events | Where-Object Type -EQ 'DirectorySyncPoll' | ForEach-Object { [bool] $_.Data['failed'] }) | Should -Be $Failed
    }

    It 'a transient poll failure is retried and the wait completes' {
        $provider = New-ScriptedProvider -States 'Idle', 'throw:WinRM transport hiccup', 'InProgress', 'Idle'
        $run = Invoke-StepUnderTest -Context (New-StepTestContext -Providers @{ DirectorySync = $provider }) -With $WaitWith
        $run.Error | Should -BeNullOrEmpty
        $run.Output[0].Status | Should -Be 'Completed'
        $run.Types | Should -Be @('DirectorySyncTriggered', 'DirectorySyncWaiting', 'DirectorySyncPoll', 'DirectorySyncPoll', 'DirectorySyncPoll', 'DirectorySyncCompleted')
        @($run.Events | Where-Object Type -EQ 'DirectorySyncPoll' | ForEach-Object { [bool] $_.Data['failed'] }) | Should -Be @($true, $false, $false)
    }

    It 'an event sink that throws fails the step as Internal, not as Cancelled' {
        $context = New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider -States 'Idle', 'InProgress', 'Idle' }
        $context.EventSink.PSObject.Methods.Remove('WriteEvent')
        $context.EventSink.PSObject.Methods.Add([psscriptmethod]::new('WriteEvent', {
                    param([string] $Type, [string] $Message, [string] $StepName, [hashtable] $Data)
                    if ($Type -eq 'DirectorySyncPoll') { throw 'sink down' }
                    $this.Events.Add([pscustomobject]@{ Type = $Type; Message = $Message; StepName = $StepName; Data = $Data })
                }))
        $run = Invoke-StepUnderTest -Context $context -With $WaitWith
        $run.Error.FullyQualifiedErrorId | Should -BeLike 'IdLE.DirectorySync.InternalError*'
        $run.Error.Exception.Message | Should -Match 'sink down'
        $run.Types | Should -Be @('DirectorySyncTriggered', 'DirectorySyncWaiting', 'DirectorySyncFailed')
        @($run.Events | Where-Object Type -EQ 'DirectorySyncFailed' | ForEach-Object { $_.Data['class'] }) | Should -Be @('Internal')
    }

    It 'reads switches and a case-sensitive With table as IdLE hosts write them, and refuses a key given twice' {
        $with = [hashtable]::new()
        $with['authsessionname'] = 'EC'; $with['policytype'] = 'delta'; $with['wait'] = [switch] $true
        $with['pollintervalseconds'] = 1; $with['timeoutseconds'] = 30
        $run = Invoke-StepUnderTest -Context (New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider -States 'Idle', 'InProgress', 'Idle' }) -With $with
        $run.Error | Should -BeNullOrEmpty
        [bool] $run.Output[0].Data.waited | Should -BeTrue
        @($run.Events | Where-Object Type -EQ 'DirectorySyncPoll').Count | Should -Be 2
        $twice = [hashtable]::new()
        $twice['AuthSessionName'] = 'EC'; $twice['PolicyType'] = 'Delta'; $twice['Wait'] = $true; $twice['wait'] = $false
        $run2 = Invoke-StepUnderTest -Context (New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider }) -With $twice
        $run2.Error.FullyQualifiedErrorId | Should -BeLike 'IdLE.DirectorySync.InvalidArgument*'
        $run2.Error.Exception.Message | Should -Match 'more than once'
    }
}

Describe 'Stopping the step (Ctrl+C)' {
    It 'ends a wait promptly with one Cancelled DirectorySyncFailed event; the runspace stays usable' {
        $end = Invoke-StepToStop -Setup '$global:StopContext = New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider -States ''InProgress'' }' -StopAfterMs 1500 -PollIntervalSeconds 5
        $end.StopTook | Should -BeLessThan ([timespan]::FromSeconds(5))
        $end.State | Should -Be 'Stopped'
        @($end.Events | ForEach-Object Type) | Should -Be @('DirectorySyncTriggered', 'DirectorySyncWaiting', 'DirectorySyncFailed')
        $end.Events[-1].Data['class'] | Should -Be 'Cancelled'
        $end.RunspaceWorks | Should -BeTrue
    }

    It 'a stop wrapped by a ScriptMethod (<Where>) cancels the step, never classified or retried' -ForEach @(
        # A stop that unwound through the provider's ScriptMethod before the step's pipeline was
        # flagged as stopping arrives as "Exception calling ..." around the stop (a real race of
        # PowerShell.Stop(), made deterministic here).
        @{ Where = 'StartSyncCycle'; Arguments = '-Providers @{ DirectorySync = New-ScriptedProvider -Triggers ''stopped'' }'; Types = @('DirectorySyncFailed'); Calls = @('GetSyncCycleState', 'StartSyncCycle') }
        @{ Where = 'GetSyncCycleState'; Arguments = '-Providers @{ DirectorySync = New-ScriptedProvider -States ''Idle'', ''stopped'' }'; Types = @('DirectorySyncTriggered', 'DirectorySyncWaiting', 'DirectorySyncFailed'); Calls = @('GetSyncCycleState', 'StartSyncCycle', 'GetSyncCycleState') }
        @{ Where = 'AcquireAuthSession'; Arguments = '-Providers @{ DirectorySync = New-ScriptedProvider } -AcquireStops'; Types = @(); Calls = @() }
    ) {
        $end = Invoke-StepToStop -Setup "`$global:StopContext = New-StepTestContext $Arguments"
        $end.Output | Should -BeNullOrEmpty
        $end.State | Should -Be 'Stopped'
        $end.Errors | Should -BeNullOrEmpty
        @($end.Events | ForEach-Object Type) | Should -Be $Types
        @($end.Calls) | Should -Be $Calls
        $classes = @($end.Events | Where-Object Type -EQ 'DirectorySyncFailed' | ForEach-Object { $_.Data['class'] })
        if ($Types -contains 'DirectorySyncFailed') { $classes | Should -Be @('Cancelled') } else { $classes | Should -BeNullOrEmpty }
    }

    It 'a stop that the event sink''s method wraps cancels the step' {
        $setup = @'
$global:StopContext = New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider -States 'Idle', 'InProgress' }
$global:StopContext.EventSink.PSObject.Methods.Remove('WriteEvent')
$global:StopContext.EventSink.PSObject.Methods.Add([psscriptmethod]::new('WriteEvent', {
            param([string] $Type, [string] $Message, [string] $StepName, [hashtable] $Data)
            $this.Events.Add([pscustomobject]@{ Type = $Type; Message = $Message; StepName = $StepName; Data = $Data })
            if ($Type -eq 'DirectorySyncPoll') { throw (New-WrappedStop -Method 'WriteEvent') }
        }))
'@
        $end = Invoke-StepToStop -Setup $setup
        $end.State | Should -Be 'Stopped'
        $end.Errors | Should -BeNullOrEmpty
        @($end.Events | Where-Object Type -EQ 'DirectorySyncFailed' | ForEach-Object { $_.Data['class'] }) | Should -Be @('Cancelled')
    }
}
