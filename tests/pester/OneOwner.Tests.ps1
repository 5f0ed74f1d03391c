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
