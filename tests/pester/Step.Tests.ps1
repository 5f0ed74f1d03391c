#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# The step handler Invoke-IdleStepTriggerDirectorySync: With validation (errors name the key),
# events through the EventSink, the result object, and trigger-and-wait against scripted servers.

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $script:Modules = Initialize-IdleEcTestModules
    $script:T0 = [datetime]::new(2026, 11, 23, 12, 0, 0, [System.DateTimeKind]::Utc)
    $script:T1 = $script:T0.AddMinutes(30)

    function Invoke-TestStep {
        # Runs the step; returns its output, the failure (if any) and the recorded events.
        param([hashtable] $With, [object] $Session, [hashtable] $Providers)
        if ($null -eq $Providers) { $Providers = @{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider } }
        $context = New-TestContext -Providers $Providers -Session $Session
        $output = $null
        $failure = $null
        try {
            $output = @(Invoke-IdleStepTriggerDirectorySync -Context $context -Step (New-TestStep -With $With))
        }
        catch {
            $failure = $_
        }
        [pscustomobject]@{
            Output     = $output
            Failure    = $failure
            Classified = if ($null -ne $failure) { [IdLE.EntraConnect.Interop.ErrorRecords]::FindClassified($failure) } else { $null }
            Events     = @($context.Events)
            EventTypes = @($context.Events | ForEach-Object Type)
            Acquired   = @($context.Acquired)
        }
    }
}

Describe 'Invoke-IdleStepTriggerDirectorySync: With validation' {
    It 'fails naming <Key> when <Case>, before any remote call' -ForEach @(
        @{ Case = 'AuthSessionName is missing'; Key = 'AuthSessionName'; With = @{ PolicyType = 'Delta' } }
        @{ Case = 'AuthSessionName is empty'; Key = 'AuthSessionName'; With = @{ AuthSessionName = ' '; PolicyType = 'Delta' } }
        @{ Case = 'PolicyType is missing'; Key = 'PolicyType'; With = @{ AuthSessionName = 'EntraConnect' } }
        @{ Case = 'PolicyType is Full'; Key = 'PolicyType'; With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Full' } }
        @{ Case = 'TimeoutSeconds is 0'; Key = 'TimeoutSeconds'; With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; TimeoutSeconds = 0 } }
        @{ Case = 'TimeoutSeconds is above a day'; Key = 'TimeoutSeconds'; With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; TimeoutSeconds = 86401 } }
        @{ Case = 'PollIntervalSeconds is 0'; Key = 'PollIntervalSeconds'; With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; PollIntervalSeconds = 0 } }
        @{ Case = 'PollIntervalSeconds exceeds TimeoutSeconds'; Key = 'PollIntervalSeconds'; With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; PollIntervalSeconds = 30; TimeoutSeconds = 20 } }
        @{ Case = 'Wait is not a boolean'; Key = 'Wait'; With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = 'perhaps' } }
        @{ Case = 'a key is unknown'; Key = 'Colour'; With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Colour = 'blue' } }
        @{ Case = 'AuthSessionOptions holds a script block'; Key = 'AuthSessionOptions'; With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; AuthSessionOptions = @{ Code = { 'no' } } } }
        @{ Case = 'AuthSessionOptions holds a script block in a property bag'; Key = 'AuthSessionOptions'; With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; AuthSessionOptions = @{ Bag = [pscustomobject]@{ Code = { 'no' } } } } }
        @{ Case = 'AuthSessionOptions holds a bag with a script property'; Key = 'AuthSessionOptions'; With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; AuthSessionOptions = @{ Bag = & { $o = [pscustomobject]@{}; $o.PSObject.Properties.Add([psscriptproperty]::new('P', { 'no' })); $o } } } }
        @{ Case = 'AuthSessionOptions holds a bag with a script method'; Key = 'AuthSessionOptions'; With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; AuthSessionOptions = @{ Bag = & { $o = [pscustomobject]@{}; $o.PSObject.Methods.Add([psscriptmethod]::new('M', { 'no' })); $o } } } }
        @{ Case = 'AuthSessionOptions holds a hashtable with a script property'; Key = 'AuthSessionOptions'; With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; AuthSessionOptions = @{ Table = & { $t = @{ A = 1 }; $t.PSObject.Properties.Add([psscriptproperty]::new('P', { 'no' })); $t } } } }
        @{ Case = 'the provider alias is not supplied'; Key = 'Provider'; With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Provider = 'Elsewhere' } }
    ) {
        $session = New-HappySession
        $run = Invoke-TestStep -With $With -Session $session
        $run.Failure | Should -Not -BeNullOrEmpty
        $run.Classified.ErrorId | Should -Be 'IdLE.DirectorySync.InvalidArgument'
        $run.Failure.Exception.Message | Should -Match ([regex]::Escape($Key))
        $run.EventTypes | Should -Be @('DirectorySyncFailed')
        $session.Calls.Count | Should -Be 0
        $run.Acquired.Count | Should -Be 0
    }

    It 'fails naming the missing provider method' {
        $provider = [pscustomobject]@{ Name = 'Half' }
        $provider.PSObject.Members.Add([psscriptmethod]::new('StartSyncCycle', { param($PolicyType, $AuthSession) @{ Started = $true; Message = 'ok' } }))
        $run = Invoke-TestStep -With @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta' } -Session (New-HappySession) -Providers @{ DirectorySync = $provider }
        $run.Classified.ErrorId | Should -Be 'IdLE.DirectorySync.InvalidArgument'
        $run.Failure.Exception.Message | Should -Match 'GetSyncCycleState'
    }

    It 'accepts PolicyType in any casing' {
        $run = Invoke-TestStep -With @{ AuthSessionName = 'EntraConnect'; PolicyType = 'iNiTiAl' } -Session (New-HappySession)
        $run.Failure | Should -BeNullOrEmpty
        $run.Output[0].Status | Should -Be 'Completed'
    }
}

Describe 'Invoke-IdleStepTriggerDirectorySync: trigger only' {
    It 'returns one IdLE.StepResult, emits Triggered then Completed, and nothing from the sink leaks' {
        $session = New-HappySession
        $run = Invoke-TestStep -With @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; AuthSessionOptions = @{ Role = 'Operator' } } -Session $session
        $run.Failure | Should -BeNullOrEmpty
        $run.Output.Count | Should -Be 1
        $result = $run.Output[0]
        $result.PSObject.TypeNames[0] | Should -Be 'IdLE.StepResult'
        $result.Name | Should -Be 'Sync'
        $result.Type | Should -Be 'IdLE.Step.TriggerDirectorySync'
        $result.Status | Should -Be 'Completed'
        $result.Changed | Should -BeTrue
        $result.Error | Should -BeNullOrEmpty
        $run.EventTypes | Should -Be @('DirectorySyncTriggered', 'DirectorySyncCompleted')
        @($run.Events | ForEach-Object StepName | Select-Object -Unique) | Should -Be @('Sync')
        $run.Acquired.Count | Should -Be 1
        $run.Acquired[0].Name | Should -Be 'EntraConnect'
        $run.Acquired[0].Options.Role | Should -Be 'Operator'
        @($session.Calls | ForEach-Object CommandName) | Should -Be @('Start-ADSyncSyncCycle')
    }

    It 'event data holds data only: no session, no script blocks' {
        $run = Invoke-TestStep -With @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta' } -Session (New-HappySession)
        foreach ($event in $run.Events) {
            $event.Message | Should -Not -BeNullOrEmpty
            foreach ($value in $event.Data.Values) {
                ($value -is [scriptblock]) | Should -BeFalse
                ($value -is [System.Management.Automation.PSCustomObject]) | Should -BeFalse
            }
        }
    }

    It 'fails AuthSessionUnavailable, not transient (a configuration error of the host), when the host cannot provide the session' {
        $context = New-TestContext -Providers @{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider } -Session $null
        $context.PSObject.Methods.Remove('AcquireAuthSession')
        $context.PSObject.Members.Add([psscriptmethod]::new('AcquireAuthSession', { param($Name, $Options) throw 'broker says no' }))
        $failure = Get-TestFailure { Invoke-IdleStepTriggerDirectorySync -Context $context -Step (New-TestStep -With @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta' }) }
        $failure.ErrorId | Should -Be 'IdLE.DirectorySync.AuthSessionUnavailable'
        $failure.Transient | Should -BeFalse
        $failure.Message | Should -Match 'EntraConnect'
    }
}

Describe 'Invoke-IdleStepTriggerDirectorySync: trigger and wait' {
    It 'completes only after evidence that the cycle ran, with the full event sequence' {
        $session = New-CycleSession -Schedulers @(
            @{ SyncCycleInProgress = $false; NextSyncCycleStartTimeInUTC = $script:T0 }   # baseline
            @{ SyncCycleInProgress = $true; NextSyncCycleStartTimeInUTC = $script:T0 }    # running
            @{ SyncCycleInProgress = $false; NextSyncCycleStartTimeInUTC = $script:T1 }   # finished
        )
        $run = Invoke-TestStep -With @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 60 } -Session $session
        $run.Failure | Should -BeNullOrEmpty
        $run.Output.Count | Should -Be 1
        $run.Output[0].Status | Should -Be 'Completed'
        $run.Output[0].Changed | Should -BeTrue
        $run.EventTypes | Should -Be @('DirectorySyncTriggered', 'DirectorySyncWaiting', 'DirectorySyncPoll', 'DirectorySyncPoll', 'DirectorySyncCompleted')
        $completed = $run.Events[-1]
        $completed.Data['startObserved'] | Should -BeTrue
        $completed.Data['waited'] | Should -BeTrue
        @($completed.Data['warnings']) | Should -Not -Contain 'StartNotObserved'
        # The provider reads the run history too (RunOutcome.Tests.ps1): this session cannot, so
        # after its failed reference read the wait goes on without it.
        @($session.Calls | ForEach-Object CommandName) | Should -Be @('Get-ADSyncScheduler', 'Get-ADSyncRunProfileResult', 'Start-ADSyncSyncCycle', 'Get-ADSyncScheduler', 'Get-ADSyncScheduler')
    }

    It 'does not take the first idle read after the trigger as the end of the cycle' {
        $session = New-CycleSession -Schedulers @(
            @{ SyncCycleInProgress = $false; NextSyncCycleStartTimeInUTC = $script:T0 }   # baseline
            @{ SyncCycleInProgress = $false; NextSyncCycleStartTimeInUTC = $script:T0 }   # not started yet
            @{ SyncCycleInProgress = $true; NextSyncCycleStartTimeInUTC = $script:T0 }
            @{ SyncCycleInProgress = $false; NextSyncCycleStartTimeInUTC = $script:T1 }
        )
        $run = Invoke-TestStep -With @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 60 } -Session $session
        $run.Failure | Should -BeNullOrEmpty
        @($run.EventTypes | Where-Object { $_ -eq 'DirectorySyncPoll' }).Count | Should -Be 3
        $run.Events[-1].Data['startObserved'] | Should -BeTrue
    }

    It 'completes with a StartNotObserved warning when no evidence appears within StartGraceSeconds' {
        $session = New-CycleSession -Schedulers @(@{ SyncCycleInProgress = $false; NextSyncCycleStartTimeInUTC = $script:T0 })
        $run = Invoke-TestStep -With @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 30; StartGraceSeconds = 2 } -Session $session
        $run.Failure | Should -BeNullOrEmpty
        $run.Output[0].Status | Should -Be 'Completed'
        $run.Events[-1].Type | Should -Be 'DirectorySyncCompleted'
        $run.Events[-1].Data['startObserved'] | Should -BeFalse
        @($run.Events[-1].Data['warnings']) | Should -Contain 'StartNotObserved'
    }

    It 'reports staging mode as a warning' {
        $session = New-CycleSession -Schedulers @(
            @{ StagingModeEnabled = $true; NextSyncCycleStartTimeInUTC = $script:T0 }
            @{ StagingModeEnabled = $true; SyncCycleInProgress = $true; NextSyncCycleStartTimeInUTC = $script:T0 }
            @{ StagingModeEnabled = $true; NextSyncCycleStartTimeInUTC = $script:T1 }
        )
        $run = Invoke-TestStep -With @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 60 } -Session $session
        $run.Failure | Should -BeNullOrEmpty
        @($run.Events[-1].Data['warnings']) | Should -Contain 'StagingModeEnabled'
        $run.Events[-1].Data['stagingMode'] | Should -BeTrue
    }

    It 'fails Timeout with the timeout and the last known state' {
        $session = New-CycleSession -Schedulers @(@{ SyncCycleInProgress = $true; NextSyncCycleStartTimeInUTC = $script:T0 })
        $run = Invoke-TestStep -With @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 2 } -Session $session
        $run.Classified.ErrorId | Should -Be 'IdLE.DirectorySync.Timeout'
        $run.Classified.Data['Idle.IsTransient'] | Should -BeTrue
        $run.Failure.Exception.Message | Should -Match '\b2\b'
        $run.Failure.Exception.Message | Should -Match 'InProgress'
        $run.EventTypes[-1] | Should -Be 'DirectorySyncFailed'
        @($run.EventTypes | Where-Object { $_ -eq 'DirectorySyncFailed' }).Count | Should -Be 1
        $run.Events[-1].Data['errorId'] | Should -Be 'IdLE.DirectorySync.Timeout'
    }

    It 'fails SchedulerSuspended before triggering when the scheduler is suspended' {
        $session = New-CycleSession -Schedulers @(@{ SchedulerSuspended = $true })
        $run = Invoke-TestStep -With @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 30 } -Session $session
        $run.Classified.ErrorId | Should -Be 'IdLE.DirectorySync.SchedulerSuspended'
        @($session.Calls | ForEach-Object CommandName) | Should -Not -Contain 'Start-ADSyncSyncCycle'
        $run.EventTypes[-1] | Should -Be 'DirectorySyncFailed'
    }

    It 'fails CycleBusy, transient, when the server is busy and WaitForRunningCycle is off' {
        $session = New-CycleSession -Schedulers @(@{ SyncCycleInProgress = $true }) -Trigger {
            param($p, $s)
            Write-TestError -Message (Get-AdSyncText -Name Busy)
        }
        $run = Invoke-TestStep -With @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 30 } -Session $session
        $run.Classified.ErrorId | Should -Be 'IdLE.DirectorySync.CycleBusy'
        $run.Classified.Data['Idle.IsTransient'] | Should -BeTrue
        $run.Failure.Exception.Message | Should -Match 'contoso.onmicrosoft.com - AAD'
        $run.Events[-1].Data['errorId'] | Should -Be 'IdLE.DirectorySync.CycleBusy'
        $run.Events[-1].Data['transient'] | Should -BeTrue
    }

    It 'waits for the running cycle and triggers again with WaitForRunningCycle' {
        $session = New-CycleSession -Schedulers @(
            @{ SyncCycleInProgress = $true; NextSyncCycleStartTimeInUTC = $script:T0 }    # baseline: another cycle runs
            @{ SyncCycleInProgress = $false; NextSyncCycleStartTimeInUTC = $script:T1 }   # it ended
            @{ SyncCycleInProgress = $false; NextSyncCycleStartTimeInUTC = $script:T1 }   # reference for ours
            @{ SyncCycleInProgress = $true; NextSyncCycleStartTimeInUTC = $script:T1 }    # ours runs
            @{ SyncCycleInProgress = $false; NextSyncCycleStartTimeInUTC = $script:T1.AddMinutes(30) }
        ) -Trigger {
            param($p, $s)
            $s.State['Triggers'] = [int] $s.State['Triggers'] + 1
            if ($s.State['Triggers'] -eq 1) { Write-TestError -Message (Get-AdSyncText -Name Busy) }
            else { [pscustomobject]@{ Result = 'Success' } }
        }
        $run = Invoke-TestStep -With @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; WaitForRunningCycle = $true; PollIntervalSeconds = 1; TimeoutSeconds = 60 } -Session $session
        $run.Failure | Should -BeNullOrEmpty
        $run.Output[0].Status | Should -Be 'Completed'
        $session.State['Triggers'] | Should -Be 2
        $run.EventTypes[-1] | Should -Be 'DirectorySyncCompleted'
        $run.Events[-1].Data['triggerAttempts'] | Should -Be 2
    }
}
