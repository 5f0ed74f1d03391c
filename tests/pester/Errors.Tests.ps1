#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# Every failure class, raised by sessions with the real server texts (docs/adsync.md): thrown, written
# as non-terminating errors, or returned as error records (live or after a remoting round trip).

BeforeDiscovery {
    . "$PSScriptRoot/TestHelpers.ps1"
    $script:Cases = @(
        @{ Text = 'Busy'; ExceptionType = 'System.InvalidOperationException'; ErrorId = 'IdLE.DirectorySync.CycleBusy'; Category = 'ResourceBusy'; Transient = $true }
        @{ Text = 'NoRights'; ExceptionType = 'System.UnauthorizedAccessException'; ErrorId = 'IdLE.DirectorySync.PermissionDenied'; Category = 'PermissionDenied'; Transient = $false }
        @{ Text = 'NoRights'; ExceptionType = 'System.Runtime.InteropServices.COMException'; ErrorId = 'IdLE.DirectorySync.PermissionDenied'; Category = 'PermissionDenied'; Transient = $false }
        @{ Text = 'WinRmDenied'; ExceptionType = 'System.Management.Automation.Remoting.PSRemotingTransportException'; ErrorId = 'IdLE.DirectorySync.PermissionDenied'; Category = 'PermissionDenied'; Transient = $false }
        @{ Text = 'NotRecognized'; ExceptionType = 'System.Management.Automation.CommandNotFoundException'; ErrorId = 'IdLE.DirectorySync.ADSyncUnavailable'; Category = 'NotInstalled'; Transient = $false }
        @{ Text = 'TransportDown'; ExceptionType = 'System.Management.Automation.Remoting.PSRemotingTransportException'; ErrorId = 'IdLE.DirectorySync.RemoteExecutionFailed'; Category = 'ConnectionError'; Transient = $true }
    )
    $script:Shapes = @('thrown', 'written', 'deserialized-in-output', 'live-in-output')
    $script:Matrix = foreach ($case in $script:Cases) {
        foreach ($shape in $script:Shapes) {
            foreach ($method in 'StartSyncCycle', 'GetSyncCycleState') {
                $case + @{ Shape = $shape; Method = $method }
            }
        }
    }
}

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $script:Modules = Initialize-IdleEcTestModules

    function New-FailingSession {
        # A session whose every ADSync command fails in the given shape with the given text.
        param([string] $Shape, [string] $Message, [string] $ExceptionType)
        $handler = switch ($Shape) {
            'thrown' { { param($p, $s) throw [System.Management.Automation.ErrorRecord]::new([System.Activator]::CreateInstance([type] $s.State['Type'], [object[]] @($s.State['Message'])), 'E', 'NotSpecified', $null) } }
            'written' { { param($p, $s) Write-TestError -Message $s.State['Message'] -ExceptionType $s.State['Type'] } }
            'deserialized-in-output' { { param($p, $s) New-TestErrorRecord -Message $s.State['Message'] -ExceptionType $s.State['Type'] -Deserialize } }
            'live-in-output' { { param($p, $s) New-TestErrorRecord -Message $s.State['Message'] -ExceptionType $s.State['Type'] } }
        }
        $session = New-TestSession -Handlers @{ 'Start-ADSyncSyncCycle' = $handler; 'Get-ADSyncScheduler' = $handler }
        $session.State['Message'] = $Message
        $session.State['Type'] = $ExceptionType
        $session
    }
}

Describe 'Failure classification' {
    BeforeEach {
        $provider = New-IdleEntraConnectDirectorySyncProvider
    }
    AfterEach {
        $provider.Dispose()
    }

    It '<Method>: <Text> (<ExceptionType>, <Shape>) is <ErrorId>' -ForEach $Matrix {
        $session = New-FailingSession -Shape $Shape -Message (Get-AdSyncText -Name $Text) -ExceptionType $ExceptionType
        $failure = if ($Method -eq 'StartSyncCycle') {
            Get-TestFailure { $provider.StartSyncCycle('Delta', $session) }
        }
        else {
            Get-TestFailure { $provider.GetSyncCycleState($session) }
        }
        $failure.ErrorId | Should -Be $ErrorId
        $failure.Category | Should -Be $Category
        $failure.Transient | Should -Be $Transient
    }

    It 'a non-terminating busy error beside a Success object is not success' {
        $session = New-TestSession -Handlers @{
            'Start-ADSyncSyncCycle' = {
                param($p, $s)
                [pscustomobject]@{ Result = 'Success' }
                Write-TestError -Message (Get-AdSyncText -Name Busy)
            }
        }
        $failure = Get-TestFailure { $provider.StartSyncCycle('Delta', $session) }
        $failure.ErrorId | Should -Be 'IdLE.DirectorySync.CycleBusy'
        $failure.Inner | Should -Match 'contoso.onmicrosoft.com - AAD'
        $failure.Inner | Should -Not -Match '   at Microsoft\.'
    }

    It 'permission errors tell the host to supply an authorised session' {
        $session = New-FailingSession -Shape 'thrown' -Message (Get-AdSyncText -Name NoRights) -ExceptionType 'System.UnauthorizedAccessException'
        $failure = Get-TestFailure { $provider.StartSyncCycle('Delta', $session) }
        $failure.Inner | Should -Match 'AuthSessionBroker'
    }

    It 'a session that throws <Description> fails RemoteExecutionFailed, transient' -ForEach @(
        @{ Description = 'a number'; Body = { throw 42 } }
        @{ Description = 'an object'; Body = { throw [pscustomobject]@{ Code = 42 } } }
        @{ Description = 'an IOException'; Body = { throw [System.IO.IOException]::new('The pipe is broken.') } }
        @{ Description = 'a StackOverflowException'; Body = { throw [System.StackOverflowException]::new('not really') } }
        @{ Description = '$null'; Body = { throw $null } }
    ) {
        $session = New-TestSession -Handlers @{ 'Start-ADSyncSyncCycle' = $Body }
        $failure = Get-TestFailure { $provider.StartSyncCycle('Delta', $session) }
        $failure.ErrorId | Should -Be 'IdLE.DirectorySync.RemoteExecutionFailed'
        $failure.Transient | Should -BeTrue
    }

    It '<Command> answering <Description> is UnexpectedResponse' -ForEach @(
        @{ Command = 'Start-ADSyncSyncCycle'; Description = 'nothing'; Output = { } }
        @{ Command = 'Start-ADSyncSyncCycle'; Description = 'Result Failure'; Output = { [pscustomobject]@{ Result = 'Failure' } } }
        @{ Command = 'Start-ADSyncSyncCycle'; Description = 'the result object''s type name (text, not the object)'; Output = { 'Microsoft.IdentityManagement.PowerShell.ObjectModel.SchedulerOperationStatus' } }
        @{ Command = 'Start-ADSyncSyncCycle'; Description = 'an object without Result'; Output = { [pscustomobject]@{ Name = 'no Result property' } } }
        @{ Command = 'Get-ADSyncScheduler'; Description = 'nothing'; Output = { } }
        @{ Command = 'Get-ADSyncScheduler'; Description = 'a number'; Output = { 42 } }
        @{ Command = 'Get-ADSyncScheduler'; Description = 'a string'; Output = { 'a string' } }
    ) {
        $session = New-TestSession -Handlers @{ $Command = $Output }
        $failure = if ($Command -eq 'Start-ADSyncSyncCycle') {
            Get-TestFailure { $provider.StartSyncCycle('Delta', $session) }
        }
        else {
            Get-TestFailure { $provider.GetSyncCycleState($session) }
        }
        $failure.ErrorId | Should -Be 'IdLE.DirectorySync.UnexpectedResponse'
        $failure.Category | Should -Be 'InvalidResult'
        $failure.Transient | Should -BeFalse
    }

    It 'Result Failure says the server did not accept the cycle, names the result and is not transient' {
        # The server ran the command and answered: not a transport failure (RemoteExecutionFailed,
        # ConnectionError, transient) but an answer outside the cmdlet's contract.
        $session = New-TestSession -Handlers @{ 'Start-ADSyncSyncCycle' = { [pscustomobject]@{ Result = 'Failure' } } }
        $failure = Get-TestFailure { $provider.StartSyncCycle('Delta', $session) }
        $failure.ErrorId | Should -Be 'IdLE.DirectorySync.UnexpectedResponse'
        $failure.Inner | Should -Match 'did not accept'
        $failure.Inner | Should -Match "'Failure'"
        $failure.Transient | Should -BeFalse
    }

    It 'an invalid argument is InvalidArgument and a session without InvokeCommand is AuthSessionInvalid' {
        (Get-TestFailure { $provider.StartSyncCycle('Weekly', (New-HappySession)) }).ErrorId | Should -Be 'IdLE.DirectorySync.InvalidArgument'
        (Get-TestFailure { $provider.GetSyncCycleState([pscustomobject]@{}) }).ErrorId | Should -Be 'IdLE.DirectorySync.AuthSessionInvalid'
    }
}

Describe 'The step raises the same classes' {
    It 'the step fails <ErrorId> when the trigger fails that way (<Text>)' -ForEach $Cases {
        $session = New-FailingSession -Shape 'thrown' -Message (Get-AdSyncText -Name $Text) -ExceptionType $ExceptionType
        $context = New-TestContext -Providers @{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider } -Session $session
        $failure = Get-TestFailure { Invoke-IdleStepTriggerDirectorySync -Context $context -Step (New-TestStep -With @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta' }) }
        $failure.ErrorId | Should -Be $ErrorId
        $failure.Record.FullyQualifiedErrorId | Should -BeLike "$ErrorId*"
        $failure.Transient | Should -Be $Transient
        $failed = @($context.Events | Where-Object Type -EQ 'DirectorySyncFailed')
        $failed.Count | Should -Be 1
        $failed[0].Data['errorId'] | Should -Be $ErrorId
    }

    It 'the step keeps the provider''s AuthSessionInvalid, in the error and in its event' {
        $context = New-TestContext -Providers @{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider } -Session @{}
        $failure = Get-TestFailure { Invoke-IdleStepTriggerDirectorySync -Context $context -Step (New-TestStep -With @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true }) }
        $failure.Record.FullyQualifiedErrorId | Should -BeLike 'IdLE.DirectorySync.AuthSessionInvalid*'
        $failed = @($context.Events | Where-Object Type -EQ 'DirectorySyncFailed')
        $failed.Count | Should -Be 1
        $failed[0].Data['errorId'] | Should -Be 'IdLE.DirectorySync.AuthSessionInvalid'
    }
}
