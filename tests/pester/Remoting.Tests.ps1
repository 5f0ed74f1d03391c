#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# Real PowerShell remoting: the packaged provider and step against the ADSync simulator on the
# far side of an SSH remoting session on 127.0.0.1 (OpenSSH's sshd with pwsh as its
# 'powershell' subsystem, started and stopped here; tests/pester/SshRemotingServer.ps1).
# Both contract generations, the three kinds of AuthSession, and remoting failures.
# The WinRM (ComputerName + PSCredential) path runs with the provider's three remoting
# ScriptMethods replaced, as IdLE's own contract test does: WinRM is Windows-only.
# Needs sshd (Debian: openssh-server; scripts/bootstrap.sh installs it). Without it these tests
# report as skipped.

BeforeDiscovery {
    . "$PSScriptRoot/SshRemotingServer.ps1"
    $script:HaveSshd = Test-IdleEcSshdAvailable
}

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    . "$PSScriptRoot/SshRemotingServer.ps1"
    $script:Modules = Initialize-IdleEcTestModules

    function Get-OpenSessionCount {
        # Sessions of this runspace that are still open (a removed session is gone from the list).
        @(Get-PSSession | Where-Object { $_.State -eq 'Opened' }).Count
    }

    function Invoke-RemotingStep {
        # Runs the step once; records output, failure (with its classified ErrorId), events, time.
        param([hashtable] $With, [object] $Session, [object] $Provider, [scriptblock] $OnEvent)
        $context = New-TestContext -Providers @{ DirectorySync = $Provider } -Session $Session
        if ($null -ne $OnEvent) {
            $context.EventSink | Add-Member -NotePropertyName OnEvent -NotePropertyValue $OnEvent
            $context.EventSink | Add-Member -Force -MemberType ScriptMethod -Name WriteEvent -Value {
                param($Type, $Message, $StepName, $Data)
                $this.Events.Add([pscustomobject]@{ Type = $Type; Message = $Message; StepName = $StepName; Data = $Data })
                & $this.OnEvent $Type $this
            }
        }
        $output = $null
        $failure = $null
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        try {
            $output = @(Invoke-IdleStepTriggerDirectorySync -Context $context -Step (New-TestStep -With $With))
        }
        catch {
            $failure = $_
        }
        $clock.Stop()
        $classified = if ($null -ne $failure) { [IdLE.EntraConnect.Interop.ErrorRecords]::FindClassified($failure) } else { $null }
        [pscustomobject]@{
            Output     = $output
            Failure    = $failure
            ErrorId    = if ($null -ne $classified) { $classified.ErrorId } else { $null }
            Events     = @($context.Events)
            EventTypes = @($context.Events | ForEach-Object Type)
            Seconds    = $clock.Elapsed.TotalSeconds
        }
    }
}

Describe 'Remoting over SSH on loopback' -Skip:(-not $HaveSshd) {
    BeforeAll {
        if (-not [System.IO.Directory]::Exists($script:Modules.Simulator)) {
            throw "The simulator module is not at '$($script:Modules.Simulator)'. Run scripts/build.sh or set IDLE_EC_SIMULATOR."
        }
        Import-Module -Name $script:Modules.Simulator -ErrorAction Stop
        $script:StatePath = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'idle-ec-remoting-sim-' + [guid]::NewGuid().ToString('N') + '.json')
        $script:SavedSimState = $env:IDLE_ADSYNC_SIM_STATE
        $env:IDLE_ADSYNC_SIM_STATE = $script:StatePath
        $script:Server = Start-IdleEcSshServer -SimulatorPath $script:Modules.Simulator -StatePath $script:StatePath
        $script:Ssh = @{
            HostName    = '127.0.0.1'
            Port        = $script:Server.Port
            UserName    = $script:Server.UserName
            KeyFilePath = $script:Server.ClientKey
            Options     = $script:Server.SshOptions
        }
        # The provider opening SSH sessions itself from a PSCredential (user name only: SSH
        # remoting authenticates by key).
        $script:SshProviderOptions = @{
            Transport          = 'SSH'
            Port               = $script:Server.Port
            KeyFilePath        = $script:Server.ClientKey
            SshOptions         = @{ UserKnownHostsFile = $script:Server.KnownHosts; StrictHostKeyChecking = 'yes' }
            OpenTimeoutSeconds = 10
        }
        $script:SshCredential = [pscredential]::new($script:Server.UserName, [securestring]::new())
        $script:FastServer = @{ StepSeconds = 0.3; GapSeconds = 0.2; StartLagSeconds = 0.5; AutoSchedulerCycles = $false }
        $script:WaitWith = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 120 }
    }

    AfterAll {
        Get-PSSession | Remove-PSSession -ErrorAction SilentlyContinue
        if ($null -ne $script:Server) { Stop-IdleEcSshServer -Server $script:Server -Connections -RemoveFiles }
        $env:IDLE_ADSYNC_SIM_STATE = $script:SavedSimState
        foreach ($file in $script:StatePath, "$($script:StatePath).lock") {
            if ($file -and [System.IO.File]::Exists($file)) { [System.IO.File]::Delete($file) }
        }
    }

    Context 'a PSSession given as the AuthSession' {
        BeforeAll {
            $script:PSSession = New-PSSession @Ssh -ErrorAction Stop
        }
        AfterAll {
            if ($null -ne $script:PSSession) { Remove-PSSession -Session $script:PSSession -ErrorAction SilentlyContinue }
        }

        It 'reads the state in both contract shapes and leaves the host''s session open' {
            Reset-ADSyncSimulator -StatePath $StatePath @FastServer
            $provider = New-IdleEntraConnectDirectorySyncProvider
            $old = $provider.GetSyncCycleState($PSSession)
            $next = $provider.GetSyncCycleState('127.0.0.1', $PSSession)
            foreach ($state in $old, $next) {
                $state.State | Should -Be 'Idle'
                $state.InProgress | Should -BeFalse
                $state.Details.ContainsKey('NextSyncCycleStartTimeInUTC') | Should -BeTrue
            }
            $PSSession.State | Should -Be 'Opened'
        }

        It '(a) the step triggers and waits, with With.ComputerName (next contract shape)' {
            Reset-ADSyncSimulator -StatePath $StatePath @FastServer
            $with = $WaitWith.Clone(); $with['ComputerName'] = '127.0.0.1'
            $run = Invoke-RemotingStep -With $with -Session $PSSession -Provider (New-IdleEntraConnectDirectorySyncProvider)
            $run.Failure | Should -BeNullOrEmpty
            $run.Output[0].Status | Should -Be 'Completed'
            $run.Output[0].Changed | Should -BeTrue
            $run.EventTypes[-1] | Should -Be 'DirectorySyncCompleted'
            $run.Events[-1].Data['startObserved'] | Should -BeTrue
            # The far side ran a real cycle: its history is complete, and it was a Delta cycle.
            $history = @(Get-ADSyncRunProfileResult -NumberRequested 20)
            $history.Count | Should -BeGreaterThan 0
            @($history | Where-Object { -not $_.IsRunComplete }).Count | Should -Be 0
            @($history | ForEach-Object RunProfileName) | Should -Not -Contain 'Full Import'
        }

        It '(a) the step triggers and waits without ComputerName (IdLE 0.9 shape)' {
            Reset-ADSyncSimulator -StatePath $StatePath @FastServer
            $with = $WaitWith.Clone(); $with['PolicyType'] = 'Initial'
            $run = Invoke-RemotingStep -With $with -Session $PSSession -Provider (New-IdleEntraConnectDirectorySyncProvider)
            $run.Failure | Should -BeNullOrEmpty
            $run.EventTypes[-1] | Should -Be 'DirectorySyncCompleted'
            @(Get-ADSyncRunProfileResult -NumberRequested 20 | ForEach-Object RunProfileName) | Should -Contain 'Full Import'
        }

        It 'a busy server fails CycleBusy through remoting (a non-terminating remote error)' {
            Reset-ADSyncSimulator -StatePath $StatePath @FastServer -ForceBusy $true
            $provider = New-IdleEntraConnectDirectorySyncProvider
            (Get-TestFailure { $provider.StartSyncCycle('Delta', '127.0.0.1', $PSSession) }).ErrorId | Should -Be 'IdLE.DirectorySync.CycleBusy'
        }

        It 'a far side without ADSync fails ADSyncUnavailable (Import-Module ADSync finds nothing)' {
            $bare = New-PSSession @Ssh -Subsystem 'powershell-noadsync' -ErrorAction Stop
            try {
                $provider = New-IdleEntraConnectDirectorySyncProvider
                $failure = Get-TestFailure { $provider.GetSyncCycleState('127.0.0.1', $bare) }
                $failure.ErrorId | Should -Be 'IdLE.DirectorySync.ADSyncUnavailable'
                $failure.Inner | Should -Not -Match 'at System\.'
            }
            finally {
                Remove-PSSession -Session $bare
            }
        }
    }

    Context '(b) the SSH session wrapper of examples/sessions (an AuthSession with InvokeCommand)' {
        It 'the step triggers and waits through it, in both shapes' {
            . ([System.IO.Path]::Combine((Get-IdleEcRepoRoot), 'examples', 'sessions', 'New-EntraConnectSshAuthSession.ps1'))
            $auth = New-EntraConnectSshAuthSession -HostName $Ssh.HostName -Port $Ssh.Port -UserName $Ssh.UserName -KeyFilePath $Ssh.KeyFilePath -Options $Ssh.Options
            try {
                foreach ($computer in $null, '127.0.0.1') {
                    Reset-ADSyncSimulator -StatePath $StatePath @FastServer
                    $with = $WaitWith.Clone()
                    if ($null -ne $computer) { $with['ComputerName'] = $computer }
                    $run = Invoke-RemotingStep -With $with -Session $auth -Provider (New-IdleEntraConnectDirectorySyncProvider)
                    $run.Failure | Should -BeNullOrEmpty
                    $run.EventTypes[-1] | Should -Be 'DirectorySyncCompleted'
                    $run.Events[-1].Data['startObserved'] | Should -BeTrue
                }
            }
            finally {
                $auth.Dispose()
            }
            Get-OpenSessionCount | Should -Be 0 -Because 'Dispose removes the session the wrapper opened (and the Context''s own session is closed)'
        }
    }

    Context 'a PSCredential: the provider opens, uses and removes its own session' {
        It 'the step triggers and waits; every provider call removes the session it opened' {
            Reset-ADSyncSimulator -StatePath $StatePath @FastServer
            $before = Get-OpenSessionCount
            $with = $WaitWith.Clone(); $with['ComputerName'] = '127.0.0.1'
            $provider = New-IdleEntraConnectDirectorySyncProvider -RemoteSessionOptions $SshProviderOptions
            $run = Invoke-RemotingStep -With $with -Session $SshCredential -Provider $provider
            $run.Failure | Should -BeNullOrEmpty
            $run.EventTypes[-1] | Should -Be 'DirectorySyncCompleted'
            Get-OpenSessionCount | Should -Be $before
            @(Get-PSSession).Count | Should -Be $before -Because 'RemoveRemoteSession removes the session from the runspace, not only closes it'
        }

        It 'refuses a PSCredential in the IdLE 0.9 shape, naming the shape and the fix' {
            $provider = New-IdleEntraConnectDirectorySyncProvider -RemoteSessionOptions $SshProviderOptions
            $failure = Get-TestFailure { $provider.GetSyncCycleState($SshCredential) }
            $failure.ErrorId | Should -Be 'IdLE.DirectorySync.AuthSessionInvalid'
            $failure.Inner | Should -Match ([regex]::Escape("IdLE 0.9's GetSyncCycleState(AuthSession)"))
            $failure.Inner | Should -Match ([regex]::Escape('GetSyncCycleState(ComputerName, AuthSession)'))
        }

        It 'classifies <Case> as <ErrorId> within seconds and leaves no session' -ForEach @(
            @{ Case = 'connection refused'; ErrorId = 'IdLE.DirectorySync.RemoteExecutionFailed'; Computer = '127.0.0.1'; Change = @{ Port = 'closed' } }
            @{ Case = 'an unknown host'; ErrorId = 'IdLE.DirectorySync.RemoteExecutionFailed'; Computer = 'no-such-host.invalid'; Change = @{} }
            @{ Case = 'a key the server does not know (authentication failed)'; ErrorId = 'IdLE.DirectorySync.RemoteExecutionFailed'; Computer = '127.0.0.1'; Change = @{ KeyFilePath = 'other' } }
            @{ Case = 'no PowerShell installed on the far side'; ErrorId = 'IdLE.DirectorySync.RemoteExecutionFailed'; Computer = '127.0.0.1'; Change = @{ Subsystem = 'nopwsh' } }
            @{ Case = 'no PowerShell subsystem on the far side'; ErrorId = 'IdLE.DirectorySync.RemoteExecutionFailed'; Computer = '127.0.0.1'; Change = @{ Subsystem = 'powershell-missing' } }
        ) {
            $options = $SshProviderOptions.Clone()
            foreach ($key in $Change.Keys) {
                $options[$key] = switch ($Change[$key]) {
                    'closed' { Get-IdleEcFreeTcpPort }
                    'other' {
                        $other = [System.IO.Path]::Combine($Server.Root, 'other_ed25519')
                        if (-not [System.IO.File]::Exists($other)) { & ssh-keygen -q -t ed25519 -N '' -f $other | Out-Null }
                        $other
                    }
                    default { $_ }
                }
            }
            $provider = New-IdleEntraConnectDirectorySyncProvider -RemoteSessionOptions $options
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $failure = Get-TestFailure { $provider.GetSyncCycleState($Computer, $SshCredential) }
            $clock.Stop()
            $failure.ErrorId | Should -Be $ErrorId
            $failure.Transient | Should -BeTrue
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 20
            @(Get-PSSession).Count | Should -Be 0
        }
    }

    Context 'WinRM (ComputerName + PSCredential) with the remoting ScriptMethods replaced' {
        BeforeAll {
            function New-RecordingProvider {
                # The provider with NewRemoteSession/InvokeRemoteCommand/RemoveRemoteSession
                # replaced by recorders; InvokeRemoteCommand answers from the simulator in this
                # process by running the very script block the provider sends, locally.
                param([hashtable] $RemoteSessionOptions, [switch] $FailOnInvoke)
                $provider = New-IdleEntraConnectDirectorySyncProvider -RemoteSessionOptions $RemoteSessionOptions
                $provider | Add-Member -NotePropertyName Log -NotePropertyValue ([System.Collections.Generic.List[string]]::new())
                $provider | Add-Member -NotePropertyName FailOnInvoke -NotePropertyValue ([bool] $FailOnInvoke)
                $provider | Add-Member -Force -MemberType ScriptMethod -Name NewRemoteSession -Value {
                    param([string] $ComputerName, [pscredential] $Credential)
                    $parameters = $this.Native.RemoteSessionOptions.NewSessionParameters($ComputerName, $Credential)
                    $this.Log.Add("new $ComputerName as $($Credential.UserName) with " + ((@($parameters.Keys) | Sort-Object) -join ','))
                    [pscustomobject]@{ Id = 42 }
                }
                $provider | Add-Member -Force -MemberType ScriptMethod -Name InvokeRemoteCommand -Value {
                    param([object] $Session, [scriptblock] $ScriptBlock, [object[]] $ArgumentList)
                    $this.Log.Add("invoke $($Session.Id) $($ArgumentList[0])")
                    if ($this.FailOnInvoke) { throw [System.Management.Automation.Remoting.PSRemotingTransportException]::new('Connecting to remote server sync01.contoso.com failed: the connection was closed.') }
                    & ([scriptblock]::Create($ScriptBlock.ToString())) @ArgumentList
                }
                $provider | Add-Member -Force -MemberType ScriptMethod -Name RemoveRemoteSession -Value {
                    param([object] $Session)
                    $this.Log.Add("remove $($Session.Id)")
                }
                $provider
            }
            $script:Credential = [pscredential]::new('CONTOSO\svc-idle-sync', (ConvertTo-SecureString -String 'not-a-secret' -AsPlainText -Force))
        }

        It 'opens with the RemoteSessionOptions, runs the fixed script block and removes the session, per call' {
            Reset-ADSyncSimulator -StatePath $StatePath @FastServer
            $provider = New-RecordingProvider -RemoteSessionOptions @{ UseSSL = $true; Port = 5986; Authentication = 'Kerberos'; ConfigurationName = 'Microsoft.PowerShell' }
            $started = $provider.StartSyncCycle('Delta', 'sync01.contoso.com', $Credential)
            $started.Started | Should -BeTrue
            $state = $provider.GetSyncCycleState('sync01.contoso.com', $Credential)
            $state.State | Should -BeIn @('Idle', 'InProgress')
            $provider.Log[0] | Should -Be 'new sync01.contoso.com as CONTOSO\svc-idle-sync with Authentication,ComputerName,ConfigurationName,Credential,ErrorAction,Port,UseSSL'
            $provider.Log[1] | Should -Be 'invoke 42 Start-ADSyncSyncCycle'
            $provider.Log[2] | Should -Be 'remove 42'
            $provider.Log[3] | Should -Match '^new sync01\.contoso\.com'
            $provider.Log[-1] | Should -Be 'remove 42'
        }

        It 'removes the session when the remote command fails, and classifies the failure' {
            $provider = New-RecordingProvider -FailOnInvoke
            $failure = Get-TestFailure { $provider.GetSyncCycleState('sync01.contoso.com', $Credential) }
            $failure.ErrorId | Should -Be 'IdLE.DirectorySync.RemoteExecutionFailed'
            $provider.Log[-1] | Should -Be 'remove 42'
        }

        It 'removes the session when the pipeline is stopped while the remote command runs' {
            # Another runspace runs the call; its InvokeRemoteCommand blocks until stopped.
            $log = [System.Collections.Concurrent.ConcurrentQueue[string]]::new()
            $iss = [initialsessionstate]::CreateDefault2()
            $iss.ImportPSModule($Modules.ProviderManifest)
            $runspace = [runspacefactory]::CreateRunspace($iss)
            $runspace.Open()
            $ps = [powershell]::Create()
            $ps.Runspace = $runspace
            try {
                $null = $ps.AddScript({
                        param($Log, $Credential)
                        $provider = New-IdleEntraConnectDirectorySyncProvider
                        $provider | Add-Member -NotePropertyName Log -NotePropertyValue $Log
                        $provider | Add-Member -Force -MemberType ScriptMethod -Name NewRemoteSession -Value { param($ComputerName, $Credential) $this.Log.Enqueue('new'); [pscustomobject]@{ Id = 7 } }
                        $provider | Add-Member -Force -MemberType ScriptMethod -Name InvokeRemoteCommand -Value { param($Session, $ScriptBlock, $ArgumentList) $this.Log.Enqueue('invoke'); Start-Sleep -Seconds 60 }
                        $provider | Add-Member -Force -MemberType ScriptMethod -Name RemoveRemoteSession -Value { param($Session) $this.Log.Enqueue("remove $($Session.Id)") }
                        $provider.GetSyncCycleState('sync01.contoso.com', $Credential)
                    }).AddArgument($log).AddArgument($Credential)
                $async = $ps.BeginInvoke()
                $deadline = [datetime]::UtcNow.AddSeconds(20)
                while (-not ($log.ToArray() -contains 'invoke') -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
                $log.ToArray() | Should -Contain 'invoke'
                $clock = [System.Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $clock.Stop()
                $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
                $log.ToArray()[-1] | Should -Be 'remove 7'
                $null = $async
            }
            finally {
                $ps.Dispose()
                $runspace.Dispose()
            }
        }

        It 'the step passes With.ComputerName and the credential through to the provider' {
            Reset-ADSyncSimulator -StatePath $StatePath @FastServer
            $provider = New-RecordingProvider
            $with = $WaitWith.Clone(); $with['ComputerName'] = 'sync01.contoso.com'
            $run = Invoke-RemotingStep -With $with -Session $Credential -Provider $provider
            $run.Failure | Should -BeNullOrEmpty
            $run.EventTypes[-1] | Should -Be 'DirectorySyncCompleted'
            @($provider.Log | Where-Object { $_ -like 'new *' }).Count | Should -Be @($provider.Log | Where-Object { $_ -like 'remove *' }).Count
            ($run.Events | ForEach-Object { $_.Message + ($_.Data | Out-String) }) -join "`n" | Should -Not -Match 'not-a-secret'
        }

        It 'rejects the ComputerName <Name> before opening anything, naming the call shape' -ForEach @(
            @{ Name = 'blank'; Value = '   ' }
            @{ Name = 'with a line break'; Value = "sync01`nrm -rf" }
            @{ Name = 'with a NUL'; Value = "sync01`0" }
            @{ Name = 'longer than 255 characters'; Value = 'a' * 256 }
            @{ Name = 'that is a number'; Value = 42 }
        ) {
            $provider = New-RecordingProvider
            foreach ($call in { $provider.StartSyncCycle('Delta', $Value, $Credential) }, { $provider.GetSyncCycleState($Value, $Credential) }) {
                $failure = Get-TestFailure $call
                $failure.ErrorId | Should -Be 'IdLE.DirectorySync.InvalidArgument'
                $failure.Inner | Should -Match 'ComputerName'
                $failure.Inner | Should -Match ([regex]::Escape('ComputerName, AuthSession)'))
                $failure.Inner | Should -Not -Match "`n"
            }
            $provider.Log.Count | Should -Be 0
        }

        It 'rejects RemoteSessionOptions that are not data of the known keys' -ForEach @(
            @{ Options = @{ Transport = 'Telnet' }; Words = 'Transport' }
            @{ Options = @{ Port = 0 }; Words = 'Port' }
            @{ Options = @{ Authentication = 'Magic' }; Words = 'Authentication' }
            @{ Options = @{ ConfigurationName = "a`nb" }; Words = 'ConfigurationName' }
            @{ Options = @{ Proxy = 'x' }; Words = 'Proxy' }
            @{ Options = @{ Transport = 'SSH'; UseSSL = $true }; Words = 'UseSSL' }
            @{ Options = @{ Transport = 'SSH'; SshOptions = @{ ProxyCommand = 'sh -c id' } }; Words = 'ProxyCommand' }
            @{ Options = @{ KeyFilePath = { 'code' } }; Words = 'KeyFilePath' }
        ) {
            $failure = Get-TestFailure { New-IdleEntraConnectDirectorySyncProvider -RemoteSessionOptions $Options }
            $failure.ErrorId | Should -Be 'IdLE.DirectorySync.InvalidArgument'
            $failure.Message | Should -Match ([regex]::Escape($Words))
        }
    }

    Context '(c) sshd stopped in the middle of a wait' {
        It 'ends the step with a classified, transient error, without hanging and without a session left open (<Kind>)' -ForEach @(
            @{ Kind = 'provider-opened session from a PSCredential' }
            @{ Kind = 'PSSession given by the host' }
        ) {
            # A fresh server for each case: the previous one was stopped by the case before.
            # (PowerShell variable names ignore case: a name other than Server for the local one.)
            $target = if ($Kind -like 'PSSession*') { Start-IdleEcSshServer -SimulatorPath $Modules.Simulator -StatePath $StatePath } else { $Server }
            $hostSession = $null
            try {
                # A slow cycle: the wait is still polling when the server goes away.
                Reset-ADSyncSimulator -StatePath $StatePath -StepSeconds 30 -GapSeconds 1 -StartLagSeconds 0.5 -AutoSchedulerCycles $false
                $with = $WaitWith.Clone(); $with['ComputerName'] = '127.0.0.1'; $with['TimeoutSeconds'] = 300
                if ($Kind -like 'PSSession*') {
                    $hostSession = New-PSSession -HostName 127.0.0.1 -Port $target.Port -UserName $target.UserName -KeyFilePath $target.ClientKey -Options $target.SshOptions -ErrorAction Stop
                    $session = $hostSession
                    $provider = New-IdleEntraConnectDirectorySyncProvider
                }
                else {
                    $session = $SshCredential
                    $options = $SshProviderOptions.Clone(); $options['Port'] = $target.Port
                    $provider = New-IdleEntraConnectDirectorySyncProvider -RemoteSessionOptions $options
                }
                $stopAt = @{ Server = $target; Done = $false }
                $onEvent = {
                    param($Type, $Sink)
                    # The first poll has seen the cycle running: now the server and every
                    # connection it serves go away.
                    if ($Type -eq 'DirectorySyncPoll' -and -not $stopAt.Done) {
                        $stopAt.Done = $true
                        Stop-IdleEcSshServer -Server $stopAt.Server -Connections
                    }
                }
                $run = Invoke-RemotingStep -With $with -Session $session -Provider $provider -OnEvent $onEvent
                $stopAt.Done | Should -BeTrue -Because 'the wait polled at least once before the server went away'
                $run.ErrorId | Should -Be 'IdLE.DirectorySync.RemoteExecutionFailed'
                [IdLE.EntraConnect.Interop.ErrorRecords]::FindClassified($run.Failure).Data['Idle.IsTransient'] | Should -BeTrue
                $run.EventTypes[-1] | Should -Be 'DirectorySyncFailed'
                $run.Seconds | Should -BeLessThan 60 -Because 'a broken connection ends the wait after a few failed polls, far from its 300 s timeout'
                Get-OpenSessionCount | Should -Be 0
                if ($Kind -like 'provider*') { @(Get-PSSession).Count | Should -Be 0 -Because 'the provider removed every session it opened' }
            }
            finally {
                if ($null -ne $hostSession) { Remove-PSSession -Session $hostSession -ErrorAction SilentlyContinue }
                if (-not [object]::ReferenceEquals($target, $Server)) { Stop-IdleEcSshServer -Server $target -Connections -RemoveFiles }
            }
        }
    }
}

Describe 'The fixed remote command' {
    It 'for a named (JEA) endpoint becomes one plain command with data parameters, as Invoke-Command sends it' {
        foreach ($name in 'Start-ADSyncSyncCycle', 'Get-ADSyncScheduler; Remove-Item x') {
            $block = [IdLE.EntraConnect.Interop.RemoteCommand]::For([pscustomobject]@{}, $true)
            $commands = $block.GetPowerShell($name, @{ PolicyType = 'Delta' }).Commands.Commands
            $commands.Count | Should -Be 1
            $commands[0].IsScript | Should -BeFalse
            $commands[0].CommandText | Should -Be $name -Because 'a hostile name stays one command name, never script'
            $commands[0].Parameters[0].Name.TrimStart('-').TrimEnd(':') | Should -Be 'PolicyType'
            $commands[0].Parameters[0].Value | Should -Be 'Delta'
        }
    }

    It 'for a full-language endpoint refuses names off the allow-list on the far side too' {
        # (Importing ADSync when it is missing is tested for real above, over SSH.)
        $block = [IdLE.EntraConnect.Interop.RemoteCommand]::For([pscustomobject]@{}, $false)
        { & $block 'Remove-Item' @{ Path = 'x' } } | Should -Throw '*allow-list*'
        [IdLE.EntraConnect.Interop.RemoteCommand]::AllowedCommands | Should -Be @('Start-ADSyncSyncCycle', 'Get-ADSyncScheduler', 'Get-ADSyncConnectorRunStatus', 'Get-ADSyncRunProfileResult')
    }
}

Describe 'Step With.ComputerName selects the call shape' {
    BeforeAll {
        function New-ShapeRecordingProvider {
            # A provider that records the arguments each method got; its param blocks are the
            # next contract's, as IdLE main's own mock declares them.
            $provider = [pscustomobject]@{ Calls = [System.Collections.Generic.List[string]]::new() }
            $provider.PSObject.Members.Add([psscriptmethod]::new('StartSyncCycle', {
                        param([string] $PolicyType, [object] $ComputerName, [object] $AuthSession)
                        $this.Calls.Add("Start $($PSBoundParameters.Count): $PolicyType|$ComputerName|$AuthSession")
                        [pscustomobject]@{ Started = $true; Message = 'ok' }
                    }))
            $provider.PSObject.Members.Add([psscriptmethod]::new('GetSyncCycleState', {
                        param([object] $ComputerName, [object] $AuthSession)
                        $this.Calls.Add("State $($PSBoundParameters.Count): $ComputerName|$AuthSession")
                        [pscustomobject]@{ InProgress = $false; State = 'Idle'; Details = @{} }
                    }))
            $provider
        }
    }

    It 'passes (PolicyType, ComputerName, session) when With.ComputerName is given' {
        $provider = New-ShapeRecordingProvider
        $context = New-TestContext -Providers @{ DirectorySync = $provider } -Session 'the-session'
        $null = Invoke-IdleStepTriggerDirectorySync -Context $context -Step (New-TestStep -With @{ AuthSessionName = 'EC'; PolicyType = 'delta'; ComputerName = ' sync01.contoso.com ' })
        $provider.Calls[0] | Should -Be 'Start 3: Delta|sync01.contoso.com|the-session'
        # The triggered event names the server, as IdLE's next step does.
        $triggered = @($context.Events | Where-Object Type -EQ 'DirectorySyncTriggered')
        $triggered.Count | Should -Be 1
        $triggered[0].Data['computerName'] | Should -BeExactly 'sync01.contoso.com'
    }

    It 'passes (PolicyType, session) as before when With.ComputerName is absent or $null' {
        foreach ($with in @{ AuthSessionName = 'EC'; PolicyType = 'Delta' }, @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; ComputerName = $null }) {
            $provider = New-ShapeRecordingProvider
            $context = New-TestContext -Providers @{ DirectorySync = $provider } -Session 'the-session'
            $null = Invoke-IdleStepTriggerDirectorySync -Context $context -Step (New-TestStep -With $with)
            $provider.Calls[0] | Should -Be 'Start 2: Delta|the-session|'
            $triggered = @($context.Events | Where-Object Type -EQ 'DirectorySyncTriggered')
            $triggered[0].Data.ContainsKey('computerName') | Should -BeFalse
        }
    }

    It 'rejects With.ComputerName <Name> before acquiring a session' -ForEach @(
        @{ Name = 'blank'; Value = ' ' }
        @{ Name = 'with a line break'; Value = "sync01`r`nx" }
        @{ Name = 'with a NUL'; Value = "sync01`0" }
        @{ Name = 'too long'; Value = 'a' * 256 }
        @{ Name = 'not text'; Value = @{ Name = 'sync01' } }
    ) {
        $provider = New-ShapeRecordingProvider
        $context = New-TestContext -Providers @{ DirectorySync = $provider } -Session 'the-session'
        $failure = Get-TestFailure { Invoke-IdleStepTriggerDirectorySync -Context $context -Step (New-TestStep -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; ComputerName = $Value }) }
        $failure.ErrorId | Should -Be 'IdLE.DirectorySync.InvalidArgument'
        $failure.Inner | Should -Match 'ComputerName'
        $context.Acquired.Count | Should -Be 0
        $provider.Calls.Count | Should -Be 0
    }

    It 'lists ComputerName among the optional With keys of the catalog' {
        (Get-IdleStepMetadataCatalog)['IdLE.Step.TriggerDirectorySync'].WithSchema.OptionalKeys | Should -Contain 'ComputerName'
    }
}

Describe 'RemoteSessionOptions are checked by the core' {
    # Runs without sshd: the options are checked when the provider is created, and turned into
    # New-PSSession parameters without opening anything.
    It 'refuses the ssh option <Option>, which runs a program or reaches beyond the one host' -ForEach @(
        @{ Option = 'ProxyCommand' }, @{ Option = 'proxycommand' }, @{ Option = 'LocalCommand' }, @{ Option = 'PermitLocalCommand' },
        @{ Option = 'KnownHostsCommand' }, @{ Option = 'ProxyJump' }, @{ Option = 'PKCS11Provider' }, @{ Option = 'SecurityKeyProvider' },
        @{ Option = 'Match' }, @{ Option = 'Include' }
    ) {
        $failure = Get-TestFailure { New-IdleEntraConnectDirectorySyncProvider -RemoteSessionOptions @{ Transport = 'SSH'; SshOptions = @{ $Option = 'sh -c id' } } }
        $failure.ErrorId | Should -Be 'IdLE.DirectorySync.InvalidArgument'
        $failure.Inner | Should -BeLike "RemoteSessionOptions.SshOptions has the option '$Option', which is not one of: * (options that run programs, such as ProxyCommand, are refused)."
    }

    It 'refuses an allowed ssh option whose value is <Case>' -ForEach @(
        @{ Case = 'a line break that would add an option'; Value = "yes`nProxyCommand sh -c id"; Words = 'must not contain control characters' }
        @{ Case = 'a script block'; Value = { 'code' }; Words = 'must be text or a number' }
        @{ Case = 'empty'; Value = ''; Words = 'must be non-empty text' }
    ) {
        $failure = Get-TestFailure { New-IdleEntraConnectDirectorySyncProvider -RemoteSessionOptions @{ Transport = 'SSH'; SshOptions = @{ BatchMode = $Value } } }
        $failure.ErrorId | Should -Be 'IdLE.DirectorySync.InvalidArgument'
        $failure.Inner | Should -Match ([regex]::Escape("RemoteSessionOptions.SshOptions.BatchMode $Words"))
    }

    It 'words an unknown key as before' {
        $failure = Get-TestFailure { New-IdleEntraConnectDirectorySyncProvider -RemoteSessionOptions @{ Proxy = 'x' } }
        $failure.Inner | Should -BeExactly ("RemoteSessionOptions has the key 'Proxy', which is not one of: Transport, Port, UseSSL, Authentication, " +
            'ConfigurationName, ApplicationName, OpenTimeoutSeconds, OperationTimeoutSeconds, SkipCACheck, SkipCNCheck, SkipRevocationCheck, ' +
            'UserName, KeyFilePath, Subsystem, SshOptions.')
    }

    It 'opens SSH sessions unattended: BatchMode and a connect timeout unless the options say otherwise' {
        $provider = New-IdleEntraConnectDirectorySyncProvider -RemoteSessionOptions @{ Transport = 'ssh'; Port = 2222; UserName = 'svc'; SshOptions = @{ stricthostkeychecking = 'yes'; ConnectTimeout = 5 } }
        try {
            $p = $provider.Native.RemoteSessionOptions.NewSessionParameters('sync01', $null)
            $p['HostName'] | Should -BeExactly 'sync01'
            $p['Port'] | Should -Be 2222
            $p['UserName'] | Should -BeExactly 'svc'
            $p['ConnectingTimeout'] | Should -Be 30000
            $p['Options']['BatchMode'] | Should -BeExactly 'yes'
            $p['Options']['ConnectTimeout'] | Should -BeExactly '5'
            $p['Options']['StrictHostKeyChecking'] | Should -BeExactly 'yes'
            @($p['Options'].Keys).Count | Should -Be 3
            $p.ContainsKey('ComputerName') | Should -BeFalse
        }
        finally {
            $provider.Dispose()
        }
    }

    It 'opens WinRM sessions with the checked options' {
        $provider = New-IdleEntraConnectDirectorySyncProvider -RemoteSessionOptions @{ UseSSL = $true; Authentication = 'kerberos'; ConfigurationName = 'IdLE.EntraConnect'; OpenTimeoutSeconds = 20; SkipCACheck = $true }
        try {
            $options = $provider.Native.RemoteSessionOptions
            $options.CommandsOnly | Should -BeTrue
            $credential = [pscredential]::new('svc', (ConvertTo-SecureString 'not-a-secret' -AsPlainText -Force))
            $p = $options.NewSessionParameters('sync01', $credential)
            $p['ComputerName'] | Should -BeExactly 'sync01'
            $p['Credential'] | Should -Be $credential
            $p['UseSSL'] | Should -BeTrue
            $p['Authentication'] | Should -Be ([System.Management.Automation.Runspaces.AuthenticationMechanism]::Kerberos)
            $p['ConfigurationName'] | Should -BeExactly 'IdLE.EntraConnect'
            $p['SessionOption'].OpenTimeout | Should -Be ([timespan]::FromSeconds(20))
            $p['SessionOption'].SkipCACheck | Should -BeTrue
            $p.ContainsKey('Options') | Should -BeFalse
        }
        finally {
            $provider.Dispose()
        }
    }
}
