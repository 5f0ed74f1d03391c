#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# Hostile input, round 2 (issue 20): secrets of every length planted in session properties,
# options and remote messages never reach an event, an ErrorRecord (serialised deep, inner
# exceptions included) or a stream; every echo of user input is one bounded line; NUL is refused
# before any call; disposed, orphaned and re-entered providers fail with ErrorIds of ours.

BeforeDiscovery {
    $script:Lengths = @(1, 2, 3, 7, 8, 9, 64, 500, 990, 999, 1000, 1001, 1200, 2000, 4999, 5000)
}

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $script:Modules = Initialize-IdleEcTestModules

    function New-HostileSecret {
        # A secret of $Length characters from letters that appear in no message of ours.
        param([int] $Length, [int] $Salt = 0)
        $alphabet = 'ЖЩЮЯФЫ'
        $chars = for ($i = 0; $i -lt $Length; $i++) { $alphabet[($i * 7 + $Salt) % 6] }
        -join $chars
    }

    function Test-HostileLeak {
        # True when $Text shows $Secret: the whole of a short one (whole words are what is
        # masked), or any four of its letters in a row for a long one (a fragment left by a cut).
        param([string] $Text, [string] $Secret)
        if ($Secret.Length -lt 8) { return $Text.Contains($Secret) }
        return $Text -match '[ЖЩЮЯФЫ]{4}'
    }

    function Invoke-HostileStep {
        # Runs the step with every stream merged; returns all that came out, serialised deep: the
        # events (messages and data), the ErrorRecord (PSSerializer, depth 10: inner exceptions,
        # RemoteMessage and FailureJson included) and every stream record.
        param([hashtable] $With, [object] $Session, [hashtable] $Providers, [object] $Context)
        if ($null -eq $Providers) { $Providers = @{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider } }
        if ($null -eq $Context) { $Context = New-TestContext -Providers $Providers -Session $Session }
        $streams = [System.Collections.Generic.List[object]]::new()
        $failure = $null
        try {
            foreach ($item in @(Invoke-IdleStepTriggerDirectorySync -Context $Context -Step (New-TestStep -With $With) *>&1)) {
                $streams.Add($item)
            }
        }
        catch {
            $failure = $_
        }
        $texts = [System.Collections.Generic.List[string]]::new()
        foreach ($event in $Context.Events) {
            $texts.Add([System.Management.Automation.PSSerializer]::Serialize($event, 10))
        }
        foreach ($item in $streams) {
            $texts.Add([System.Management.Automation.PSSerializer]::Serialize($item, 10))
        }
        if ($null -ne $failure) {
            $texts.Add([System.Management.Automation.PSSerializer]::Serialize($failure, 10))
            for ($e = $failure.Exception; $null -ne $e; $e = $e.InnerException) {
                $texts.Add($e.ToString())
                if ($e -is [IdLE.EntraConnect.Interop.DirectorySyncException]) {
                    $texts.Add([string] $e.RemoteMessage)
                    $texts.Add($e.FailureJson)
                }
            }
        }
        [pscustomobject]@{
            Failure    = $failure
            Classified = if ($null -ne $failure) { [IdLE.EntraConnect.Interop.ErrorRecords]::FindClassified($failure) } else { $null }
            Events     = @($Context.Events)
            Failed     = @($Context.Events | Where-Object Type -EQ 'DirectorySyncFailed')
            Text       = $texts -join "`n"
            Acquired   = @($Context.Acquired)
        }
    }

    function New-MistypingProvider {
        # A provider whose AuthSession parameter is typed [int]: PowerShell's conversion error
        # quotes the session's text, @{Server=...; Token=...}.
        $p = [pscustomobject]@{}
        $p.PSObject.Methods.Add([psscriptmethod]::new('StartSyncCycle', { param([string] $PolicyType, [int] $AuthSession) 'unreachable' }))
        $p.PSObject.Methods.Add([psscriptmethod]::new('GetSyncCycleState', { param([int] $AuthSession) 'unreachable' }))
        $p
    }

    function New-LeakingSession {
        # A session holding a token that its InvokeCommand quotes in the error it throws, placed
        # so that it starts before, at or across the 1,000-character cut of the remote message.
        param([string] $Token, [int] $Lead)
        $session = [pscustomobject]@{ Server = 'ec01'; Token = $Token; Lead = $Lead }
        $session.PSObject.Members.Add([psscriptmethod]::new('InvokeCommand', {
                    param([string] $CommandName, [hashtable] $Parameters)
                    throw ('x' * $this.Lead) + " login with token " + $this.Token + " was refused by the server"
                }))
        $session
    }
}

Describe 'Secrets never reach an event, an error or a stream' {
    It 'hides a session token of <_> characters from a provider that mistypes AuthSession' -ForEach $script:Lengths {
        $secret = New-HostileSecret -Length $_
        $session = [pscustomobject]@{ Server = 'ec01'; Token = $secret }
        $session.PSObject.Members.Add([psscriptmethod]::new('InvokeCommand', { param($CommandName, $Parameters) }))
        $r = Invoke-HostileStep -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta' } -Session $session -Providers @{ DirectorySync = New-MistypingProvider }
        $r.Failure | Should -Not -BeNullOrEmpty
        $r.Failed.Count | Should -Be 1
        Test-HostileLeak -Text $r.Text -Secret $secret | Should -BeFalse
        $r.Text | Should -Match ([regex]::Escape('[redacted]'))
    }

    It 'hides a session token of <_> characters quoted by the session across the cut' -ForEach $script:Lengths {
        $secret = New-HostileSecret -Length $_ -Salt 1
        foreach ($lead in 0, 980, 999, [System.Math]::Max(0, 1000 - $_), [System.Math]::Max(0, 1000 - [int] ($_ / 2))) {
            $session = New-LeakingSession -Token $secret -Lead $lead
            $r = Invoke-HostileStep -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta' } -Session $session
            $r.Classified.ErrorId | Should -Be 'IdLE.DirectorySync.RemoteExecutionFailed'
            $r.Failed.Count | Should -Be 1
            Test-HostileLeak -Text $r.Text -Secret $secret | Should -BeFalse -Because "lead $lead"
        }
    }

    It 'hides an option value of <_> characters that the host echoes in its error' -ForEach $script:Lengths {
        $secret = New-HostileSecret -Length $_ -Salt 2
        $context = New-TestContext -Providers @{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider } -Session $null
        $context.PSObject.Members.Remove('AcquireAuthSession')
        $context.PSObject.Members.Add([psscriptmethod]::new('AcquireAuthSession', {
                    param($Name, $Options)
                    throw "The broker refused $Name with options $($Options.Nested.Value) (vault key $($Options.Nested.Value))"
                }))
        $r = Invoke-HostileStep -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; AuthSessionOptions = @{ Nested = @{ Value = $secret } } } -Context $context
        $r.Classified.ErrorId | Should -Be 'IdLE.DirectorySync.AuthSessionUnavailable'
        Test-HostileLeak -Text $r.Text -Secret $secret | Should -BeFalse
    }

    It 'hides a password of <_> characters in the server text, in the event remoteMessage too' -ForEach $script:Lengths {
        $secret = New-HostileSecret -Length $_ -Salt 3
        foreach ($text in "Login failed: Password=$secret; Server=ec01", "Authorization: Bearer $secret$secret", "connect to http://svc:$secret@ec01 failed", "{`"client_secret`":`"$secret`"}") {
            $session = New-TestSession -Handlers @{ 'Start-ADSyncSyncCycle' = { param($p, $s) Write-TestError -Message $s.State['Text'] } }
            $session.State['Text'] = $text
            $r = Invoke-HostileStep -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta' } -Session $session
            $r.Failed.Count | Should -Be 1
            Test-HostileLeak -Text $r.Text -Secret $secret | Should -BeFalse -Because $text
            if ($r.Failed[0].Data.Contains('remoteMessage')) {
                $r.Failed[0].Data['remoteMessage'] | Should -Match ([regex]::Escape('[redacted]'))
            }
        }
    }

    It 'hides Password=Hunter2 from a foreign provider''s error, in the remoteMessage of the event' {
        $p = [pscustomobject]@{}
        $p.PSObject.Methods.Add([psscriptmethod]::new('StartSyncCycle', { param([string] $PolicyType, $AuthSession) throw 'SQL login failed: Server=db01;User Id=sa;Password=Hunter2;' }))
        $p.PSObject.Methods.Add([psscriptmethod]::new('GetSyncCycleState', { param($AuthSession) throw 'unreachable' }))
        $r = Invoke-HostileStep -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta' } -Session (New-HappySession) -Providers @{ DirectorySync = $p }
        $r.Failed.Count | Should -Be 1
        $r.Failed[0].Data['remoteMessage'] | Should -Match ([regex]::Escape('Server=db01;User Id=sa;Password=[redacted];'))
        $r.Text | Should -Not -Match 'Hunter2'
    }
}

Describe 'Every echo of user input is one bounded line' {
    It 'refuses a <Case> with a short one-line message' -ForEach @(
        @{ Case = '1 MB multi-line PolicyType'; With = @{ AuthSessionName = 'EC'; PolicyType = "Fake`r`n" * 200000 } }
        @{ Case = 'forged log line in PolicyType'; With = @{ AuthSessionName = 'EC'; PolicyType = "Fake`r`n[ERROR] forged log line" } }
        @{ Case = '1 MB multi-line With key'; With = @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; ("Key`n" * 200000) = 1 } }
        @{ Case = '1 MB multi-line TimeoutSeconds'; With = @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; TimeoutSeconds = "9`n" * 300000 } }
        @{ Case = '1 MB multi-line provider alias'; With = @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Provider = "Alias`n" * 200000 } }
    ) {
        $r = Invoke-HostileStep -With $With -Session (New-HappySession)
        $r.Classified.ErrorId | Should -Be 'IdLE.DirectorySync.InvalidArgument'
        foreach ($message in @($r.Classified.Message) + @($r.Events.Message)) {
            $message.Length | Should -BeLessThan 2100
            $message | Should -Not -Match '[\r\n]'
        }
        $r.Acquired.Count | Should -Be 0
    }

    It 'bounds a 1 MB multi-line step name and a host error in the messages' {
        $context = New-TestContext -Providers @{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider } -Session $null
        $context.PSObject.Members.Remove('AcquireAuthSession')
        $context.PSObject.Members.Add([psscriptmethod]::new('AcquireAuthSession', { param($Name, $Options) throw ("broker`r`n[ERROR] forged " * 100000) }))
        $step = New-TestStep -Name ("Step`n" * 200000) -With @{ AuthSessionName = ("Name`n" * 200000); PolicyType = 'Delta' }
        $failure = Get-TestFailure { Invoke-IdleStepTriggerDirectorySync -Context $context -Step $step }
        $failure.ErrorId | Should -Be 'IdLE.DirectorySync.AuthSessionUnavailable'
        $failure.Inner.Length | Should -BeLessThan 2100
        $failure.Inner | Should -Not -Match '[\r\n]'
        $context.Events[0].Message | Should -Not -Match '[\r\n]'
    }

    It 'bounds the type name of a session without InvokeCommand' {
        $session = [pscustomobject]@{ PSTypeName = ("Type`n" * 200000) }
        $p = New-IdleEntraConnectDirectorySyncProvider
        $failure = Get-TestFailure { $p.GetSyncCycleState($session) }
        $failure.ErrorId | Should -Be 'IdLE.DirectorySync.AuthSessionInvalid'
        $failure.Inner.Length | Should -BeLessThan 600
        $failure.Inner | Should -Not -Match '[\r\n]'
        $p.Dispose()
    }
}

Describe 'NUL is refused before any remote call' {
    It 'refuses a PolicyType with a NUL in the provider' {
        $session = New-HappySession
        $p = New-IdleEntraConnectDirectorySyncProvider
        $failure = Get-TestFailure { $p.StartSyncCycle("Delta`0; Remove-Item /tmp/x", $session) }
        $failure.ErrorId | Should -Be 'IdLE.DirectorySync.InvalidArgument'
        $failure.Category | Should -Be 'InvalidArgument'
        $failure.Inner | Should -Match 'NUL'
        $session.Calls.Count | Should -Be 0
        $p.Dispose()
    }

    It 'refuses With.<Key> with a NUL in the step, before the broker is asked' -ForEach @(
        @{ Key = 'PolicyType'; With = @{ AuthSessionName = 'EC'; PolicyType = "Delta`0; Remove-Item /tmp/x" } }
        @{ Key = 'AuthSessionName'; With = @{ AuthSessionName = "EC`0x"; PolicyType = 'Delta' } }
        @{ Key = 'Provider'; With = @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Provider = "DirectorySync`0" } }
        @{ Key = 'AuthSessionOptions'; With = @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; AuthSessionOptions = @{ Deep = @(@{ Name = "a`0b" }) } } }
    ) {
        $session = New-HappySession
        $r = Invoke-HostileStep -With $With -Session $session
        $r.Classified.ErrorId | Should -Be 'IdLE.DirectorySync.InvalidArgument'
        $r.Classified.Message | Should -Match $Key
        $r.Acquired.Count | Should -Be 0
        $session.Calls.Count | Should -Be 0
    }
}

Describe 'Disposed and orphaned providers' {
    It 'fails a call on a disposed provider with IdLE.DirectorySync.ProviderDisposed' {
        $p = New-IdleEntraConnectDirectorySyncProvider
        $p.Dispose()
        foreach ($call in { $p.GetSyncCycleState((New-HappySession)) }, { $p.StartSyncCycle('Delta', (New-HappySession)) }) {
            $failure = Get-TestFailure $call
            $failure.ErrorId | Should -Be 'IdLE.DirectorySync.ProviderDisposed'
            $failure.Category | Should -Be 'InvalidOperation'
            $failure.Inner | Should -Match 'New-IdleEntraConnectDirectorySyncProvider'
        }
        { $p.Dispose() } | Should -Not -Throw
    }

    It 'finishes the running call of a provider disposed inside its callback, then refuses the next' {
        $p = New-IdleEntraConnectDirectorySyncProvider
        $session = New-TestSession -Handlers @{ 'Get-ADSyncScheduler' = { param($x, $s) $s.State['Provider'].Dispose(); New-TestScheduler } }
        $session.State['Provider'] = $p
        $state = $p.GetSyncCycleState($session)
        $state.State | Should -Be 'Idle'
        (Get-TestFailure { $p.GetSyncCycleState($session) }).ErrorId | Should -Be 'IdLE.DirectorySync.ProviderDisposed'
    }

    It 'fails the step with ProviderDisposed when the provider was disposed' {
        $p = New-IdleEntraConnectDirectorySyncProvider
        $p.Dispose()
        $r = Invoke-HostileStep -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta' } -Session (New-HappySession) -Providers @{ DirectorySync = $p }
        $r.Failure.FullyQualifiedErrorId | Should -BeLike 'IdLE.DirectorySync.ProviderDisposed*'
        $r.Failed[0].Data['errorId'] | Should -Be 'IdLE.DirectorySync.ProviderDisposed'
    }

    It 'keeps working after the runspace that created it closed, and reports ProviderDisposed once disposed' {
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        $ps = [powershell]::Create()
        $ps.Runspace = $runspace
        $null = $ps.AddScript('param($m) Import-Module $m; New-IdleEntraConnectDirectorySyncProvider').AddArgument($script:Modules.ProviderManifest)
        $orphan = $ps.Invoke()[0]
        $ps.Dispose()
        $runspace.Close()
        $runspace.Dispose()
        $orphan.GetSyncCycleState((New-HappySession)).State | Should -Be 'Idle'
        $orphan.Dispose()
        (Get-TestFailure { $orphan.GetSyncCycleState((New-HappySession)) }).ErrorId | Should -Be 'IdLE.DirectorySync.ProviderDisposed'
    }
}

Describe 'Re-entry' {
    It 'refuses a provider call made from inside the same provider''s session call' {
        $p = New-IdleEntraConnectDirectorySyncProvider
        $session = New-TestSession -Handlers @{ 'Get-ADSyncScheduler' = { param($x, $s) $s.State['Provider'].GetSyncCycleState($s) } }
        $session.State['Provider'] = $p
        $failure = Get-TestFailure { $p.GetSyncCycleState($session) }
        $failure.ErrorId | Should -Be 'IdLE.DirectorySync.ReentrantCall'
        $failure.Category | Should -Be 'InvalidOperation'
        $session.Calls.Count | Should -Be 1
        # The provider is usable again afterwards.
        $p.GetSyncCycleState((New-HappySession)).State | Should -Be 'Idle'
        $p.Dispose()
    }

    It 'fails the step with ReentrantCall when the session runs the step again' {
        $p = New-IdleEntraConnectDirectorySyncProvider
        $session = New-TestSession -Handlers @{
            'Start-ADSyncSyncCycle' = {
                param($x, $s)
                Invoke-IdleStepTriggerDirectorySync -Context $s.State['Context'] -Step (New-TestStep -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta' })
            }
        }
        $context = New-TestContext -Providers @{ DirectorySync = $p } -Session $session
        $session.State['Context'] = $context
        $r = Invoke-HostileStep -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta' } -Context $context
        $r.Classified.ErrorId | Should -Be 'IdLE.DirectorySync.ReentrantCall'
        $session.Calls.Count | Should -Be 1
        $p.Dispose()
    }
}

Describe 'AuthSessionOptions validation is bounded and fast' {
    It 'refuses <Case> within a second, naming the limit' -ForEach @(
        @{ Case = 'a 200,000-element array'; Options = { @{ List = [object[]]::new(200000) } }; Pattern = '10000 values' }
        @{ Case = 'a 200,000-key table'; Options = { $t = @{}; for ($i = 0; $i -lt 200000; $i++) { $t["k$i"] = $i }; $t }; Pattern = '10000 values' }
        @{ Case = '17 levels'; Options = { $o = @{ v = 1 }; for ($i = 0; $i -lt 17; $i++) { $o = @{ n = $o } }; $o }; Pattern = '16 levels' }
        @{ Case = 'a script block deep inside'; Options = { @{ a = @(1, @{ b = { 'code' } }) } }; Pattern = 'script block' }
    ) {
        $options = & $Options
        $context = New-TestContext -Providers @{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider } -Session (New-HappySession)
        $step = New-TestStep -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; AuthSessionOptions = $options }
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $failure = Get-TestFailure { Invoke-IdleStepTriggerDirectorySync -Context $context -Step $step }
        $watch.Stop()
        $failure.ErrorId | Should -Be 'IdLE.DirectorySync.InvalidArgument'
        $failure.Inner | Should -Match $Pattern
        $context.Acquired.Count | Should -Be 0
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 1
    }

    It 'accepts 10,000 values 16 levels deep' {
        # The items of the list sit at level 16; 9,000 items and 32 tables and keys above them.
        $o = @{ List = [object[]] (1..9000) }
        for ($i = 0; $i -lt 14; $i++) { $o = @{ n = $o } }
        $r = Invoke-HostileStep -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; AuthSessionOptions = $o } -Session (New-HappySession)
        $r.Failure | Should -BeNullOrEmpty
        $r.Acquired.Count | Should -Be 1
    }
}
