#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# What a cycle did (issue 19): the provider's GetSyncCycleRuns, the run summary and warnings on
# the step's Completed event and result, FailOnRunErrors, a cycle seen only in the run history,
# and a foreign provider without the method. Against the packaged modules and the simulator.

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $script:Modules = Initialize-IdleEcTestModules
    if (-not (Test-Path -LiteralPath $script:Modules.Simulator)) {
        throw "The simulator module is not at '$($script:Modules.Simulator)'. Run scripts/build.sh or set IDLE_EC_SIMULATOR."
    }
    Import-Module -Name $script:Modules.Simulator -ErrorAction Stop
    $script:StatePath = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'idle-ec-pester-runs-' + [guid]::NewGuid().ToString('N') + '.json')
    $script:Entra = 'contoso.onmicrosoft.com - AAD'
    $script:FastServer = @{ StepSeconds = 0.2; GapSeconds = 0.1; StartLagSeconds = 0.3; AutoSchedulerCycles = $false }
    $script:WaitWith = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 120 }

    function New-SimSession {
        # Runs the named command in this runspace, splatted; -Deserialize passes each output
        # object through PSSerializer, as remoting delivers it (default depth).
        param([switch] $Deserialize)
        $session = [pscustomobject]@{ PSTypeName = 'Test.LocalAuthSession'; Deserialize = [bool] $Deserialize; Calls = [System.Collections.Generic.List[string]]::new() }
        $session.PSObject.Members.Add([psscriptmethod]::new('InvokeCommand', {
                    param($CommandName, $Parameters)
                    $this.Calls.Add($CommandName)
                    foreach ($item in (& $CommandName @Parameters)) {
                        if ($this.Deserialize) { [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($item)) } else { $item }
                    }
                }))
        $session
    }

    function New-ForeignProvider {
        # A provider of someone else's: StartSyncCycle and GetSyncCycleState only.
        $inner = New-IdleEntraConnectDirectorySyncProvider
        $provider = [pscustomobject]@{ Inner = $inner }
        $provider.PSObject.Members.Add([psscriptmethod]::new('StartSyncCycle', { param($PolicyType, $AuthSession) $this.Inner.StartSyncCycle($PolicyType, $AuthSession) }))
        $provider.PSObject.Members.Add([psscriptmethod]::new('GetSyncCycleState', { param($AuthSession) $this.Inner.GetSyncCycleState($AuthSession) }))
        $provider
    }

    function Invoke-RunStep {
        param([hashtable] $With, [object] $Provider, [object] $Session)
        if ($null -eq $Provider) { $Provider = New-IdleEntraConnectDirectorySyncProvider }
        if ($null -eq $Session) { $Session = New-SimSession }
        $context = New-TestContext -Providers @{ DirectorySync = $Provider } -Session $Session
        $output = $null
        $failure = $null
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        try {
            $output = @(Invoke-IdleStepTriggerDirectorySync -Context $context -Step (New-TestStep -With $With))
        }
        catch {
            $failure = $_
        }
        $classified = if ($null -ne $failure) { [IdLE.EntraConnect.Interop.ErrorRecords]::FindClassified($failure) } else { $null }
        [pscustomobject]@{
            Output     = $output
            Result     = if ($output) { $output[0] } else { $null }
            Failure    = $failure
            Classified = $classified
            Events     = @($context.Events)
            Completed  = @($context.Events | Where-Object Type -EQ 'DirectorySyncCompleted')
            Failed     = @($context.Events | Where-Object Type -EQ 'DirectorySyncFailed')
            Seconds    = $watch.Elapsed.TotalSeconds
            Calls      = @($Session.Calls)
        }
    }

    function Get-WarningCode([object] $Result) { @($Result.Data.warnings | ForEach-Object { $_['code'] }) }
}

AfterAll {
    foreach ($file in $script:StatePath, "$($script:StatePath).lock") {
        if ($file -and (Test-Path -LiteralPath $file)) { Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue }
    }
}

Describe 'GetSyncCycleRuns (provider)' {
    It 'declares AuthSession literally, so IdLE passes the session' {
        $provider = New-IdleEntraConnectDirectorySyncProvider
        $names = $provider.PSObject.Methods['GetSyncCycleRuns'].Script.Ast.ParamBlock.Parameters.Name.VariablePath.UserPath
        # (Since, AuthSession) from IdLE 0.9's engines, (Since, ComputerName, AuthSession) in the
        # next contract's shape: AuthSession is literally named, and last.
        $names | Should -Be @('Since', 'ComputerName', 'AuthSession')
        @($provider.GetCapabilities()) | Should -Be @('IdLE.DirectorySync.Trigger', 'IdLE.DirectorySync.Status')
    }

    It 'takes a reference, then returns the runs since it with counts, oldest first (<Shape>)' -ForEach @(
        @{ Shape = 'live'; Deserialize = $false }
        @{ Shape = 'deserialized by remoting'; Deserialize = $true }
    ) {
        Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer -RunResult @{ "$($script:Entra)|Export" = 'completed-export-errors' }
        $session = New-SimSession -Deserialize:$Deserialize
        $provider = New-IdleEntraConnectDirectorySyncProvider
        # Runs before the reference are not ours.
        $null = Start-ADSyncSyncCycle -PolicyType Delta
        Set-ADSyncSimulatorClock -StatePath $script:StatePath -AdvanceSeconds 60
        $reference = $provider.GetSyncCycleRuns($null, $session).Reference
        $reference['RunHistoryId'] | Should -Not -BeNullOrEmpty
        @($provider.GetSyncCycleRuns($reference, $session).Runs).Count | Should -Be 0
        $null = Start-ADSyncSyncCycle -PolicyType Delta
        Set-ADSyncSimulatorClock -StatePath $script:StatePath -AdvanceSeconds 60
        $answer = $provider.GetSyncCycleRuns($reference, $session)
        $runs = @($answer.Runs)
        $runs.Count | Should -Be 6
        $runs[0]['RunProfileName'] | Should -Be 'Delta Import'
        $export = $runs | Where-Object { $_['ConnectorName'] -eq $script:Entra -and $_['RunProfileName'] -eq 'Export' }
        $export['Result'] | Should -Be 'completed-export-errors'
        $export['ResultClass'] | Should -Be 'CompletedWithErrors'
        $export['StartDate'] | Should -Match 'Z$'
        if ($Deserialize) {
            # Remoting's default depth flattens the steps: the results stay, the counts go.
            $export['Counts'].Count | Should -Be 0
        }
        else {
            $export['Counts']['exportErrors'] | Should -Be 3
            $export['Counts']['adds'] | Should -Be 1
            $export['Counts']['updates'] | Should -Be 2
            # The simulator lists the export errors in SyncErrorsXml as export-error entries too:
            # they count once, as export errors.
            $export['Counts']['syncErrors'] | Should -Be 0
        }
        $answer.Truncated | Should -BeFalse
        $session.Calls | Should -Be @('Get-ADSyncRunProfileResult', 'Get-ADSyncRunProfileResult', 'Get-ADSyncRunProfileResult')
    }

    It 'reads the runs in the next contract''s shape (Since, ComputerName, AuthSession) too' {
        Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer
        $session = New-SimSession
        $provider = New-IdleEntraConnectDirectorySyncProvider
        $reference = $provider.GetSyncCycleRuns($null, 'ec01.contoso.com', $session).Reference
        $null = Start-ADSyncSyncCycle -PolicyType Delta
        Set-ADSyncSimulatorClock -StatePath $script:StatePath -AdvanceSeconds 60
        @($provider.GetSyncCycleRuns($reference, 'ec01.contoso.com', $session).Runs).Count | Should -Be 6
        # A blank name in that shape is refused before any remote call.
        $before = $session.Calls.Count
        $failure = Get-TestFailure { $provider.GetSyncCycleRuns($reference, ' ', $session) }
        $failure.ErrorId | Should -Be 'IdLE.DirectorySync.InvalidArgument'
        $failure.Inner | Should -Match 'ComputerName'
        $session.Calls.Count | Should -Be $before
    }

    It 'a waited step with With.ComputerName reads the run history in the next contract''s shape' {
        Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer -RunResult @{ "$($script:Entra)|Export" = 'completed-export-errors' }
        $with = $script:WaitWith.Clone(); $with['ComputerName'] = 'ec01.contoso.com'
        $run = Invoke-RunStep -With $with
        $run.Failure | Should -BeNullOrEmpty
        $run.Result.Data['runHistory'] | Should -Be 'Read'
        Get-WarningCode $run.Result | Should -Contain 'RunCompletedWithErrors'
    }

    It 'refuses a Since it cannot read, before any remote call' {
        $session = New-SimSession
        $failure = Get-TestFailure { (New-IdleEntraConnectDirectorySyncProvider).GetSyncCycleRuns(42, $session) }
        $failure.ErrorId | Should -Be 'IdLE.DirectorySync.InvalidArgument'
        $failure.Inner | Should -Match 'Since'
        $session.Calls.Count | Should -Be 0
    }
}

Describe 'Run outcome of the step' {
    It '<Result> on <Run> gives <Expected>' -ForEach @(
        @{ Result = 'success'; Run = 'every run'; Rule = @{}; Expected = 'no warning'; Codes = @(); Class = 'Success'; Connector = $null }
        @{ Result = 'completed-export-errors'; Run = 'the Entra export'; Rule = @{ 'contoso.onmicrosoft.com - AAD|Export' = 'completed-export-errors' }; Expected = 'RunCompletedWithErrors'; Codes = @('RunCompletedWithErrors'); Class = 'CompletedWithErrors'; Connector = 'contoso.onmicrosoft.com - AAD' }
        @{ Result = 'completed-sync-errors'; Run = 'the AD sync'; Rule = @{ 'contoso.com|Delta Synchronization' = 'completed-sync-errors' }; Expected = 'RunCompletedWithErrors'; Codes = @('RunCompletedWithErrors'); Class = 'CompletedWithErrors'; Connector = 'contoso.com' }
        @{ Result = 'completed-export-warnings'; Run = 'the Entra export'; Rule = @{ 'contoso.onmicrosoft.com - AAD|Export' = 'completed-export-warnings' }; Expected = 'RunCompletedWithWarnings'; Codes = @('RunCompletedWithWarnings'); Class = 'CompletedWithWarnings'; Connector = 'contoso.onmicrosoft.com - AAD' }
        @{ Result = 'stopped-server-down'; Run = 'the AD import'; Rule = @{ 'contoso.com|Delta Import' = 'stopped-server-down' }; Expected = 'RunStopped'; Codes = @('RunStopped'); Class = 'Stopped'; Connector = 'contoso.com' }
        @{ Result = 'no-start-connection'; Run = 'the AD import'; Rule = @{ 'contoso.com|Delta Import' = 'no-start-connection' }; Expected = 'RunNotStarted'; Codes = @('RunNotStarted'); Class = 'NotStarted'; Connector = 'contoso.com' }
    ) {
        Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer -RunResult $Rule
        $run = Invoke-RunStep -With $script:WaitWith
        $run.Failure | Should -BeNullOrEmpty
        $run.Result.Status | Should -Be 'Completed'
        Get-WarningCode $run.Result | Should -Be $Codes
        $run.Result.Data.runHistory | Should -Be 'Read'
        $run.Completed.Count | Should -Be 1
        $data = $run.Completed[0].Data
        @($data['warnings']) | Should -Be $Codes
        $summary = @($data['runSummary'])
        $summary.Count | Should -Be 2
        @($summary | ForEach-Object { @($_['runs']).Count } | Measure-Object -Sum).Sum | Should -Be 6
        if ($Connector) {
            $entry = $summary | Where-Object { $_['connector'] -eq $Connector }
            $entry['resultClass'] | Should -Be $Class
            $entry['result'] | Should -Be $Result
            @($run.Result.Data.warnings)[0]['message'] | Should -Match ([regex]::Escape($Connector))
            $run.Completed[0].Message | Should -Match ([regex]::Escape($Result))
        }
        else {
            @($summary | ForEach-Object { $_['resultClass'] }) | Should -Be @('Success', 'Success')
        }
    }

    It 'tells stopped and not-started runs apart from completed-with-errors ones by class and severity' {
        Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer -RunResult @{ 'contoso.com|Delta Import' = 'stopped-server-down'; "$($script:Entra)|Export" = 'completed-export-errors' }
        $run = Invoke-RunStep -With $script:WaitWith
        Get-WarningCode $run.Result | Should -Be @('RunStopped', 'RunCompletedWithErrors')
        $summary = @($run.Result.Data.runSummary)
        ($summary | Where-Object { $_['connector'] -eq 'contoso.com' })['severity'] | Should -Be 'High'
        $entra = $summary | Where-Object { $_['connector'] -eq $script:Entra }
        $entra['severity'] | Should -Be 'Medium'
        $entra['exportErrors'] | Should -Be 3
    }

    It 'with FailOnRunErrors, <Result> fails with <ErrorId> naming the connector and result' -ForEach @(
        @{ Result = 'completed-export-errors'; Key = 'contoso.onmicrosoft.com - AAD|Export'; ErrorId = 'IdLE.DirectorySync.RunErrors'; Category = 'InvalidResult' }
        @{ Result = 'completed-sync-warnings'; Key = 'contoso.com|Delta Synchronization'; ErrorId = 'IdLE.DirectorySync.RunErrors'; Category = 'InvalidResult' }
        @{ Result = 'stopped-server-down'; Key = 'contoso.com|Delta Import'; ErrorId = 'IdLE.DirectorySync.RunStopped'; Category = 'OperationStopped' }
        @{ Result = 'no-start-connection'; Key = 'contoso.com|Delta Import'; ErrorId = 'IdLE.DirectorySync.RunStopped'; Category = 'OperationStopped' }
    ) {
        Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer -RunResult @{ $Key = $Result }
        $run = Invoke-RunStep -With ($script:WaitWith + @{ FailOnRunErrors = $true })
        $run.Output | Should -BeNullOrEmpty
        $run.Classified.ErrorId | Should -Be $ErrorId
        $run.Failure.CategoryInfo.Category.ToString() | Should -Be $Category
        $run.Classified.Data['Idle.IsTransient'] | Should -BeNullOrEmpty
        $run.Failure.Exception.Message | Should -Match ([regex]::Escape($Key.Split('|')[0]))
        $run.Failure.Exception.Message | Should -Match ([regex]::Escape($Result))
        $run.Failure.Exception.Message | Should -Match 'FailOnRunErrors'
        $run.Failed.Count | Should -Be 1
        $run.Failed[0].Data['errorId'] | Should -Be $ErrorId
        @($run.Failed[0].Data['runSummary']).Count | Should -Be 2
        $run.Completed.Count | Should -Be 0
    }

    It 'with FailOnRunErrors, completes when every run succeeded' {
        Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer
        $run = Invoke-RunStep -With ($script:WaitWith + @{ FailOnRunErrors = $true })
        $run.Failure | Should -BeNullOrEmpty
        $run.Result.Status | Should -Be 'Completed'
        Get-WarningCode $run.Result | Should -Be @()
    }

    It 'refuses FailOnRunErrors <Case>, naming the key, before any remote call' -ForEach @(
        @{ Case = 'without Wait'; With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; FailOnRunErrors = $true } }
        @{ Case = 'that is not a boolean'; With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; FailOnRunErrors = 'yes' } }
    ) {
        $session = New-SimSession
        $run = Invoke-RunStep -With $With -Session $session
        $run.Classified.ErrorId | Should -Be 'IdLE.DirectorySync.InvalidArgument'
        $run.Failure.Exception.Message | Should -Match 'FailOnRunErrors'
        $run.Calls.Count | Should -Be 0
    }

    It 'lists FailOnRunErrors among the optional With keys' {
        (Get-IdleStepMetadataCatalog)['IdLE.Step.TriggerDirectorySync'].WithSchema.OptionalKeys | Should -Contain 'FailOnRunErrors'
    }

    It 'reports results that came through remoting (deserialized), without counts' {
        Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer -RunResult @{ "$($script:Entra)|Export" = 'completed-export-errors' }
        $run = Invoke-RunStep -With $script:WaitWith -Session (New-SimSession -Deserialize)
        Get-WarningCode $run.Result | Should -Be @('RunCompletedWithErrors')
        ($run.Result.Data.runSummary | Where-Object { $_['connector'] -eq $script:Entra })['result'] | Should -Be 'completed-export-errors'
    }
}

Describe 'Run history as evidence' {
    It 'completes a cycle that started and ended between two polls without waiting out StartGraceSeconds' {
        Reset-ADSyncSimulator -StatePath $script:StatePath -StepSeconds 0.1 -GapSeconds 0.05 -StartLagSeconds 0.2 -AutoSchedulerCycles $false
        # A custom schedule further out than the interval: the cycle's end does not move it later.
        Set-ADSyncSimulatorScenario -StatePath $script:StatePath -NextSyncCycleStartTimeInUTC ([datetime]::UtcNow.AddHours(2))
        $run = Invoke-RunStep -With @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 4; StartGraceSeconds = 60; TimeoutSeconds = 120 }
        $run.Failure | Should -BeNullOrEmpty
        $run.Result.Data.evidence | Should -Be 'RunHistoryEntry'
        Get-WarningCode $run.Result | Should -Not -Contain 'StartNotObserved'
        $run.Seconds | Should -BeLessThan 20
        @($run.Calls | Where-Object { $_ -eq 'Get-ADSyncRunProfileResult' }).Count | Should -Be 3
    }
}

Describe 'A foreign provider without GetSyncCycleRuns' {
    It 'still works; the run history is NotSupported and no run result is reported' {
        Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer -RunResult @{ "$($script:Entra)|Export" = 'completed-export-errors' }
        $session = New-SimSession
        $run = Invoke-RunStep -With $script:WaitWith -Provider (New-ForeignProvider) -Session $session
        $run.Failure | Should -BeNullOrEmpty
        $run.Result.Status | Should -Be 'Completed'
        $run.Result.Data.runHistory | Should -Be 'NotSupported'
        Get-WarningCode $run.Result | Should -Be @()
        $run.Calls | Should -Not -Contain 'Get-ADSyncRunProfileResult'
    }

    It 'with FailOnRunErrors, completes with a RunHistoryUnavailable warning instead of guessing' {
        Reset-ADSyncSimulator -StatePath $script:StatePath @FastServer -RunResult @{ "$($script:Entra)|Export" = 'completed-export-errors' }
        $run = Invoke-RunStep -With ($script:WaitWith + @{ FailOnRunErrors = $true }) -Provider (New-ForeignProvider)
        $run.Failure | Should -BeNullOrEmpty
        Get-WarningCode $run.Result | Should -Be @('RunHistoryUnavailable')
        @($run.Result.Data.warnings)[0]['message'] | Should -Match 'GetSyncCycleRuns'
    }
}
