# Helpers for the Pester 5 suite: find or install the PACKAGED modules (PSResourceGet), scripted AuthSessions with
# ADSync-shaped answers, an IdLE-shaped execution context, and failure inspection.
# Dot-source from a BeforeAll block: . "$PSScriptRoot/TestHelpers.ps1"

# Functions here use no $script: variables (Pester 5 runs blocks in scopes of its own) and leave
# strict mode to the modules under test.

function Get-IdleEcRepoRoot {
    <# .SYNOPSIS The repository root (two levels above this file). #>
    [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..'))
}

function Install-IdleEcTestPackage {
    <#
    .SYNOPSIS
    Saves both packages from the package folder (a local PSResourceGet repository) into a folder
    laid out as Install-PSResource does: <Root>/<ModuleName>/<Version>/. Runs PSResourceGet in a
    fresh pwsh with a user data folder of its own, so no repository registration is left behind.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $PackagePath,
        [Parameter(Mandatory)] [string] $Root
    )
    $script = @'
$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name IdLE.EntraConnect.Test -Uri $env:IDLE_EC_TEST_REPOSITORY -Trusted
try { Save-PSResource -Name IdLE.Steps.EntraConnectSync -Repository IdLE.EntraConnect.Test -Path $env:IDLE_EC_TEST_MODULES -TrustRepository }
finally { Unregister-PSResourceRepository -Name IdLE.EntraConnect.Test }
'@
    $dataHome = [System.IO.Path]::Combine($Root, '.data')
    [System.IO.Directory]::CreateDirectory($dataHome) | Out-Null
    $run = Invoke-IdleEcFreshPwsh -Script $script -DataHome $dataHome -Environment @{ IDLE_EC_TEST_REPOSITORY = [System.IO.Path]::GetFullPath($PackagePath); IDLE_EC_TEST_MODULES = $Root }
    [System.IO.Directory]::Delete($dataHome, $true)
    if ($run.ExitCode -ne 0) {
        throw "Saving the packages from '$PackagePath' failed (exit $($run.ExitCode)). Run scripts/package.sh first.`n$($run.Text)"
    }
}

function Initialize-IdleEcTestModules {
    <#
    .SYNOPSIS
    Makes the packaged modules available and imports them; returns where they are.

    .DESCRIPTION
    $env:IDLE_EC_MODULES: a folder holding the module folders (an installed root or out/modules);
    used as is. Otherwise the packages in $env:IDLE_EC_PACKAGES (default <repo>/out/gallery) are
    unpacked once per process into a temporary folder ($env:IDLE_EC_INSTALLED_ROOT remembers it).
    The folder is put first on PSModulePath; both modules are imported from it.
    #>
    [CmdletBinding()]
    param()
    if (-not [string]::IsNullOrWhiteSpace($env:IDLE_EC_MODULES)) {
        $root = [System.IO.Path]::GetFullPath($env:IDLE_EC_MODULES)
    }
    elseif (-not [string]::IsNullOrWhiteSpace($env:IDLE_EC_INSTALLED_ROOT) -and [System.IO.Directory]::Exists($env:IDLE_EC_INSTALLED_ROOT)) {
        $root = $env:IDLE_EC_INSTALLED_ROOT
    }
    else {
        $packages = if ([string]::IsNullOrWhiteSpace($env:IDLE_EC_PACKAGES)) { [System.IO.Path]::Combine((Get-IdleEcRepoRoot), 'out', 'gallery') } else { [System.IO.Path]::GetFullPath($env:IDLE_EC_PACKAGES) }
        if (-not [System.IO.Directory]::Exists($packages)) {
            throw "No packages at '$packages'. Run scripts/package.sh, or set IDLE_EC_PACKAGES or IDLE_EC_MODULES."
        }
        $root = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'idle-ec-pester-' + [guid]::NewGuid().ToString('N'))
        [System.IO.Directory]::CreateDirectory($root) | Out-Null
        Install-IdleEcTestPackage -PackagePath $packages -Root $root
        $env:IDLE_EC_INSTALLED_ROOT = $root
    }

    $separator = [System.IO.Path]::PathSeparator
    $entries = @($env:PSModulePath -split [regex]::Escape([string] $separator) | Where-Object { $_ })
    if ($entries -notcontains $root) {
        $env:PSModulePath = (@($root) + $entries) -join $separator
    }

    $manifests = @{}
    foreach ($name in 'IdLE.Provider.EntraConnectSync', 'IdLE.Steps.EntraConnectSync') {
        $found = @([System.IO.Directory]::GetFiles([System.IO.Path]::Combine($root, $name), "$name.psd1", [System.IO.SearchOption]::AllDirectories))
        if ($found.Count -ne 1) {
            throw "Expected one $name.psd1 under '$root', found $($found.Count)."
        }
        $manifests[$name] = $found[0]
    }
    # By name, as users import them: the root is first on PSModulePath, so the step pack and the
    # provider it requires resolve to this very copy (checked below).
    Import-Module -Name 'IdLE.Steps.EntraConnectSync' -ErrorAction Stop
    foreach ($name in $manifests.Keys) {
        $loaded = @(Get-Module -Name $name)
        if ($loaded.Count -ne 1 -or -not [System.IO.Path]::GetFullPath($loaded[0].Path).StartsWith([System.IO.Path]::GetFullPath($root))) {
            throw "Import-Module by name loaded $name from '$(@($loaded | ForEach-Object Path) -join ', ')', not from '$root'."
        }
    }

    $simulator = if (-not [string]::IsNullOrWhiteSpace($env:IDLE_EC_SIMULATOR)) { [System.IO.Path]::GetFullPath($env:IDLE_EC_SIMULATOR) } else { [System.IO.Path]::Combine((Get-IdleEcRepoRoot), 'out', 'modules', 'IdLE.EntraConnect.Simulator') }
    [pscustomobject]@{
        Root             = $root
        ProviderManifest = $manifests['IdLE.Provider.EntraConnectSync']
        StepsManifest    = $manifests['IdLE.Steps.EntraConnectSync']
        Simulator        = $simulator
    }
}

function New-TestSession {
    <#
    .SYNOPSIS
    A scripted AuthSession. InvokeCommand runs the handler registered for the command name as
    & $handler $Parameters $Session and records every call in Calls. With -Deserialize, each
    output object passes through PSSerializer first, as PowerShell remoting delivers it.
    Handlers keep their state on the session object (its State hashtable), not in closures.
    #>
    [CmdletBinding()]
    param(
        [hashtable] $Handlers = @{},
        [switch] $Deserialize
    )
    $session = [pscustomobject]@{
        PSTypeName  = 'Test.AuthSession'
        Calls       = [System.Collections.Generic.List[object]]::new()
        Handlers    = $Handlers
        Deserialize = [bool] $Deserialize
        State       = @{}
    }
    $session.PSObject.Members.Add([psscriptmethod]::new('InvokeCommand', {
                param([string] $CommandName, [hashtable] $Parameters)
                $this.Calls.Add([pscustomobject]@{ CommandName = $CommandName; Parameters = $Parameters })
                $handler = $this.Handlers[$CommandName]
                if ($null -eq $handler) {
                    throw "No handler for '$CommandName' in the test session."
                }
                $output = & $handler $Parameters $this
                if ($this.Deserialize) {
                    foreach ($item in $output) {
                        [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($item))
                    }
                }
                else {
                    $output
                }
            }))
    $session
}

function Write-TestError {
    <#
    .SYNOPSIS
    Writes a non-terminating error, as a compiled cmdlet's WriteError does (the server's "busy").
    #>
    [CmdletBinding()]
    param(
        [string] $Message,
        [string] $ExceptionType = 'System.InvalidOperationException'
    )
    $exception = [System.Activator]::CreateInstance([type] $ExceptionType, [object[]] @($Message))
    $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new($exception, 'TestError', 'NotSpecified', $null))
}

function New-TestErrorRecord {
    <# .SYNOPSIS An ErrorRecord, optionally after a PSSerializer round trip (remoting's shape). #>
    param(
        [string] $Message,
        [string] $ExceptionType = 'System.InvalidOperationException',
        [switch] $Deserialize
    )
    $exception = [System.Activator]::CreateInstance([type] $ExceptionType, [object[]] @($Message))
    $record = [System.Management.Automation.ErrorRecord]::new($exception, 'TestError', 'NotSpecified', $null)
    if ($Deserialize) {
        return [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($record))
    }
    $record
}

function New-TestScheduler {
    <# .SYNOPSIS A Get-ADSyncScheduler-shaped object with the real property names and types. #>
    param([hashtable] $Override = @{})
    $scheduler = [ordered]@{
        AllowedSyncCycleInterval            = [timespan]::FromMinutes(30)
        CurrentlyEffectiveSyncCycleInterval = [timespan]::FromMinutes(30)
        CustomizedSyncCycleInterval         = $null
        NextSyncCyclePolicyType             = 'Delta'
        NextSyncCycleStartTimeInUTC         = [datetime]::new(2026, 11, 23, 12, 0, 0, [System.DateTimeKind]::Utc)
        PurgeRunHistoryInterval             = [timespan]::FromDays(7)
        SyncCycleEnabled                    = $true
        MaintenanceEnabled                  = $true
        StagingModeEnabled                  = $false
        SchedulerSuspended                  = $false
        SyncCycleInProgress                 = $false
    }
    foreach ($key in $Override.Keys) {
        $scheduler[$key] = $Override[$key]
    }
    [pscustomobject] $scheduler
}

function New-HappySession {
    <# .SYNOPSIS A server that accepts every trigger and reports an idle scheduler. #>
    param([switch] $Deserialize)
    New-TestSession -Deserialize:$Deserialize -Handlers @{
        'Start-ADSyncSyncCycle' = { param($p, $s) [pscustomobject]@{ Result = 'Success' } }
        'Get-ADSyncScheduler'   = { param($p, $s) New-TestScheduler }
    }
}

function New-CycleSession {
    <#
    .SYNOPSIS
    A server whose scheduler answers follow a script, one per Get-ADSyncScheduler call (the last
    one repeats). Each entry is a hashtable of scheduler overrides. Start-ADSyncSyncCycle accepts.
    #>
    param(
        [Parameter(Mandatory)] [hashtable[]] $Schedulers,
        [scriptblock] $Trigger = { param($p, $s) [pscustomobject]@{ Result = 'Success' } }
    )
    $session = New-TestSession -Handlers @{
        'Start-ADSyncSyncCycle' = $Trigger
        'Get-ADSyncScheduler'   = {
            param($p, $s)
            $index = [System.Math]::Min([int] $s.State['Index'], $s.State['Schedulers'].Count - 1)
            $s.State['Index'] = [int] $s.State['Index'] + 1
            New-TestScheduler -Override $s.State['Schedulers'][$index]
        }
    }
    $session.State['Index'] = 0
    $session.State['Schedulers'] = $Schedulers
    $session
}

function New-TestContext {
    <#
    .SYNOPSIS
    The part of IdLE's execution context the step uses: Providers, AcquireAuthSession (records
    each request) and an EventSink whose WriteEvent records each event and returns a value that
    must not reach the step's output.
    #>
    param(
        [hashtable] $Providers = @{},
        [object] $Session
    )
    $sink = [pscustomobject]@{ Events = [System.Collections.Generic.List[object]]::new() }
    $sink.PSObject.Members.Add([psscriptmethod]::new('WriteEvent', {
                param($Type, $Message, $StepName, $Data)
                $this.Events.Add([pscustomobject]@{ Type = $Type; Message = $Message; StepName = $StepName; Data = $Data })
                'sink-return-value'
            }))
    $context = [pscustomobject]@{
        Providers = $Providers
        EventSink = $sink
        Events    = $sink.Events
        Session   = $Session
        Acquired  = [System.Collections.Generic.List[object]]::new()
    }
    $context.PSObject.Members.Add([psscriptmethod]::new('AcquireAuthSession', {
                param($Name, $Options)
                $this.Acquired.Add([pscustomobject]@{ Name = $Name; Options = $Options })
                $this.Session
            }))
    $context
}

function New-TestStep {
    <# .SYNOPSIS A step of type IdLE.Step.TriggerDirectorySync with the given With. #>
    param([hashtable] $With, [string] $Name = 'Sync')
    @{ Name = $Name; Type = 'IdLE.Step.TriggerDirectorySync'; With = $With }
}

function Get-TestFailure {
    <#
    .SYNOPSIS
    Runs an action expected to fail and describes the failure: the outer message (IdLE's method
    call wrapper included) and the classified error inside (ErrorId, category, transience).
    #>
    param([scriptblock] $Action)
    try {
        $null = & $Action
    }
    catch {
        $classified = [IdLE.EntraConnect.Interop.ErrorRecords]::FindClassified($_)
        if ($null -eq $classified) {
            return [pscustomobject]@{ ErrorId = $null; Category = $null; Message = $_.Exception.Message; Inner = $null; Transient = $false; Record = $_ }
        }
        return [pscustomobject]@{
            ErrorId   = $classified.ErrorId
            Category  = $classified.ErrorRecord.CategoryInfo.Category.ToString()
            Message   = $_.Exception.Message
            Inner     = $classified.Message
            Transient = [bool] $classified.Data['Idle.IsTransient']
            Record    = $_
        }
    }
    throw 'The action did not fail.'
}

function Get-AdSyncText {
    <# .SYNOPSIS The server's own words (docs/adsync.md), as the real ADSync cmdlets and remoting raise them. #>
    param([Parameter(Mandatory)] [ValidateSet('Busy', 'NoRights', 'WinRmDenied', 'NotRecognized', 'TransportDown')] [string] $Name)
    $texts = @{
        Busy          = "System.InvalidOperationException: Connector: contoso.onmicrosoft.com - AAD is busy.`r`n   at Microsoft.IdentityManagement.PowerShell.Cmdlet.StartADSyncSyncCycle.ProcessRecord()"
        NoRights      = 'Retrieving the COM class factory for remote component with CLSID {835BEE60-8731-4159-8BFF-941301D76D05} from machine failed due to the following error: 80070005'
        WinRmDenied   = 'Connecting to remote server sync01.contoso.com failed with the following error message : Access is denied. For more information, see the about_Remote_Troubleshooting Help topic.'
        NotRecognized = "The term 'Start-ADSyncSyncCycle' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again."
        TransportDown = 'Connecting to remote server sync01.contoso.com failed with the following error message : WinRM cannot complete the operation. Verify that the specified computer name is valid.'
    }
    $texts[$Name]
}

function Get-IdleEcPwshPath {
    <# .SYNOPSIS The pwsh executable running this session (for fresh child processes). #>
    $pwsh = [System.Environment]::ProcessPath
    if (-not $pwsh -or [System.IO.Path]::GetFileNameWithoutExtension($pwsh) -ne 'pwsh') {
        $pwsh = [System.IO.Path]::Combine($PSHOME, $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' }))
    }
    $pwsh
}

function Invoke-IdleEcFreshPwsh {
    <#
    .SYNOPSIS
    Runs a script in a fresh 'pwsh -NoProfile -NonInteractive' with the given environment
    variables set (and restored afterwards in this process); returns its output lines and exit
    code. -DataHome gives the child a home folder of its own (HOME, and XDG_DATA_HOME beneath
    it): its PSResourceGet repositories and CurrentUser installs land there, never in the user's
    own (PSResourceGet 1.2 puts CurrentUser installs under HOME whatever XDG_DATA_HOME says).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Script,
        [hashtable] $Environment = @{},
        [string] $DataHome
    )
    $variables = @{} + $Environment
    if ($DataHome) {
        # The folders must exist: .NET answers an empty path for a special folder that does not,
        # and PSResourceGet would then keep its repository store relative to the current folder.
        $variables['HOME'] = $DataHome
        $variables['XDG_DATA_HOME'] = [System.IO.Path]::Combine($DataHome, '.local', 'share')
        $variables['XDG_CONFIG_HOME'] = [System.IO.Path]::Combine($DataHome, '.config')
        foreach ($folder in $variables['XDG_DATA_HOME'], $variables['XDG_CONFIG_HOME']) { [System.IO.Directory]::CreateDirectory($folder) | Out-Null }
    }
    $saved = @{}
    foreach ($name in $variables.Keys) {
        $saved[$name] = [System.Environment]::GetEnvironmentVariable($name)
        [System.Environment]::SetEnvironmentVariable($name, $variables[$name])
    }
    try {
        $encoded = [System.Convert]::ToBase64String([System.Text.Encoding]::Unicode.GetBytes($Script))
        $output = @(& (Get-IdleEcPwshPath) -NoProfile -NonInteractive -EncodedCommand $encoded 2>&1 | ForEach-Object { [string] $_ })
        [pscustomobject]@{ Output = $output; ExitCode = $LASTEXITCODE; Text = ($output -join [System.Environment]::NewLine) }
    }
    finally {
        foreach ($name in $saved.Keys) { [System.Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }
}

function Install-IdleEcFromRepository {
    <#
    .SYNOPSIS
    Installs the step pack the way users do, in a fresh pwsh and a fresh scope: registers the
    package folder as a PSResourceGet repository, Install-PSResource IdLE.Steps.EntraConnectSync
    (which must pull in the provider as its dependency). Returns the folder the modules were
    installed into (a PSModulePath entry) and what Get-InstalledPSResource reported.

    .DESCRIPTION
    On Linux and macOS the fresh scope is a home folder of its own (HOME) under -ScopeRoot:
    CurrentUser installs go to <ScopeRoot>/home/.local/share/powershell/Modules. Windows has no
    such switch for the CurrentUser scope, so there Save-PSResource (the same resolver, the same
    dependency walk) saves into <ScopeRoot>/Modules instead of touching the user's profile.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $PackagePath,
        [Parameter(Mandatory)] [string] $ScopeRoot
    )
    $PackagePath = [System.IO.Path]::GetFullPath($PackagePath)
    $ScopeRoot = [System.IO.Path]::GetFullPath($ScopeRoot)
    $dataHome = [System.IO.Path]::Combine($ScopeRoot, 'home')
    $modules = if ($IsWindows) { [System.IO.Path]::Combine($ScopeRoot, 'Modules') } else { [System.IO.Path]::Combine($dataHome, '.local', 'share', 'powershell', 'Modules') }
    [System.IO.Directory]::CreateDirectory($dataHome) | Out-Null
    $script = @'
$ErrorActionPreference = 'Stop'
$repository = 'IdLE.EntraConnect.Test'
if ($IsWindows -and (Get-PSResourceRepository -Name $repository -ErrorAction SilentlyContinue)) { Unregister-PSResourceRepository -Name $repository }
Register-PSResourceRepository -Name $repository -Uri $env:IDLE_EC_TEST_REPOSITORY -Trusted
try {
    if ($IsWindows) {
        Save-PSResource -Name IdLE.Steps.EntraConnectSync -Repository $repository -Path $env:IDLE_EC_TEST_MODULES -TrustRepository -IncludeXml
        $installed = Get-InstalledPSResource -Path $env:IDLE_EC_TEST_MODULES
    }
    else {
        Install-PSResource -Name IdLE.Steps.EntraConnectSync -Repository $repository -Scope CurrentUser -TrustRepository
        $installed = Get-InstalledPSResource -Scope CurrentUser
    }
    foreach ($item in $installed) { "INSTALLED $($item.Name) $($item.Version) $($item.InstalledLocation)" }
}
finally {
    if ($IsWindows) { Unregister-PSResourceRepository -Name $repository }
}
'@
    $run = Invoke-IdleEcFreshPwsh -Script $script -DataHome $dataHome -Environment @{ IDLE_EC_TEST_REPOSITORY = $PackagePath; IDLE_EC_TEST_MODULES = $modules }
    if ($run.ExitCode -ne 0) {
        throw "Installing from '$PackagePath' failed (exit $($run.ExitCode)):`n$($run.Text)"
    }
    $installed = @($run.Output | Where-Object { $_ -like 'INSTALLED *' } | ForEach-Object {
            $parts = $_.Split(' ', 4)
            [pscustomobject]@{ Name = $parts[1]; Version = $parts[2]; Location = $parts[3] }
        })
    foreach ($item in $installed) {
        if (-not [System.IO.Path]::GetFullPath($item.Location).StartsWith($modules)) {
            throw "PSResourceGet installed $($item.Name) into '$($item.Location)', outside the fresh scope '$modules'."
        }
    }
    [pscustomobject]@{ ModulesPath = $modules; DataHome = $dataHome; Installed = $installed; Log = $run.Text }
}
