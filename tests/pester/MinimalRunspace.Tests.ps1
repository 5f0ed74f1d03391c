#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# The modules' own code uses the PowerShell engine alone (no Utility or Management cmdlets), so
# hosts that build a minimal runspace can use them: imported into a runspace made from
# [initialsessionstate]::Create() (engine core only, no cmdlets, no providers), the installed
# modules trigger and wait against the simulator. The simulated server runs in a runspace of its
# own (it needs the FileSystem provider for its state file), as a real server is elsewhere too:
# the session's InvokeCommand runs the named command there.

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $script:Modules = Initialize-IdleEcTestModules
    $script:StatePath = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'idle-ec-minimal-' + [guid]::NewGuid().ToString('N') + '.json')
}

AfterAll {
    foreach ($file in $script:StatePath, "$($script:StatePath).lock") {
        if (Test-Path -LiteralPath $file) { Remove-Item -LiteralPath $file -Force }
    }
}

Describe 'A runspace from [initialsessionstate]::Create()' {
    It 'has no Utility or Management cmdlets, and the modules trigger and wait in it' {
        $iss = [initialsessionstate]::Create()
        # Create() leaves the language off (NoLanguage); a host that runs scripts turns it on.
        $iss.LanguageMode = [System.Management.Automation.PSLanguageMode]::FullLanguage
        $iss.ImportPSModule([string[]] @($script:Modules.ProviderManifest, $script:Modules.StepsManifest))
        $runspace = [runspacefactory]::CreateRunspace($iss)
        $runspace.Open()
        $server = [runspacefactory]::CreateRunspace()
        $server.Open()
        try {
            $setup = [powershell]::Create()
            $setup.Runspace = $server
            $null = $setup.AddScript({
                    param($Simulator, $StatePath)
                    Import-Module $Simulator -ErrorAction Stop
                    Reset-ADSyncSimulator -StatePath $StatePath -StepSeconds 0.3 -GapSeconds 0.2 -StartLagSeconds 0.5 -AutoSchedulerCycles $false
                }).AddArgument($script:Modules.Simulator).AddArgument($script:StatePath)
            $null = $setup.Invoke()
            $setup.Dispose()
            $ps = [powershell]::Create()
            $ps.Runspace = $runspace
            # Only engine features here as well: no cmdlet but the modules' own commands.
            $null = $ps.AddScript({
                    param($Server)
                    $found = [System.Collections.Generic.List[string]]::new()
                    foreach ($name in 'Select-Object', 'New-Object', 'Start-Sleep', 'Write-Verbose', 'Get-Date', 'Join-Path', 'Test-Path', 'Import-Module') {
                        if ($ExecutionContext.InvokeCommand.GetCommand($name, 'All')) { $found.Add($name) }
                    }
                    $session = [pscustomobject]@{ Server = $Server }
                    $session.PSObject.Members.Add([psscriptmethod]::new('InvokeCommand', {
                                param($CommandName, $Parameters)
                                $call = [powershell]::Create()
                                try {
                                    $call.Runspace = $this.Server
                                    $null = $call.AddCommand($CommandName).AddParameters($Parameters)
                                    $call.Invoke()
                                }
                                finally { $call.Dispose() }
                            }))
                    $sink = [pscustomobject]@{ Events = [System.Collections.Generic.List[object]]::new() }
                    $sink.PSObject.Members.Add([psscriptmethod]::new('WriteEvent', { param($Type, $Message, $StepName, $Data) $this.Events.Add(@{ Type = $Type; Data = $Data }) }))
                    $context = [pscustomobject]@{ Providers = @{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider }; EventSink = $sink; Session = $session }
                    $context.PSObject.Members.Add([psscriptmethod]::new('AcquireAuthSession', { param($Name, $Options) $this.Session }))
                    $step = @{ Name = 'Sync'; Type = 'IdLE.Step.TriggerDirectorySync'; With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 120 } }
                    $output = @(Invoke-IdleStepTriggerDirectorySync -Context $context -Step $step)
                    @{
                        Cmdlets       = $found.ToArray()
                        OutputCount   = $output.Count
                        Status        = $output[0].Status
                        Events        = [string[]] @(foreach ($e in $sink.Events) { $e.Type })
                        StartObserved = $sink.Events[$sink.Events.Count - 1].Data['startObserved']
                    }
                }).AddArgument($server)
            $result = $ps.Invoke()
            $errors = @($ps.Streams.Error)
            $ps.Dispose()
        }
        finally {
            $runspace.Dispose()
            $server.Dispose()
        }
        $errors | Should -BeNullOrEmpty
        $result.Count | Should -Be 1
        $answer = $result[0]
        $answer.Cmdlets | Should -BeNullOrEmpty
        $answer.OutputCount | Should -Be 1
        $answer.Status | Should -Be 'Completed'
        $answer.Events[0] | Should -Be 'DirectorySyncTriggered'
        $answer.Events[-1] | Should -Be 'DirectorySyncCompleted'
        $answer.StartObserved | Should -BeTrue
    }
}
