# Helpers for tests/pester/Remoting.Tests.ps1: a throw-away OpenSSH server on 127.0.0.1 that
# hosts pwsh as its 'powershell' subsystem, with the ADSync simulator importable as 'ADSync' on
# the far side. Dot-source it from a BeforeAll block.
#
# Everything lives in one temporary folder: host key, client key pair, sshd_config, PidFile,
# known_hosts, the far side's module folder. Nothing of the machine's own ssh setup is read or
# changed. The server is stopped by its process id (and its per-connection children, by id).
#
# Subsystems the server offers (all run the pwsh this test runs in, as pinned by $PSHOME):
#   powershell          pwsh -sshs, with the simulator importable as 'ADSync' and its state file
#   powershell-noadsync pwsh -sshs, without any ADSync module
#   nopwsh              a pwsh path that does not exist (PowerShell not installed on the far side)
# A subsystem name the server does not know (e.g. 'powershell-missing') is the far side without
# PowerShell configured at all.

function Test-IdleEcSshdAvailable {
    <# .SYNOPSIS True when OpenSSH's server (sshd) and client (ssh) are installed. #>
    $sshd = Get-IdleEcSshdPath
    $ssh = Get-Command -Name ssh -CommandType Application -ErrorAction Ignore
    return ($null -ne $sshd -and $null -ne $ssh)
}

function Get-IdleEcSshdPath {
    <# .SYNOPSIS The sshd binary (sshd must be started by its absolute path), or $null. #>
    foreach ($candidate in '/usr/sbin/sshd', '/usr/local/sbin/sshd') {
        if ([System.IO.File]::Exists($candidate)) { return $candidate }
    }
    $found = Get-Command -Name sshd -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if ($null -ne $found) { return $found.Source }
    return $null
}

function Get-IdleEcFreeTcpPort {
    <# .SYNOPSIS A TCP port on 127.0.0.1 that was free a moment ago. #>
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { return ([System.Net.IPEndPoint] $listener.LocalEndpoint).Port }
    finally { $listener.Stop() }
}

function Get-IdleEcPwshCommand {
    <# .SYNOPSIS The command line that starts this very pwsh (pinned by $PSHOME). #>
    $apphost = [System.IO.Path]::Combine($PSHOME, 'pwsh')
    if ([System.IO.File]::Exists($apphost)) { return "'$apphost'" }
    return "'$([Environment]::ProcessPath)' '$([System.IO.Path]::Combine($PSHOME, 'pwsh.dll'))'"
}

function Start-IdleEcSshServer {
    <#
    .SYNOPSIS
    Starts sshd on 127.0.0.1 at a free port; returns an object describing the server.

    .PARAMETER SimulatorPath
    The folder of the built IdLE.EntraConnect.Simulator module. Its files are copied into a
    module folder named ADSync on the far side's PSModulePath, so `Import-Module ADSync` there
    loads the simulator.

    .PARAMETER StatePath
    The simulator's state file, shared by this process and the far side.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $SimulatorPath,
        [Parameter(Mandatory)] [string] $StatePath
    )
    $sshd = Get-IdleEcSshdPath
    if ($null -eq $sshd) { throw 'sshd is not installed (Debian: apt-get install openssh-server).' }

    $root = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'idle-ec-sshd-' + [guid]::NewGuid().ToString('N'))
    $null = [System.IO.Directory]::CreateDirectory($root)
    # sshd refuses keys and configs in group- or world-writable places.
    & chmod 700 $root

    # The far side's ADSync: the simulator under the module name ADSync.
    $adsync = [System.IO.Path]::Combine($root, 'modules', 'ADSync')
    $null = [System.IO.Directory]::CreateDirectory($adsync)
    Copy-Item -Path ([System.IO.Path]::Combine($SimulatorPath, 'IdLE.EntraConnect.Simulator.dll')) -Destination $adsync
    $manifest = Import-PowerShellDataFile -LiteralPath ([System.IO.Path]::Combine($SimulatorPath, 'IdLE.EntraConnect.Simulator.psd1'))
    $exports = ($manifest.CmdletsToExport | ForEach-Object { "'$_'" }) -join ', '
    Set-Content -LiteralPath ([System.IO.Path]::Combine($adsync, 'ADSync.psd1')) -Encoding utf8 -Value @"
@{
    RootModule        = 'IdLE.EntraConnect.Simulator.dll'
    ModuleVersion     = '1.0.0'
    GUID              = '$([guid]::NewGuid())'
    Description       = 'Test stand-in: the ADSync simulator under the name ADSync.'
    CmdletsToExport   = @($exports)
    FunctionsToExport = @()
    AliasesToExport   = @()
    VariablesToExport = @()
}
"@

    $hostKey = [System.IO.Path]::Combine($root, 'host_ed25519')
    $clientKey = [System.IO.Path]::Combine($root, 'client_ed25519')
    & ssh-keygen -q -t ed25519 -N '' -f $hostKey | Out-Null
    & ssh-keygen -q -t ed25519 -N '' -f $clientKey | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'ssh-keygen failed.' }
    $authorized = [System.IO.Path]::Combine($root, 'authorized_keys')
    Copy-Item -LiteralPath "$clientKey.pub" -Destination $authorized
    & chmod 600 $authorized

    $port = Get-IdleEcFreeTcpPort
    $knownHosts = [System.IO.Path]::Combine($root, 'known_hosts')
    $hostPublic = ([System.IO.File]::ReadAllText("$hostKey.pub")).Trim().Split(' ')
    Set-Content -LiteralPath $knownHosts -Encoding ascii -Value "[127.0.0.1]:$port $($hostPublic[0]) $($hostPublic[1])"

    $pwsh = Get-IdleEcPwshCommand
    $modulePath = [System.IO.Path]::Combine($root, 'modules')
    $pidFile = [System.IO.Path]::Combine($root, 'sshd.pid')
    $log = [System.IO.Path]::Combine($root, 'sshd.log')
    $config = [System.IO.Path]::Combine($root, 'sshd_config')
    Set-Content -LiteralPath $config -Encoding ascii -Value @"
ListenAddress 127.0.0.1
Port $port
HostKey $hostKey
PidFile $pidFile
AuthorizedKeysFile $authorized
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem powershell /usr/bin/env PSModulePath='$modulePath' IDLE_ADSYNC_SIM_STATE='$StatePath' $pwsh -sshs -NoLogo -NoProfile
Subsystem powershell-noadsync /usr/bin/env IDLE_ADSYNC_SIM_STATE='$StatePath' $pwsh -sshs -NoLogo -NoProfile
Subsystem nopwsh /nonexistent/pwsh -sshs -NoLogo -NoProfile
"@
    # The privilege-separation directory sshd insists on (root only; a non-root sshd skips it).
    try { $null = [System.IO.Directory]::CreateDirectory('/run/sshd') } catch { $null = $_ }

    & $sshd -t -f $config 2>&1 | Out-String | ForEach-Object { if ($LASTEXITCODE -ne 0) { throw "sshd rejects its test configuration: $_" } }
    & $sshd -f $config -E $log
    if ($LASTEXITCODE -ne 0) { throw "sshd did not start (exit $LASTEXITCODE): $(Get-Content -Raw -LiteralPath $log -ErrorAction Ignore)" }

    # Started in the background; ready once the pid file is written and the port accepts.
    $deadline = [datetime]::UtcNow.AddSeconds(15)
    $serverPid = 0
    while ([datetime]::UtcNow -lt $deadline) {
        if ([System.IO.File]::Exists($pidFile)) {
            $text = [System.IO.File]::ReadAllText($pidFile).Trim()
            if ($text -match '^\d+$') {
                $serverPid = [int] $text
                $client = [System.Net.Sockets.TcpClient]::new()
                try { $client.Connect('127.0.0.1', $port); break } catch { $null = $_ } finally { $client.Dispose() }
            }
        }
        Start-Sleep -Milliseconds 100
    }
    if ($serverPid -eq 0) { throw "sshd did not come up on 127.0.0.1:$port." }

    [pscustomobject]@{
        Root          = $root
        Port          = $port
        Pid           = $serverPid
        ClientKey     = $clientKey
        KnownHosts    = $knownHosts
        UserName      = [Environment]::UserName
        ModulePath    = $modulePath
        # ssh options for New-PSSession -Options: this server's host key only, no user files.
        SshOptions    = @{ UserKnownHostsFile = $knownHosts; StrictHostKeyChecking = 'yes'; ConnectTimeout = '5' }
    }
}

function Get-IdleEcChildProcessId {
    <# .SYNOPSIS The ids of the direct children of a process (Linux /proc), for stopping them by id. #>
    param([int] $ParentId)
    foreach ($dir in [System.IO.Directory]::GetDirectories('/proc')) {
        $name = [System.IO.Path]::GetFileName($dir)
        if ($name -notmatch '^\d+$') { continue }
        try { $stat = [System.IO.File]::ReadAllText("$dir/stat") } catch { continue }
        # pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
        $fields = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
        if ([int] $fields[1] -eq $ParentId) { [int] $name }
    }
}

function Stop-IdleEcSshServer {
    <#
    .SYNOPSIS
    Stops the test sshd by its pid and, with -Connections, every connection it serves (its child
    processes, found by parent id, and theirs): the far side of any open session goes away.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object] $Server,
        [switch] $Connections,
        [switch] $RemoveFiles
    )
    $ids = [System.Collections.Generic.List[int]]::new()
    $ids.Add([int] $Server.Pid)
    if ($Connections) {
        $queue = [System.Collections.Generic.Queue[int]]::new()
        $queue.Enqueue([int] $Server.Pid)
        while ($queue.Count -gt 0) {
            foreach ($child in @(Get-IdleEcChildProcessId -ParentId $queue.Dequeue())) {
                $ids.Add($child)
                $queue.Enqueue($child)
            }
        }
    }
    foreach ($id in $ids) {
        $process = Get-Process -Id $id -ErrorAction Ignore
        if ($null -ne $process) {
            try { $process.Kill() } catch { $null = $_ }
            $null = $process.WaitForExit(5000)
        }
    }
    if ($RemoveFiles -and [System.IO.Directory]::Exists($Server.Root)) {
        Remove-Item -LiteralPath $Server.Root -Recurse -Force -ErrorAction SilentlyContinue
    }
}
