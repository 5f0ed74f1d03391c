#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# Issue 17: one owner for every decision. The canonical policy type comes from the core's
# validated configuration; ErrorIds are written in one place only.

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $script:Modules = Initialize-IdleEcTestModules

    function New-RecordingProvider {
        # A provider that records the policy type it is asked to trigger.
        $provider = [pscustomobject]@{ Name = 'Recording'; Policies = [System.Collections.Generic.List[string]]::new() }
        $provider.PSObject.Members.Add([psscriptmethod]::new('StartSyncCycle', {
                    param($PolicyType, $AuthSession)
                    $this.Policies.Add([string] $PolicyType)
                    @{ Started = $true; Message = 'ok' }
                }))
        $provider.PSObject.Members.Add([psscriptmethod]::new('GetSyncCycleState', { param($AuthSession) @{ State = 'Idle' } }))
        return $provider
    }
}

Describe 'The canonical policy type comes from the core' {
    It 'the wait machine gives <Expected> for <Given>' -ForEach @(
        @{ Given = ' iNiTiAl '; Expected = 'Initial' }
        @{ Given = 'DELTA'; Expected = 'Delta' }
        @{ Given = "`tinitial"; Expected = 'Initial' }
    ) {
        $machine = [IdLE.EntraConnect.Interop.WaitMachine]::new(@{ policyType = $Given })
        try { $machine.PolicyType | Should -BeExactly $Expected } finally { $machine.Dispose() }
    }

    It 'a machine configured without a policy type has none' {
        $machine = [IdLE.EntraConnect.Interop.WaitMachine]::new(@{})
        try { $machine.PolicyType | Should -BeNullOrEmpty } finally { $machine.Dispose() }
    }

    It 'the step triggers the provider with the canonical spelling of <Given>' -ForEach @(
        @{ Given = ' iNiTiAl '; Expected = 'Initial' }
        @{ Given = 'initial'; Expected = 'Initial' }
        @{ Given = 'dElTa '; Expected = 'Delta' }
    ) {
        $provider = New-RecordingProvider
        $context = New-TestContext -Providers @{ DirectorySync = $provider } -Session (New-HappySession)
        $result = Invoke-IdleStepTriggerDirectorySync -Context $context -Step (New-TestStep -With @{ AuthSessionName = 'EntraConnect'; PolicyType = $Given })
        $result.Status | Should -Be 'Completed'
        @($provider.Policies) | Should -Be @($Expected)
        $result.Data.policyType | Should -BeExactly $Expected
    }
}

Describe 'Progress tells the truth' {
    It 'writes the phase and the elapsed time, no percentage, at most about one record a second or per change of phase' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param([string] $Helpers)
                    Import-Module -Name 'IdLE.Steps.EntraConnectSync' -ErrorAction Stop
                    . $Helpers
                    $context = New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider -States 'Idle', 'InProgress', 'InProgress', 'InProgress', 'Idle' }
                    $step = @{ Name = 'Sync'; Type = 'IdLE.Step.TriggerDirectorySync'; With = @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 30 } }
                    Invoke-IdleStepTriggerDirectorySync -Context $context -Step $step
                }).AddArgument("$PSScriptRoot/StepHelpers.ps1")
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $output = @($ps.Invoke())
            $clock.Stop()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $output[-1].Status | Should -Be 'Completed'
            $records = @($ps.Streams.Progress | Where-Object RecordType -EQ 'Processing')
            $records.Count | Should -BeGreaterThan 0
            foreach ($record in $records) {
                $record.PercentComplete | Should -Be -1
                $record.StatusDescription | Should -Match '\.$'
                $record.CurrentOperation | Should -Match '^Elapsed \d\d:\d\d:\d\d$'
            }
            $phases = @($records | ForEach-Object StatusDescription | Select-Object -Unique).Count
            # One record per change of phase, plus at most one for every second waited.
            $records.Count | Should -BeLessOrEqual ($phases + [System.Math]::Ceiling($clock.Elapsed.TotalSeconds))
            @($ps.Streams.Progress | Where-Object RecordType -EQ 'Completed').Count | Should -Be 1
        }
        finally {
            $ps.Dispose()
        }
    }
}
