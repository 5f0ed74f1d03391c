#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# Against the simulated server, with everything the provider receives shaped as PowerShell
# remoting delivers it (PSSerializer round trips): deserialized objects, and errors as
# RemoteExceptions in the error stream. Real SSH remoting is tested on its own.

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $script:Modules = Initialize-IdleEcTestModules
    . "$PSScriptRoot/RemotingShapedSession.ps1"
    Import-Module -Name $script:Modules.Simulator -ErrorAction Stop
    $script:StatePath = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'idle-ec-serialization-' + [guid]::NewGuid().ToString('N') + '.json')
    $script:Fast = @{ StepSeconds = 0.3; GapSeconds = 0.1; StartLagSeconds = 0.3; AutoSchedulerCycles = $false }

    function Invoke-RemotingShapedStep {
        $context = New-TestContext -Session (New-RemotingShapedSession) -Providers @{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider }
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $result = Invoke-IdleStepTriggerDirectorySync -Context $context -Step @{ Name = 'Sync'; Type = 'IdLE.Step.TriggerDirectorySync'; With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 60 } }
        [pscustomobject]@{
            Result  = $result
            Seconds = $watch.Elapsed.TotalSeconds
            Types   = @($context.Events | ForEach-Object Type)
            History = @(Get-ADSyncRunProfileResult).Count
        }
    }
}

AfterAll {
    foreach ($file in $script:StatePath, "$($script:StatePath).lock") {
        if (Test-Path -LiteralPath $file) { Remove-Item -LiteralPath $file -Force }
    }
}

Describe 'Remoting-shaped answers from the simulator' {
    It 'a deserialized scheduler and start result parse' {
        Reset-ADSyncSimulator -StatePath $script:StatePath @Fast
        $session = New-RemotingShapedSession
        $provider = New-IdleEntraConnectDirectorySyncProvider
        $raw = $session.InvokeCommand('Get-ADSyncScheduler', @{})
        $raw.PSObject.TypeNames[0] | Should -BeLike 'Deserialized.Microsoft.IdentityManagement.PowerShell.ObjectModel.*'
        $before = $provider.GetSyncCycleState($session)
        $before.State | Should -Be 'Idle'
        $before.InProgress | Should -BeFalse
        $before.Details.AllowedSyncCycleInterval | Should -Be '00:30:00'
        $before.Details.NextSyncCycleStartTimeInUTC | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$'
        $provider.StartSyncCycle('Delta', $session).Started | Should -BeTrue
    }

    It 'server errors delivered by remoting are classified (<Scenario>: <ErrorId>)' -ForEach @(
        @{ Scenario = 'ForceBusy'; ErrorId = 'IdLE.DirectorySync.CycleBusy' }
        @{ Scenario = 'NoRights'; ErrorId = 'IdLE.DirectorySync.PermissionDenied' }
        @{ Scenario = 'ModuleMissing'; ErrorId = 'IdLE.DirectorySync.ADSyncUnavailable' }
    ) {
        $flags = @{ $Scenario = $true }
        Reset-ADSyncSimulator -StatePath $script:StatePath @Fast @flags
        $provider = New-IdleEntraConnectDirectorySyncProvider
        (Get-TestFailure { $provider.StartSyncCycle('Delta', (New-RemotingShapedSession)) }).ErrorId | Should -Be $ErrorId
    }

    It 'a second trigger while a cycle runs is busy, not success' {
        Reset-ADSyncSimulator -StatePath $script:StatePath -StepSeconds 5 -StartLagSeconds 0.2 -AutoSchedulerCycles $false
        $session = New-RemotingShapedSession
        $provider = New-IdleEntraConnectDirectorySyncProvider
        $provider.StartSyncCycle('Delta', $session).Started | Should -BeTrue
        (Get-TestFailure { $provider.StartSyncCycle('Delta', $session) }).ErrorId | Should -Be 'IdLE.DirectorySync.CycleBusy'
    }

    It 'a full trigger and wait completes with the start observed and the whole cycle in the history' {
        Reset-ADSyncSimulator -StatePath $script:StatePath @Fast
        $run = Invoke-RemotingShapedStep
        $run.Result.Status | Should -Be 'Completed'
        $run.Result.Changed | Should -BeTrue
        $run.Result.Data.startObserved | Should -BeTrue
        @($run.Result.Data.warnings).Count | Should -Be 0
        $run.Types[0..1] | Should -Be @('DirectorySyncTriggered', 'DirectorySyncWaiting')
        $run.Types[-1] | Should -Be 'DirectorySyncCompleted'
        @($run.Types[2..($run.Types.Count - 2)] | Where-Object { $_ -ne 'DirectorySyncPoll' }) | Should -BeNullOrEmpty
        # Two connectors, three profiles each: the whole cycle ran before the step said done.
        $run.History | Should -Be 6
    }

    It 'a start lag longer than a poll causes no false completion' {
        Reset-ADSyncSimulator -StatePath $script:StatePath -StepSeconds 0.3 -GapSeconds 0.1 -StartLagSeconds 3.5 -AutoSchedulerCycles $false
        $run = Invoke-RemotingShapedStep
        $run.Result.Status | Should -Be 'Completed'
        $run.Result.Data.startObserved | Should -BeTrue
        $run.Seconds | Should -BeGreaterOrEqual 3.5
        $run.History | Should -Be 6
    }

    It 'two processes sharing one state file see one server' {
        Reset-ADSyncSimulator -StatePath $script:StatePath -StepSeconds 5 -StartLagSeconds 0 -AutoSchedulerCycles $false
        # Another pwsh triggers a cycle on the same server (found through the environment variable).
        $other = Invoke-IdleEcFreshPwsh -Script "Import-Module '$($script:Modules.Simulator)'; (Start-ADSyncSyncCycle -PolicyType Delta).Result.ToString()" -Environment @{ IDLE_ADSYNC_SIM_STATE = $script:StatePath }
        $other.ExitCode | Should -Be 0 -Because $other.Text
        $other.Text | Should -Match 'Success'
        # This process sees that cycle running, and its own trigger is refused as busy.
        $session = New-RemotingShapedSession
        $provider = New-IdleEntraConnectDirectorySyncProvider
        $provider.GetSyncCycleState($session).State | Should -Be 'InProgress'
        (Get-TestFailure { $provider.StartSyncCycle('Delta', $session) }).ErrorId | Should -Be 'IdLE.DirectorySync.CycleBusy'
    }
}
