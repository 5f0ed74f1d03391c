#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# The provider at its edges: errors written by a session's own helper methods, stops during a
# session call, answers too large to take, values that cannot be turned into text, many calls,
# two runspaces at once.

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $script:Modules = Initialize-IdleEcTestModules

    function Assert-OnlyStop {
        # A stop may surface once as the ScriptMethod's "Exception calling ... The pipeline has
        # been stopped." (PowerShell wraps what a ScriptMethod throws): whatever appears must be
        # that stop, never a classified failure.
        param([object[]] $Errors)
        foreach ($record in $Errors) {
            $record.FullyQualifiedErrorId | Should -Not -Match 'IdLE\.DirectorySync'
            $e = $record.Exception
            while ($null -ne $e -and $e -isnot [System.Management.Automation.PipelineStoppedException]) { $e = $e.InnerException }
            $e | Should -Not -BeNullOrEmpty -Because "not a stop: $($record.Exception)"
        }
    }
}

Describe 'Provider edges' {
    BeforeEach {
        $provider = New-IdleEntraConnectDirectorySyncProvider
    }
    AfterEach {
        $provider.Dispose()
    }

    It 'a busy error written by a method the session calls is caught, not leaked' {
        # A method call sends the errors it writes past every redirection to the outermost
        # pipeline; a session calling a helper method of its own must not defeat the capture.
        $session = [pscustomobject]@{ PSTypeName = 'Test.HelperSession' }
        $session.PSObject.Members.Add([psscriptmethod]::new('Run', {
                    param([string] $CommandName)
                    Write-TestError -Message (Get-AdSyncText -Name Busy)
                    [pscustomobject]@{ Result = 'Success' }
                }))
        $session.PSObject.Members.Add([psscriptmethod]::new('InvokeCommand', {
                    param([string] $CommandName, [hashtable] $Parameters)
                    $this.Run($CommandName)
                }))
        (Get-TestFailure { $provider.StartSyncCycle('Delta', $session) }).ErrorId | Should -Be 'IdLE.DirectorySync.CycleBusy'
    }

    It 'every error a session writes is captured, also after output and from methods two calls deep' {
        # The busy error comes first, output follows, the access-denied error comes last and from
        # a method two calls deep: the access-denied one must win (it is the cause to fix first),
        # which only happens when the capture saw all of them. A method call sends what it writes
        # to the outermost pipeline; only a pipeline of the provider's own catches it there (a
        # redirection around the session's script does not). The session writes as a server
        # does, with errors that do not stop it (Pester runs tests with 'Stop').
        $session = [pscustomobject]@{ PSTypeName = 'Test.ManyErrorsSession' }
        $session.PSObject.Members.Add([psscriptmethod]::new('Deny', {
                    $ErrorActionPreference = 'Continue'
                    Write-TestError -Message (Get-AdSyncText -Name NoRights) -ExceptionType 'System.UnauthorizedAccessException'
                }))
        $session.PSObject.Members.Add([psscriptmethod]::new('Inner', { $this.Deny() }))
        $session.PSObject.Members.Add([psscriptmethod]::new('InvokeCommand', {
                    param([string] $CommandName, [hashtable] $Parameters)
                    $ErrorActionPreference = 'Continue'
                    Write-TestError -Message (Get-AdSyncText -Name Busy)
                    [pscustomobject]@{ Result = 'Success' }
                    $this.Inner()
                }))
        (Get-TestFailure { $provider.StartSyncCycle('Delta', $session) }).ErrorId | Should -Be 'IdLE.DirectorySync.PermissionDenied'
    }

    It 'a session whose InvokeCommand is a compiled method works, and what it throws is classified' {
        if (-not ('IdLE.Tests.CompiledSession' -as [type])) {
            Add-Type -TypeDefinition @'
namespace IdLE.Tests
{
    public sealed class CompiledSession
    {
        public string Deny { get; set; }
        public object InvokeCommand(string CommandName, System.Collections.Hashtable Parameters)
        {
            if (Deny != null) { throw new System.UnauthorizedAccessException(Deny); }
            var result = new System.Collections.Hashtable();
            result["Result"] = "Success";
            return result;
        }
    }
}
'@
        }
        $compiled = [IdLE.Tests.CompiledSession]::new()
        $provider.StartSyncCycle('Delta', $compiled).Started | Should -BeTrue
        $compiled.Deny = Get-AdSyncText -Name NoRights
        (Get-TestFailure { $provider.StartSyncCycle('Delta', $compiled) }).ErrorId | Should -Be 'IdLE.DirectorySync.PermissionDenied'
    }

    It 'stopping the pipeline <AfterMs> ms into a session call stops it, unclassified, and the provider stays usable' -ForEach @(
        @{ AfterMs = 100 }
        @{ AfterMs = 300 }
        @{ AfterMs = 500 }
    ) {
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        try {
            $runspace.SessionStateProxy.SetVariable('helpers', "$PSScriptRoot/TestHelpers.ps1")
            $setup = [powershell]::Create(); $setup.Runspace = $runspace
            $null = $setup.AddScript('. $helpers; Import-Module IdLE.Provider.EntraConnectSync; $global:hang = New-TestSession -Handlers @{ ''Get-ADSyncScheduler'' = { param($x) while ($true) { $null = 1 } } }; $global:hangProvider = New-IdleEntraConnectDirectorySyncProvider').Invoke()
            $setup.Dispose()
            $ps = [powershell]::Create(); $ps.Runspace = $runspace
            $null = $ps.AddScript('$global:hangProvider.GetSyncCycleState($global:hang)')
            $pending = $ps.BeginInvoke()
            Start-Sleep -Milliseconds $AfterMs
            $pending.IsCompleted | Should -BeFalse -Because 'the call must not end before it is stopped'
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            Assert-OnlyStop @($ps.Streams.Error)
            $ps.Dispose()
            $after = [powershell]::Create(); $after.Runspace = $runspace
            @($after.AddScript('$global:hangProvider.GetSyncCycleState((New-HappySession)).State').Invoke()) | Should -Be @('Idle')
            $after.Dispose()
        }
        finally {
            $runspace.Dispose()
        }
    }

    It 'a session call that was stopped is a stop, not a failure of the server' {
        $session = New-TestSession -Handlers @{ 'Start-ADSyncSyncCycle' = {
                throw [System.Management.Automation.MethodInvocationException]::new('Exception calling "InvokeCommand": "The pipeline has been stopped."', [System.Management.Automation.PipelineStoppedException]::new())
            }
        }
        $caught = try { $provider.StartSyncCycle('Delta', $session); $null } catch { $_ }
        $caught | Should -Not -BeNullOrEmpty
        Assert-OnlyStop @($caught)
    }

    It 'a huge answer is refused as UnexpectedResponse' {
        $session = New-TestSession -Handlers @{ 'Get-ADSyncScheduler' = { New-TestScheduler -Override @{ Padding = [string]::new([char]'x', 20MB) } } }
        (Get-TestFailure { $provider.GetSyncCycleState($session) }).ErrorId | Should -Be 'IdLE.DirectorySync.UnexpectedResponse'
    }

    It 'a wide object graph is cut off at the cap, not written whole' {
        # Depth bounds nothing here: 3,000 rows of 10 kB fan out to 30 MB of JSON within two
        # levels. Writing stops at the core's cap (16 MiB) and the core reports it too large.
        $text = [string]::new([char]'x', 1000)
        $rows = [System.Collections.Generic.List[object]]::new()
        for ($i = 0; $i -lt 3000; $i++) {
            $rows.Add([pscustomobject]@{ A = $text; B = $text; C = $text; D = $text; E = $text; F = $text; G = $text; H = $text; I = $text; J = $text })
        }
        $session = New-TestSession -Handlers @{ 'Get-ADSyncScheduler' = { param($p, $s) New-TestScheduler -Override @{ Rows = $s.State['Rows'] } } }
        $session.State['Rows'] = $rows
        [System.GC]::Collect()
        $before = [System.GC]::GetTotalAllocatedBytes($true)
        $failure = Get-TestFailure { $provider.GetSyncCycleState($session) }
        $allocatedMiB = ([System.GC]::GetTotalAllocatedBytes($true) - $before) / 1MB
        $failure.ErrorId | Should -Be 'IdLE.DirectorySync.UnexpectedResponse'
        $failure.Inner | Should -Match 'larger than 16 MiB'
        # Measured in the engine: about 46 MiB with the cut-off, about 236 MiB written whole.
        $allocatedMiB | Should -BeLessThan 100
    }

    It 'a live object that fans out (an Assembly) is refused as too large' {
        $session = New-TestSession -Handlers @{ 'Get-ADSyncScheduler' = { , [string].Assembly } }
        $failure = Get-TestFailure { $provider.GetSyncCycleState($session) }
        $failure.ErrorId | Should -Be 'IdLE.DirectorySync.UnexpectedResponse'
        $failure.Inner | Should -Match 'larger than 16 MiB'
    }

    It 'a value whose ToString throws at the depth limit does not spoil the answer' {
        $thrower = [pscustomobject]@{}
        $thrower.PSObject.Members.Add([psscriptmethod]::new('ToString', { throw 'no text for you' }))
        $session = New-TestSession -Handlers @{ 'Get-ADSyncScheduler' = { param($p, $s) New-TestScheduler -Override @{ SyncCycleInProgress = $true; Extra = $s.State['Deep'] } } }
        $session.State['Deep'] = @{ a = @{ b = @{ c = @{ d = @{ e = $thrower } } } } }
        $provider.GetSyncCycleState($session).State | Should -Be 'InProgress'
    }

    It '5,000 trigger and state calls in a loop complete' {
        $session = New-HappySession
        $started = 0; $idle = 0
        for ($i = 0; $i -lt 5000; $i++) {
            if ($provider.StartSyncCycle('Delta', $session).Started) { $started++ }
            if ($provider.GetSyncCycleState($session).State -eq 'Idle') { $idle++ }
            if ($i % 1000 -eq 0) { [GC]::Collect() }
        }
        $started | Should -Be 5000
        $idle | Should -Be 5000
        $session.Calls.Count | Should -Be 10000
    }

    It 'providers in two runspaces work at the same time' {
        $script = @'
. $args[0]
Import-Module IdLE.Provider.EntraConnectSync
$p = New-IdleEntraConnectDirectorySyncProvider
$s = New-HappySession
$ok = 0
for ($i = 0; $i -lt 1000; $i++) {
    if ($p.StartSyncCycle('Initial', $s).Started -and $p.GetSyncCycleState($s).State -eq 'Idle') { $ok++ }
}
$ok
'@
        $runs = foreach ($n in 1, 2) {
            $ps = [powershell]::Create()
            $null = $ps.AddScript($script).AddArgument("$PSScriptRoot/TestHelpers.ps1")
            [pscustomobject]@{ PowerShell = $ps; Pending = $ps.BeginInvoke() }
        }
        $results = foreach ($run in $runs) {
            $run.PowerShell.EndInvoke($run.Pending)
            @($run.PowerShell.Streams.Error) | Should -BeNullOrEmpty
            $run.PowerShell.Dispose()
        }
        @($results) | Should -Be @(1000, 1000)
    }
}
