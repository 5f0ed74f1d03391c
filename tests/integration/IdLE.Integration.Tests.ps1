#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# The real IdLE engine with our step pack and provider: a request, New-IdlePlan on a workflow
# .psd1 that uses IdLE.Step.TriggerDirectorySync, Invoke-IdlePlan, against the ADSync simulator.
# IdLE is found on PSModulePath, or in the folder named by IDLE_EC_IDLE_PATH; without it every
# test here is reported as skipped. Our modules are imported BY NAME from PSModulePath (see
# IntegrationHelpers.ps1 for the environment variables).
#
#   IDLE_EC_IDLE_PATH=<folder with IdLE's module folders> pwsh -NoProfile -Command \
#       'Invoke-Pester -Path tests/integration -Output Detailed'

BeforeDiscovery {
    . "$PSScriptRoot/IntegrationHelpers.ps1"
    $idle = Find-IdleEngine
    $NoIdle = $null -eq $idle
    $IdleLabel = if ($NoIdle) { 'IdLE not found: set IDLE_EC_IDLE_PATH or install IdLE, tests skipped' } else { "IdLE $($idle.Version)" }
    # IdLE's own step pack, for the tests of the unsupported combination.
    $NoIdleDirectorySync = $NoIdle -or -not (Get-Module -ListAvailable -Name IdLE.Steps.DirectorySync)
    # IdLE's own pure-PowerShell provider, which exports the same function name as ours.
    $NoIdleProvider = $NoIdle -or -not (Get-Module -ListAvailable -Name IdLE.Provider.DirectorySync.EntraConnect)
}

Describe 'The real IdLE engine (<IdleLabel>) with IdLE.Steps.EntraConnectSync' -Tag 'Integration' -ForEach @(@{ IdleLabel = $IdleLabel }) {
    BeforeAll {
        . "$PSScriptRoot/IntegrationHelpers.ps1"
        $script:Idle = Find-IdleEngine
        if ($null -eq $script:Idle) { return }   # every test is skipped

        $script:Ours = Initialize-IdleEcIntegrationModules
        # As a host does: by name. IdLE's own provider module and step pack may be on
        # PSModulePath too; neither is loaded.
        Import-Module -Name IdLE -ErrorAction Stop
        Import-Module -Name IdLE.Steps.EntraConnectSync -ErrorAction Stop
        Import-Module -Name $script:Ours.Simulator -ErrorAction Stop

        $script:StatePath = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'idle-ec-integration-sim-' + [guid]::NewGuid().ToString('N') + '.json')
        $script:FastServer = @{ StepSeconds = 0.3; GapSeconds = 0.2; StartLagSeconds = 0.5; AutoSchedulerCycles = $false }
        $script:WaitWorkflow = [System.IO.Path]::Combine($PSScriptRoot, 'workflows', 'sync-with-onfailure.psd1')
        $script:TriggerWorkflow = [System.IO.Path]::Combine($PSScriptRoot, 'workflows', 'sync-trigger-only.psd1')
        $script:Provider = New-IdleEntraConnectDirectorySyncProvider

        function New-Providers {
            # What the host passes to New-IdlePlan and Invoke-IdlePlan.
            param([hashtable] $Extra = @{})
            $providers = @{
                DirectorySync     = $script:Provider
                AuthSessionBroker = New-TestAuthSessionBroker -Sessions @{ EntraConnect = New-SimulatorAuthSession }
            }
            foreach ($key in $Extra.Keys) { $providers[$key] = $Extra[$key] }
            $providers
        }

        function Invoke-Workflow {
            # Plans and runs a workflow against the simulator as configured; returns the result.
            param([string] $WorkflowPath, [hashtable] $Providers = (New-Providers))
            $request = New-IdleEcRequest
            $plan = New-IdlePlan -WorkflowPath $WorkflowPath -Request $request -Providers $Providers
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $result = Invoke-IdlePlan -Plan $plan -Providers $Providers
            [pscustomobject]@{ Plan = $plan; Result = $result; Providers = $Providers; Seconds = $watch.Elapsed.TotalSeconds }
        }
    }

    AfterAll {
        if ($null -ne $script:Provider) { $script:Provider.Dispose() }
        foreach ($file in $script:StatePath, "$($script:StatePath).lock") {
            if ($file -and (Test-Path -LiteralPath $file)) { Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue }
        }
    }

    Context 'Installed beside IdLE' {
        It 'imports our modules by name, not IdLE''s own provider or DirectorySync step pack' -Skip:$NoIdle {
            $steps = @(Get-Module -Name IdLE.Steps.EntraConnectSync)
            $steps.Count | Should -Be 1
            $provider = @(Get-Module -Name IdLE.Provider.EntraConnectSync)
            $provider.Count | Should -Be 1
            if ($null -ne $script:Ours.Root) {
                # The copy the suite was pointed at, not another one further down PSModulePath.
                $steps[0].ModuleBase | Should -BeLike "$($script:Ours.Root)*"
                $provider[0].ModuleBase | Should -BeLike "$($script:Ours.Root)*"
            }
            # The step pack's RequiredModules names the provider by name, version and GUID.
            $required = @($steps[0].RequiredModules)
            $required.Name | Should -Be 'IdLE.Provider.EntraConnectSync'
            $required.Guid | Should -Be $provider[0].Guid
            (Get-Command -Name New-IdleEntraConnectDirectorySyncProvider).ModuleName | Should -Be 'IdLE.Provider.EntraConnectSync'
            Get-Module -Name IdLE.Provider.DirectorySync.EntraConnect, IdLE.Steps.DirectorySync -All | Should -BeNullOrEmpty
        }

        It 'plans the step from this pack''s metadata' -Skip:$NoIdle {
            $plan = New-IdlePlan -WorkflowPath $script:WaitWorkflow -Request (New-IdleEcRequest) -Providers (New-Providers)
            @($plan.Steps).Count | Should -Be 1
            $plan.Steps[0].Type | Should -Be 'IdLE.Step.TriggerDirectorySync'
            @($plan.OnFailureSteps).Count | Should -Be 1
        }
    }

    Context 'A waited Delta run' {
        BeforeAll {
            if ($null -eq $script:Idle) { return }
            Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer
            $script:Run = Invoke-Workflow -WorkflowPath $script:WaitWorkflow
            $script:Events = @($script:Run.Result.Events)
        }

        It 'completes after the cycle has run on the server' -Skip:$NoIdle {
            $result = $script:Run.Result
            $result.Status | Should -Be 'Completed'
            $step = @($result.Steps)
            $step.Count | Should -Be 1
            $step[0].Name | Should -Be 'Sync to Entra ID'
            $step[0].Status | Should -Be 'Completed'
            $step[0].Changed | Should -BeTrue
            $step[0].Data.startObserved | Should -BeTrue
            $result.OnFailure.Status | Should -Be 'NotRun'
            # The server ran one Delta cycle: every run profile of it is in the history, finished.
            $history = @(Get-ADSyncRunProfileResult -NumberRequested 50)
            $history.Count | Should -BeGreaterThan 0
            @($history | Where-Object { -not $_.IsRunComplete }) | Should -BeNullOrEmpty
            (Get-ADSyncScheduler).SyncCycleInProgress | Should -BeFalse
            $script:Run.Plan.Request.IdentityKeys.EmployeeId | Should -Be '12345'
            $script:Run.Providers.AuthSessionBroker.Requests[0].Name | Should -Be 'EntraConnect'
        }

        It 'reports the step''s events in the engine''s result, in order, with data only' -Skip:$NoIdle {
            $types = @($script:Events | ForEach-Object Type)
            $ours = @($types | Where-Object { $_ -like 'DirectorySync*' })
            $ours[0] | Should -Be 'DirectorySyncTriggered'
            $ours[1] | Should -Be 'DirectorySyncWaiting'
            $ours[-1] | Should -Be 'DirectorySyncCompleted'
            @($ours | Where-Object { $_ -eq 'DirectorySyncPoll' }).Count | Should -BeGreaterThan 0
            $ours | Should -Not -Contain 'DirectorySyncFailed'
            # Inside the engine's own step events.
            $types.IndexOf('StepStarted') | Should -BeLessThan $types.IndexOf('DirectorySyncTriggered')
            $types.IndexOf('StepCompleted') | Should -BeGreaterThan $types.IndexOf('DirectorySyncCompleted')
            foreach ($event in @($script:Events | Where-Object { $_.Type -like 'DirectorySync*' })) {
                $event.StepName | Should -Be 'Sync to Entra ID'
                $event.Message | Should -Not -BeNullOrEmpty
                foreach ($value in $event.Data.Values) {
                    ($value -is [scriptblock]) | Should -BeFalse
                    ($value -is [System.Management.Automation.PSCustomObject]) | Should -BeFalse
                }
            }
            $completed = @($script:Events | Where-Object Type -eq 'DirectorySyncCompleted')[0]
            $completed.Data['startObserved'] | Should -BeTrue
            $completed.Data['waited'] | Should -BeTrue
        }
    }

    Context 'A failing run: the caller has no ADSync rights' {
        BeforeAll {
            if ($null -eq $script:Idle) { return }
            Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer -NoRights $true
            $script:Failed = Invoke-Workflow -WorkflowPath $script:WaitWorkflow
            $script:FailedEvents = @($script:Failed.Result.Events)
        }

        It 'fails the step with IdLE.DirectorySync.PermissionDenied, once' -Skip:$NoIdle {
            $result = $script:Failed.Result
            $result.Status | Should -Be 'Failed'
            $step = @($result.Steps)
            $step.Count | Should -Be 1
            $step[0].Status | Should -Be 'Failed'
            $step[0].Error | Should -Match 'ADSyncOperators|rights|permission'
            # IdLE keeps the message; our ErrorId travels in the step's DirectorySyncFailed event.
            $failed = @($script:FailedEvents | Where-Object Type -eq 'DirectorySyncFailed')
            $failed.Count | Should -Be 1
            $failed[0].Data['errorId'] | Should -Be 'IdLE.DirectorySync.PermissionDenied'
            $failed[0].Data['transient'] | Should -BeFalse
            $failed[0].Message | Should -Be $step[0].Error
            @($script:FailedEvents | ForEach-Object Type) | Should -Contain 'StepFailed'
            # The server refused: no cycle was accepted, nothing ran.
            $state = Get-ADSyncSimulatorState
            $state.CycleAccepted | Should -BeFalse
            $state.RunHistoryCount | Should -Be 0
        }

        It 'runs the workflow''s OnFailure steps' -Skip:$NoIdle {
            $onFailure = $script:Failed.Result.OnFailure
            $onFailure.Status | Should -Be 'Completed'
            $steps = @($onFailure.Steps)
            $steps.Count | Should -Be 1
            $steps[0].Name | Should -Be 'Report failed sync'
            $steps[0].Status | Should -Be 'Completed'
            $types = @($script:FailedEvents | ForEach-Object Type)
            $types.IndexOf('OnFailureStepCompleted') | Should -BeGreaterThan $types.IndexOf('DirectorySyncFailed')
            @($script:FailedEvents | Where-Object { $_.Message -eq 'Entra Connect sync failed; the account is not in Entra ID yet.' }).Count | Should -Be 1
        }
    }

    Context 'The example host''s broker (examples/broker)' {
        It 'passes IdLE''s data-only check on Providers and opens the session on first use' -Skip:$NoIdle {
            . ([System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'examples', 'broker', 'New-ExampleAuthSessionBroker.ps1'))
            Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer
            $broker = New-ExampleAuthSessionBroker -SessionFactory @{ EntraConnect = { New-SimulatorAuthSession } }
            try {
                $run = Invoke-Workflow -WorkflowPath $script:TriggerWorkflow -Providers @{ DirectorySync = $script:Provider; AuthSessionBroker = $broker }
                $run.Result.Status | Should -Be 'Completed'
                $broker.Sessions.Keys | Should -Be @('EntraConnect')
            }
            finally {
                $broker.Dispose()
            }
        }
    }

    Context 'Choosing the handler explicitly (docs/install.md)' {
        It 'runs this pack''s handler when Providers.StepRegistry names it module-qualified' -Skip:$NoIdle {
            Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer
            $providers = New-Providers -Extra @{
                StepRegistry = @{ 'IdLE.Step.TriggerDirectorySync' = 'IdLE.Steps.EntraConnectSync\Invoke-IdleStepTriggerDirectorySync' }
            }
            $run = Invoke-Workflow -WorkflowPath $script:TriggerWorkflow -Providers $providers
            $run.Result.Status | Should -Be 'Completed'
            # Our handler's result carries Data from the native wait machine.
            $run.Result.Steps[0].Data.started | Should -BeTrue
            @($run.Result.Events | ForEach-Object Type) | Should -Contain 'DirectorySyncTriggered'
        }

        It 'refuses Providers.StepMetadata for the step type, which this pack already owns' -Skip:$NoIdle {
            $providers = New-Providers -Extra @{
                StepMetadata = @{ 'IdLE.Step.TriggerDirectorySync' = (Get-IdleStepMetadataCatalog)['IdLE.Step.TriggerDirectorySync'] }
            }
            { New-IdlePlan -WorkflowPath $script:TriggerWorkflow -Request (New-IdleEcRequest) -Providers $providers } |
                Should -Throw -ExpectedMessage '*DuplicateStepTypeMetadata*'
        }
    }

    Context 'IdLE''s own provider module loaded too' {
        It 'the module-qualified name still creates this provider' -Skip:$NoIdleProvider {
            Import-Module -Name IdLE.Provider.DirectorySync.EntraConnect -ErrorAction Stop
            try {
                # Both export New-IdleEntraConnectDirectorySyncProvider; the last import wins the plain name.
                (Get-Command -Name New-IdleEntraConnectDirectorySyncProvider).ModuleName | Should -Be 'IdLE.Provider.DirectorySync.EntraConnect'
                $provider = IdLE.Provider.EntraConnectSync\New-IdleEntraConnectDirectorySyncProvider
                try {
                    $provider.PSObject.TypeNames[0] | Should -Be 'IdLE.Provider.EntraConnectSync'
                }
                finally {
                    $provider.Dispose()
                }
            }
            finally {
                Remove-Module -Name IdLE.Provider.DirectorySync.EntraConnect -ErrorAction SilentlyContinue
            }
            (Get-Command -Name New-IdleEntraConnectDirectorySyncProvider).ModuleName | Should -Be 'IdLE.Provider.EntraConnectSync'
        }
    }

    Context 'IdLE''s own IdLE.Steps.DirectorySync loaded too (unsupported)' {
        It 'planning fails with IdLE.DirectorySync.StepPackConflict saying what to do; removing IdLE''s pack fixes it' -Skip:$NoIdleDirectorySync {
            Import-Module -Name IdLE.Steps.DirectorySync -ErrorAction Stop
            try {
                $failure = $null
                try {
                    $null = New-IdlePlan -WorkflowPath $script:TriggerWorkflow -Request (New-IdleEcRequest) -Providers (New-Providers)
                }
                catch {
                    $failure = $_
                }
                $failure | Should -Not -BeNullOrEmpty
                $failure.Exception.Message | Should -Match 'IdLE\.Steps\.DirectorySync'
                $failure.Exception.Message | Should -Match 'Remove-Module IdLE\.Steps\.DirectorySync'
                $failure.Exception.Message | Should -Match 'DuplicateStepTypeMetadata'
                $failure.FullyQualifiedErrorId | Should -BeLike 'IdLE.DirectorySync.StepPackConflict*'
            }
            finally {
                Remove-Module -Name IdLE.Steps.DirectorySync -ErrorAction SilentlyContinue
            }
            $plan = New-IdlePlan -WorkflowPath $script:TriggerWorkflow -Request (New-IdleEcRequest) -Providers (New-Providers)
            $plan.Steps[0].Type | Should -Be 'IdLE.Step.TriggerDirectorySync'
        }

        It 'this pack''s handler, registered module-qualified and reached after planning, runs and warns' -Skip:$NoIdleDirectorySync {
            Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer
            $providers = New-Providers -Extra @{
                StepRegistry = @{ 'IdLE.Step.TriggerDirectorySync' = 'IdLE.Steps.EntraConnectSync\Invoke-IdleStepTriggerDirectorySync' }
            }
            $plan = New-IdlePlan -WorkflowPath $script:TriggerWorkflow -Request (New-IdleEcRequest) -Providers $providers
            Import-Module -Name IdLE.Steps.DirectorySync -ErrorAction Stop
            try {
                $warnings = $null
                $result = Invoke-IdlePlan -Plan $plan -Providers $providers -WarningVariable warnings -WarningAction SilentlyContinue
            }
            finally {
                Remove-Module -Name IdLE.Steps.DirectorySync -ErrorAction SilentlyContinue
            }
            $result.Status | Should -Be 'Completed'
            $result.Steps[0].Data.started | Should -BeTrue
            @($warnings | Where-Object { "$_" -match 'Remove-Module IdLE\.Steps\.DirectorySync' }).Count | Should -Be 1
        }

        It 'importing this pack into a session that has IdLE''s pack fails with what to do' -Skip:$NoIdleDirectorySync {
            # A fresh runspace (same process, same PSModulePath) that loaded IdLE's pack first.
            $runspace = [runspacefactory]::CreateRunspace([initialsessionstate]::CreateDefault2())
            $runspace.Open()
            try {
                $shell = [powershell]::Create()
                $shell.Runspace = $runspace
                $null = $shell.AddScript({
                        Import-Module -Name IdLE -ErrorAction Stop
                        Import-Module -Name IdLE.Steps.DirectorySync -ErrorAction Stop
                        try {
                            Import-Module -Name IdLE.Steps.EntraConnectSync -ErrorAction Stop
                            [pscustomobject]@{ Imported = $true; ErrorId = $null; Message = $null }
                        }
                        catch {
                            [pscustomobject]@{ Imported = $false; ErrorId = $_.FullyQualifiedErrorId; Message = $_.Exception.Message }
                        }
                    })
                $answer = @($shell.Invoke())
                $answer.Count | Should -Be 1
                $answer[0].Imported | Should -BeFalse
                $answer[0].ErrorId | Should -BeLike 'IdLE.DirectorySync.StepPackConflict*'
                $answer[0].Message | Should -Match 'Remove-Module IdLE\.Steps\.DirectorySync'
            }
            finally {
                $runspace.Dispose()
            }
        }
    }
}
