#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# The provider object as IdLE's engine sees it (the IdLE contract): capabilities, the AuthSession
# parameter IdLE looks for, the shapes StartSyncCycle and GetSyncCycleState return.

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $script:Modules = Initialize-IdleEcTestModules
}

Describe 'The packaged modules' {
    It 'are found by name on PSModulePath, the packaged copy first' {
        $manifests = @{
            'IdLE.Provider.EntraConnectSync' = $script:Modules.ProviderManifest
            'IdLE.Steps.EntraConnectSync'    = $script:Modules.StepsManifest
        }
        foreach ($name in $manifests.Keys) {
            $expected = (Import-PowerShellDataFile -Path $manifests[$name]).ModuleVersion
            $available = @(Get-Module -ListAvailable -Name $name)
            $available.Count | Should -BeGreaterOrEqual 1
            [string] $available[0].Version | Should -Be $expected
        }
    }

    It 'pass Test-ModuleManifest' {
        (Test-ModuleManifest -Path $script:Modules.ProviderManifest -ErrorAction Stop).Name | Should -Be 'IdLE.Provider.EntraConnectSync'
        (Test-ModuleManifest -Path $script:Modules.StepsManifest -ErrorAction Stop).Name | Should -Be 'IdLE.Steps.EntraConnectSync'
    }

    It 'export exactly the functions of the contract' {
        @((Get-Module IdLE.Provider.EntraConnectSync).ExportedCommands.Keys) | Should -Be @('New-IdleEntraConnectDirectorySyncProvider')
        @((Get-Module IdLE.Steps.EntraConnectSync).ExportedCommands.Keys | Sort-Object) | Should -Be @('Get-IdleStepMetadataCatalog', 'Invoke-IdleStepTriggerDirectorySync')
    }

    It 'carry a native library for this platform' {
        $rid = [IdLE.EntraConnect.Interop.NativeLibraryLocator]::RuntimeIdentifier
        $library = [System.IO.Path]::Combine((Split-Path $script:Modules.ProviderManifest), 'runtimes', $rid, 'native', [IdLE.EntraConnect.Interop.NativeLibraryLocator]::LibraryFileName)
        $library | Should -Exist
    }

    It 'describe the step in the metadata catalog' {
        $entry = (Get-IdleStepMetadataCatalog)['IdLE.Step.TriggerDirectorySync']
        $entry.RequiredCapabilities | Should -Be @('IdLE.DirectorySync.Trigger', 'IdLE.DirectorySync.Status')
        $entry.WithSchema.RequiredKeys | Should -Be @('AuthSessionName', 'PolicyType')
        $entry.WithSchema.OptionalKeys | Should -Contain 'Wait'
        $entry.WithSchema.OptionalKeys | Should -Contain 'TimeoutSeconds'
        $entry.WithSchema.OptionalKeys | Should -Contain 'PollIntervalSeconds'
        $entry.WithSchema.OptionalKeys | Should -Contain 'AuthSessionOptions'
        $entry.WithSchema.OptionalKeys | Should -Contain 'Provider'
    }
}

Describe 'New-IdleEntraConnectDirectorySyncProvider' {
    BeforeEach {
        $provider = New-IdleEntraConnectDirectorySyncProvider
    }
    AfterEach {
        $provider.Dispose()
    }

    It 'reports exactly the two directory sync capabilities' {
        $provider.GetCapabilities() | Should -Be @('IdLE.DirectorySync.Trigger', 'IdLE.DirectorySync.Status')
    }

    It 'GetCapabilities takes no session' {
        $provider.PSObject.Methods['GetCapabilities'].Script.Ast.ParamBlock | Should -BeNullOrEmpty
    }

    It '<Method> is a ScriptMethod whose param block ends with a parameter named AuthSession' -ForEach @(
        @{ Method = 'StartSyncCycle' }
        @{ Method = 'GetSyncCycleState' }
    ) {
        $m = $provider.PSObject.Methods[$Method]
        $m | Should -BeOfType [System.Management.Automation.PSScriptMethod]
        $names = @($m.Script.Ast.ParamBlock.Parameters | ForEach-Object { $_.Name.VariablePath.UserPath })
        $names[-1] | Should -Be 'AuthSession'
    }

    It 'StartSyncCycle returns Started, Message and Details and sends the normalised policy' {
        $session = New-HappySession
        $result = $provider.StartSyncCycle.Invoke('dELTa', $session)   # positionally, session last, as IdLE calls it
        $result.Started | Should -BeOfType [bool]
        $result.Started | Should -BeTrue
        $result.Message | Should -Not -BeNullOrEmpty
        $result.Details | Should -BeOfType [hashtable]
        $result.Details.PolicyType | Should -Be 'Delta'
        $session.Calls.Count | Should -Be 1
        $session.Calls[0].CommandName | Should -Be 'Start-ADSyncSyncCycle'
        $session.Calls[0].Parameters['PolicyType'] | Should -BeExactly 'Delta'
        @($session.Calls[0].Parameters.Keys).Count | Should -Be 1
    }

    It 'GetSyncCycleState returns InProgress, State and Details (deserialized: <Deserialize>)' -ForEach @(
        @{ Deserialize = $false }
        @{ Deserialize = $true }
    ) {
        $session = New-HappySession -Deserialize:$Deserialize
        $state = $provider.GetSyncCycleState($session)
        $state.InProgress | Should -BeOfType [bool]
        $state.InProgress | Should -BeFalse
        $state.State | Should -Be 'Idle'
        $state.Details | Should -BeOfType [hashtable]
        $state.Details.StagingModeEnabled | Should -BeFalse
        $state.Details.SchedulerSuspended | Should -BeFalse
        $state.Details.NextSyncCycleStartTimeInUTC | Should -Be '2026-11-23T12:00:00Z'
        $session.Calls[0].CommandName | Should -Be 'Get-ADSyncScheduler'
    }

    It 'State is <State> when SyncCycleInProgress is <Value>' -ForEach @(
        @{ Value = $true; State = 'InProgress'; InProgress = $true }
        @{ Value = 'True'; State = 'InProgress'; InProgress = $true }
        @{ Value = $false; State = 'Idle'; InProgress = $false }
        @{ Value = 'garbage'; State = 'Unknown'; InProgress = $false }
        @{ Value = $null; State = 'Unknown'; InProgress = $false }
        @{ Value = '(missing)'; State = 'Unknown'; InProgress = $false }
    ) {
        $session = New-TestSession -Handlers @{ 'Get-ADSyncScheduler' = {
                param($p, $s)
                $scheduler = New-TestScheduler -Override @{ SyncCycleInProgress = $s.State['Value'] }
                if ($s.State['Value'] -is [string] -and $s.State['Value'] -eq '(missing)') { $scheduler.PSObject.Properties.Remove('SyncCycleInProgress') }
                $scheduler
            } }
        $session.State['Value'] = $Value
        # Not $state: PowerShell variables are case-insensitive, so that would overwrite the
        # case's own $State and compare the answer with itself.
        $answer = $provider.GetSyncCycleState($session)
        $answer.State | Should -BeExactly $State
        $answer.InProgress | Should -Be $InProgress
    }

    It 'rejects the policy type <Policy> naming the allowed values, without a remote call' -ForEach @(
        @{ Policy = 'Full' }
        @{ Policy = '' }
        @{ Policy = $null }
        @{ Policy = 'Unspecified' }
        @{ Policy = 'Delta; Remove-Item' }
    ) {
        $session = New-HappySession
        $failure = Get-TestFailure { $provider.StartSyncCycle($Policy, $session) }
        $failure.ErrorId | Should -Be 'IdLE.DirectorySync.InvalidArgument'
        $failure.Category | Should -Be 'InvalidArgument'
        $failure.Inner | Should -Match 'PolicyType'
        $failure.Inner | Should -Match 'Delta'
        $failure.Inner | Should -Match 'Initial'
        $session.Calls.Count | Should -Be 0
    }

    It 'rejects a session without InvokeCommand with a message naming InvokeCommand and the AuthSessionBroker (<Description>)' -ForEach @(
        @{ Description = 'null'; Session = $null }
        @{ Description = 'empty hashtable'; Session = @{} }
        @{ Description = 'string'; Session = 'a string' }
        @{ Description = 'object without method'; Session = [pscustomobject]@{ Name = 'no method' } }
        @{ Description = 'script block in a hashtable'; Session = @{ InvokeCommand = { 'a scriptblock in a hashtable is not a method' } } }
    ) {
        foreach ($call in { $provider.StartSyncCycle('Delta', $Session) }, { $provider.GetSyncCycleState($Session) }) {
            $failure = Get-TestFailure $call
            $failure.ErrorId | Should -Be 'IdLE.DirectorySync.AuthSessionInvalid'
            $failure.Message | Should -Match 'InvokeCommand'
            $failure.Message | Should -Match 'AuthSessionBroker'
        }
    }

    It 'failures reach the caller in IdLE''s method-call wrapper with a message that stands on its own' {
        $failure = Get-TestFailure { $provider.StartSyncCycle('Weekly', (New-HappySession)) }
        $failure.Message | Should -BeLike 'Exception calling "StartSyncCycle" with "2" argument(s): *'
        $failure.Message | Should -Match "'Weekly'"
    }

    It 'Dispose frees the native provider and later calls fail cleanly, naming the disposal' {
        $disposed = New-IdleEntraConnectDirectorySyncProvider
        $disposed.Dispose()
        $failure = Get-TestFailure { $disposed.GetSyncCycleState((New-HappySession)) }
        $failure.Message | Should -Match 'disposed'
    }

    It 'the interop cmdlet stays internal' {
        Get-Command -Name Invoke-IdleAuthSessionCommand -ErrorAction Ignore | Should -BeNullOrEmpty
    }

    It 'survives a full garbage collection between creation and use' {
        $session = New-HappySession
        [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
        $provider.StartSyncCycle('Initial', $session).Started | Should -BeTrue
        [GC]::Collect(); [GC]::WaitForPendingFinalizers()
        $provider.GetSyncCycleState($session).State | Should -Be 'Idle'
    }
}
