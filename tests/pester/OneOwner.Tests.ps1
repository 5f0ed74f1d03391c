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
    BeforeAll {
        function Invoke-StepRunspace {
            # Runs $Body in a fresh runspace with the step pack and the step test helpers loaded:
            # progress records reach that runspace's streams, not this one's.
            param([scriptblock] $Body)
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param([string] $Helpers, [string] $Body)
                        Import-Module -Name 'IdLE.Steps.EntraConnectSync' -ErrorAction Stop
                        . $Helpers
                        . ([scriptblock]::Create($Body))
                    }).AddArgument("$PSScriptRoot/StepHelpers.ps1").AddArgument($Body.ToString())
                $clock = [System.Diagnostics.Stopwatch]::StartNew()
                $output = @($ps.Invoke())
                $clock.Stop()
                [pscustomobject]@{ Output = $output; Errors = @($ps.Streams.Error); Progress = @($ps.Streams.Progress); Elapsed = $clock.Elapsed }
            }
            finally {
                $ps.Dispose()
            }
        }
    }

    It 'writes the phase and the elapsed time, no percentage, at most about one record a second or per change of phase' {
        $run = Invoke-StepRunspace {
            $context = New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider -States 'Idle', 'InProgress', 'InProgress', 'InProgress', 'Idle' }
            $step = @{ Name = 'Sync'; Type = 'IdLE.Step.TriggerDirectorySync'; With = @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 30 } }
            Invoke-IdleStepTriggerDirectorySync -Context $context -Step $step
        }
        $run.Errors | Should -BeNullOrEmpty
        $run.Output[-1].Status | Should -Be 'Completed'
        $records = @($run.Progress | Where-Object RecordType -EQ 'Processing')
        $records.Count | Should -BeGreaterThan 0
        foreach ($record in $records) {
            $record.PercentComplete | Should -Be -1
            $record.StatusDescription | Should -Match '\.$'
            $record.CurrentOperation | Should -Match '^Elapsed \d\d:\d\d:\d\d$'
        }
        $phases = @($records | ForEach-Object StatusDescription | Select-Object -Unique).Count
        # One record per change of phase, plus at most one for every second waited.
        $records.Count | Should -BeLessOrEqual ($phases + [System.Math]::Ceiling($run.Elapsed.TotalSeconds))
        @($run.Progress | Where-Object RecordType -EQ 'Completed').Count | Should -Be 1
    }

    It 'writes no progress at all when there is nothing to wait for (a refused With, a trigger alone)' {
        $run = Invoke-StepRunspace {
            $context = New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider -States 'Idle' }
            try { Invoke-IdleStepTriggerDirectorySync -Context $context -Step @{ Name = 'Sync'; With = @{ AuthSessionName = 'EC' } } } catch { $null = $_ }
            (Invoke-IdleStepTriggerDirectorySync -Context $context -Step @{ Name = 'Sync'; With = @{ AuthSessionName = 'EC'; PolicyType = 'Delta' } }).Status
        }
        $run.Output | Should -Be @('Completed')
        $run.Progress | Should -BeNullOrEmpty
    }
}

Describe 'ErrorIds are written in one place' {
    BeforeAll {
        $script:Root = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..'))
        # The one place outside Rust: the row C# must hold for a library that cannot load.
        $script:Allowed = 'pwsh/src/IdLE.EntraConnect.Interop/FailureClasses.cs'
        # IdLE's capability names share the prefix; they are no ErrorIds.
        $script:Capabilities = @('IdLE.DirectorySync.Trigger', 'IdLE.DirectorySync.Status')
        $script:IdPattern = 'IdLE\.DirectorySync\.[A-Za-z]+'

        function Get-ModuleSource([string] $Pattern) {
            $pwshRoot = [System.IO.Path]::Combine($script:Root, 'pwsh')
            @(Get-ChildItem -LiteralPath $pwshRoot -Recurse -File -Filter $Pattern |
                    Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' } |
                    ForEach-Object { [System.IO.Path]::GetRelativePath($script:Root, $_.FullName).Replace('\', '/') })
        }

        function Get-PowerShellIdLiteral([string] $Path, [string] $Pattern = $script:IdPattern) {
            # ErrorId-shaped text in the code's strings (help and comments are documentation).
            $tokens = $null; $errors = $null
            $null = [System.Management.Automation.Language.Parser]::ParseFile([System.IO.Path]::Combine($script:Root, $Path), [ref] $tokens, [ref] $errors)
            foreach ($token in $tokens) {
                if ($token -is [System.Management.Automation.Language.StringToken]) {
                    foreach ($m in [regex]::Matches($token.Text, $Pattern)) {
                        if ($script:Capabilities -notcontains $m.Value) { "$($Path):$($token.Extent.StartLineNumber): $($m.Value)" }
                    }
                }
            }
        }

        function Get-CSharpIdLiteral([string] $Path, [string] $Pattern = $script:IdPattern) {
            # ErrorId-shaped text inside C# string literals, comments (// and ///) dropped.
            $number = 0
            foreach ($line in [System.IO.File]::ReadAllLines([System.IO.Path]::Combine($script:Root, $Path))) {
                $number++
                $code = [regex]::Replace($line, '^\s*//.*$|\s//.*$', '')
                foreach ($literal in [regex]::Matches($code, '"(?:[^"\\]|\\.)*"')) {
                    foreach ($m in [regex]::Matches($literal.Value, $Pattern)) {
                        if ($script:Capabilities -notcontains $m.Value) { "$($Path):$($number): $($m.Value)" }
                    }
                }
            }
        }
    }

    It 'no .psm1 of the modules writes an ErrorId' {
        $found = @(foreach ($file in Get-ModuleSource '*.psm1') { Get-PowerShellIdLiteral $file })
        (Get-ModuleSource '*.psm1').Count | Should -BeGreaterOrEqual 2
        $found | Should -BeNullOrEmpty
    }

    It 'no C# file writes an ErrorId, except the one row for a library that cannot load' {
        $files = @(Get-ModuleSource '*.cs')
        $files | Should -Contain $script:Allowed
        $found = @(foreach ($file in $files) { if ($file -ne $script:Allowed) { Get-CSharpIdLiteral $file } })
        $found | Should -BeNullOrEmpty
        @(Get-CSharpIdLiteral $script:Allowed | ForEach-Object { ($_ -split ': ')[-1] }) | Should -Be @('IdLE.DirectorySync.NativeLibraryUnavailable')
    }

    It 'the check finds a literal where there is one' {
        # The checks above cannot pass by reading nothing: the provider's help names ErrorIds in
        # documentation, and this test's own sources hold them as code.
        @(Get-PowerShellIdLiteral 'tests/pester/Step.Tests.ps1').Count | Should -BeGreaterThan 0
        @(Get-CSharpIdLiteral $script:Allowed).Count | Should -Be 1
    }

    It 'no .psm1 or C# file names an event type: every event is built by the core' {
        # DirectorySyncFailed included: the core renders it once (src/wait/render.rs).
        $events = '\bDirectorySync(Triggered|Waiting|Poll|Completed|Failed)\b'
        $found = @(
            foreach ($file in Get-ModuleSource '*.psm1') { Get-PowerShellIdLiteral $file $events }
            foreach ($file in Get-ModuleSource '*.cs') { Get-CSharpIdLiteral $file $events }
        )
        $found | Should -BeNullOrEmpty
        # The check finds an event type where there is one.
        @(Get-PowerShellIdLiteral 'tests/pester/Step.Tests.ps1' $events).Count | Should -BeGreaterThan 0
    }

    It 'no .psm1 or C# file names a failure class: the core decides every failure, except the one row for a library that cannot load' {
        # Every class of the core's table (src/failure.rs), as a whole word in a string literal
        # of code (comments and help are documentation). Case matters: "providerUsedAfterDispose"
        # names what happened, the core answers which class that is.
        $classes = @([IdLE.EntraConnect.Interop.FailureClasses]::Table.Keys)
        $classes.Count | Should -BeGreaterThan 15
        $classes | Should -Contain 'NativeLibraryUnavailable'
        $pattern = '\b(' + ($classes -join '|') + ')\b'
        $found = @(
            foreach ($file in Get-ModuleSource '*.psm1') { Get-PowerShellIdLiteral $file $pattern }
            foreach ($file in Get-ModuleSource '*.cs') { if ($file -ne $script:Allowed) { Get-CSharpIdLiteral $file $pattern } }
        )
        $found | Should -BeNullOrEmpty
        # The one row: its class and its ErrorId, on one line.
        $row = @(Get-CSharpIdLiteral $script:Allowed $pattern)
        @($row | ForEach-Object { ($_ -split ': ')[-1] } | Select-Object -Unique) | Should -Be @('NativeLibraryUnavailable')
        @($row | ForEach-Object { ($_ -split ': ')[0] } | Select-Object -Unique).Count | Should -Be 1
    }

    It 'the failure-class check finds a literal where there is one' {
        $pattern = '\b(' + (@([IdLE.EntraConnect.Interop.FailureClasses]::Table.Keys) -join '|') + ')\b'
        # In PowerShell: this file raises classes by name in code.
        @(Get-PowerShellIdLiteral 'tests/pester/OneOwner.Tests.ps1' $pattern).Count | Should -BeGreaterThan 0
        # In C#: a literal in code is found, the same word in comments and in another casing is not.
        $source = Join-Path $TestDrive 'Sample.cs'
        Set-Content -LiteralPath $source -Value @(
            '    // Raises "CycleBusy" in a comment.'
            '    /// <summary>Says "AuthSessionInvalid" in documentation.</summary>'
            '    throw Describe("providerUsedAfterDispose", null); // "ProviderDisposed" here is a comment'
            '    throw DirectorySyncException.Of("InvalidInput", "The PolicyType is invalid.");'
        )
        @(Get-CSharpIdLiteral $source $pattern | ForEach-Object { ($_ -split ': ')[-1] }) | Should -Be @('InvalidInput')
    }

    It 'the step pack conflict is worded by the core from the versions the step gathers' {
        $e = [IdLE.EntraConnect.Interop.DirectorySyncException]::IdleStepPackLoaded([string[]] @('0.9.0', '0.9.1'))
        $e.ErrorId | Should -BeExactly 'IdLE.DirectorySync.StepPackConflict'
        $e.ErrorRecord.CategoryInfo.Category | Should -Be 'ResourceExists'
        $e.Message | Should -BeLike "IdLE's own step pack IdLE.Steps.DirectorySync (0.9.0, 0.9.1) is loaded in this session.*'Remove-Module IdLE.Steps.EntraConnectSync'."
    }

    It 'C#''s one row agrees with the core''s table' {
        $table = [System.Text.Json.JsonDocument]::Parse([IdLE.EntraConnect.Interop.FailureClasses]::TableJson)
        try {
            $rows = @($table.RootElement.EnumerateArray() | Where-Object { $_.GetProperty('class').GetString() -eq 'NativeLibraryUnavailable' })
            $rows.Count | Should -Be 1
            $row = [IdLE.EntraConnect.Interop.FailureClasses]::NativeLibraryUnavailable
            $rows[0].GetProperty('errorId').GetString() | Should -BeExactly $row.ErrorId
            $rows[0].GetProperty('category').GetString() | Should -BeExactly ([string] $row.Category)
            $rows[0].GetProperty('transient').GetBoolean() | Should -Be $row.Transient
        }
        finally {
            $table.Dispose()
        }
    }

    It 'every class C# raises by name has its ErrorId, category and transience from the core (<Class>)' -ForEach @(
        @{ Class = 'AuthSessionInvalid' }, @{ Class = 'AuthSessionUnavailable' }, @{ Class = 'ProviderDisposed' }, @{ Class = 'WaitMachineDisposed' },
        @{ Class = 'ReentrantCall' }, @{ Class = 'StepPackConflict' }, @{ Class = 'InvalidInput' }, @{ Class = 'Internal' }
    ) {
        $table = [IdLE.EntraConnect.Interop.FailureClasses]::Table
        $table.ContainsKey($Class) | Should -BeTrue
        $e = [IdLE.EntraConnect.Interop.DirectorySyncException]::Of($Class, 'A message.')
        $e.FailureClass | Should -BeExactly $Class
        $e.ErrorId | Should -BeExactly $table[$Class].ErrorId
        $e.ErrorRecord.CategoryInfo.Category | Should -Be $table[$Class].Category
        $e.IsTransient | Should -Be $table[$Class].Transient
    }
}

Describe 'The step''s With keys have one owner' {
    It 'the core accepts exactly the keys of StepMetadataCatalog.psd1, in its order' {
        $schema = (Get-IdleStepMetadataCatalog)['IdLE.Step.TriggerDirectorySync'].WithSchema
        $catalog = @($schema.RequiredKeys) + @($schema.OptionalKeys)
        $machine = [IdLE.EntraConnect.Interop.WaitMachine]::ForStep('Keys', @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; NotAKey = 1 })
        try {
            $decision = $machine.Next(@{ kind = 'start' })
            $decision.action | Should -Be 'fail'
            ($decision.failure.message -match 'Allowed keys: (.+)\.$') | Should -BeTrue
            @($Matches[1] -split ', ') | Should -Be $catalog
        }
        finally {
            $machine.Dispose()
        }
    }
}

Describe 'Our provider''s results reach the machine typed' {
    BeforeAll {
        function New-AlteringProvider {
            # Our provider behind a wrapper that alters each trigger result after the fact (Started
            # set to $false), handing on our object itself or, with -Copy, a copy that is no
            # result of ours.
            param([switch] $Copy)
            $wrapper = [pscustomobject]@{ Inner = New-IdleEntraConnectDirectorySyncProvider; Copy = [bool] $Copy }
            $wrapper.PSObject.Methods.Add([psscriptmethod]::new('StartSyncCycle', {
                        param($PolicyType, $AuthSession)
                        $result = $this.Inner.StartSyncCycle($PolicyType, $AuthSession)
                        $result.Started = $false
                        if ($this.Copy) { [pscustomobject]@{ Started = $result.Started; Message = $result.Message } } else { $result }
                    }))
            $wrapper.PSObject.Methods.Add([psscriptmethod]::new('GetSyncCycleState', { param($AuthSession) $this.Inner.GetSyncCycleState($AuthSession) }))
            $wrapper
        }
    }

    It 'the machine reads a state of ours from the core''s own JSON, a copy leniently' {
        $provider = New-IdleEntraConnectDirectorySyncProvider
        try {
            $state = $provider.GetSyncCycleState((New-HappySession))
            $state.Details['SchedulerSuspended'] | Should -BeFalse
            $state.Details['SchedulerSuspended'] = $true
            $copy = [pscustomobject]@{ InProgress = $state.InProgress; State = $state.State; Details = $state.Details }
            foreach ($case in @(@{ Answer = $state; Action = 'trigger' }, @{ Answer = $copy; Action = 'fail' })) {
                $machine = [IdLE.EntraConnect.Interop.WaitMachine]::new(@{ wait = $true })
                try {
                    $null = $machine.Next(@{ kind = 'start' })
                    $decision = $machine.Next(@{ kind = 'baseline'; answers = @($case.Answer) })
                    $decision.action | Should -Be $case.Action
                }
                finally {
                    $machine.Dispose()
                }
            }
        }
        finally {
            $provider.Dispose()
        }
    }

    It 'the step hands our provider''s result on typed (<Case>)' -ForEach @(
        @{ Case = 'our object, altered after the fact: the core''s own answer counts'; Copy = $false; Status = 'Completed' }
        @{ Case = 'a copy of it: read as any provider''s, Started false'; Copy = $true; Status = $null }
    ) {
        $context = New-TestContext -Providers @{ DirectorySync = New-AlteringProvider -Copy:$Copy } -Session (New-HappySession)
        $failure = $null
        $result = $null
        try { $result = Invoke-IdleStepTriggerDirectorySync -Context $context -Step (New-TestStep -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta' }) } catch { $failure = $_ }
        if ($Status) {
            $failure | Should -BeNullOrEmpty
            $result.Status | Should -Be $Status
        }
        else {
            $failure.Exception.Message | Should -Match 'did not start'
        }
    }
}
