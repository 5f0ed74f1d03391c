#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# The packaged step and provider against the ADSync simulator (a stand-in Entra Connect server
# with the real cmdlet names, outputs and errors), through a local AuthSession.
# The simulator module: $env:IDLE_EC_SIMULATOR, else <repo>/out/modules/IdLE.EntraConnect.Simulator.

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $script:Modules = Initialize-IdleEcTestModules
    if (-not (Test-Path -LiteralPath $script:Modules.Simulator)) {
        throw "The simulator module is not at '$($script:Modules.Simulator)'. Run scripts/build.sh or set IDLE_EC_SIMULATOR."
    }
    Import-Module -Name $script:Modules.Simulator -ErrorAction Stop
    $script:StatePath = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'idle-ec-pester-sim-' + [guid]::NewGuid().ToString('N') + '.json')

    function New-LocalSession {
        # Runs the named command in this runspace with the parameters splatted, as a host's
        # JEA-friendly InvokeCommand does (no script text is built from the parameters).
        $session = [pscustomobject]@{ PSTypeName = 'Test.LocalAuthSession' }
        $session.PSObject.Members.Add([psscriptmethod]::new('InvokeCommand', {
                    param($CommandName, $Parameters)
                    & $CommandName @Parameters
                }))
        $session
    }

    function Invoke-SimulatedStep {
        param([hashtable] $With)
        $context = New-TestContext -Providers @{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider } -Session (New-LocalSession)
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
            ErrorId    = if ($null -ne $failure) { [IdLE.EntraConnect.Interop.ErrorRecords]::FindClassified($failure).ErrorId } else { $null }
            Events     = @($context.Events)
            EventTypes = @($context.Events | ForEach-Object Type)
        }
    }

    $script:FastServer = @{ StepSeconds = 0.3; GapSeconds = 0.2; StartLagSeconds = 0.5; AutoSchedulerCycles = $false }
    $script:WaitWith = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 120 }
}

AfterAll {
    foreach ($file in $script:StatePath, "$($script:StatePath).lock") {
        if ($file -and (Test-Path -LiteralPath $file)) { Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue }
    }
}

Describe 'Against the ADSync simulator' {
    It 'triggers a Delta cycle and waits until it has really finished' {
        Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer
        $run = Invoke-SimulatedStep -With $WaitWith
        $run.Failure | Should -BeNullOrEmpty
        $run.Output.Count | Should -Be 1
        $run.Output[0].Status | Should -Be 'Completed'
        $run.Output[0].Changed | Should -BeTrue
        $run.EventTypes[0] | Should -Be 'DirectorySyncTriggered'
        $run.EventTypes[-1] | Should -Be 'DirectorySyncCompleted'
        $run.Events[-1].Data['startObserved'] | Should -BeTrue
        # The cycle's run profiles are all in the history, complete.
        $history = @(Get-ADSyncRunProfileResult -NumberRequested 20)
        $history.Count | Should -BeGreaterThan 0
        @($history | Where-Object { -not $_.IsRunComplete }).Count | Should -Be 0
        (Get-ADSyncScheduler).SyncCycleInProgress | Should -BeFalse
    }

    It 'an Initial cycle completes as well' {
        Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer
        $with = $WaitWith.Clone(); $with['PolicyType'] = 'Initial'
        $run = Invoke-SimulatedStep -With $with
        $run.Failure | Should -BeNullOrEmpty
        $run.Events[-1].Data['startObserved'] | Should -BeTrue
        @(Get-ADSyncRunProfileResult -NumberRequested 20 | ForEach-Object RunProfileName) | Should -Contain 'Full Import'
    }

    It 'a busy server fails CycleBusy' {
        Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer -ForceBusy $true
        $run = Invoke-SimulatedStep -With $WaitWith
        $run.ErrorId | Should -Be 'IdLE.DirectorySync.CycleBusy'
        $run.EventTypes[-1] | Should -Be 'DirectorySyncFailed'
    }

    It 'missing ADSync rights fail PermissionDenied' {
        Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer -NoRights $true
        (Invoke-SimulatedStep -With $WaitWith).ErrorId | Should -Be 'IdLE.DirectorySync.PermissionDenied'
    }

    It 'a server without the ADSync module fails ADSyncUnavailable' {
        Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer -ModuleMissing $true
        (Invoke-SimulatedStep -With $WaitWith).ErrorId | Should -Be 'IdLE.DirectorySync.ADSyncUnavailable'
    }

    It 'a suspended scheduler fails SchedulerSuspended' {
        Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer -SchedulerSuspended $true
        (Invoke-SimulatedStep -With $WaitWith).ErrorId | Should -Be 'IdLE.DirectorySync.SchedulerSuspended'
    }

    It 'a staging server completes with the StagingModeEnabled warning' {
        Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer -StagingMode $true
        $run = Invoke-SimulatedStep -With $WaitWith
        $run.Failure | Should -BeNullOrEmpty
        @($run.Events[-1].Data['warnings']) | Should -Contain 'StagingModeEnabled'
    }
}
