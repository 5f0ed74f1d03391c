# Helpers for the Pester 5 suite: find or install the PACKAGED modules, scripted AuthSessions with
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
    Unpacks the Gallery packages (.nupkg) into a folder laid out as Install-PSResource does:
    <Root>/<ModuleName>/<Version>/ with the package's root files, without NuGet's artefacts.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $PackagePath,
        [Parameter(Mandatory)] [string] $Root
    )
    foreach ($name in 'IdLE.Provider.EntraConnectSync', 'IdLE.Steps.EntraConnectSync') {
        $packages = @([System.IO.Directory]::GetFiles($PackagePath, "$name.*.nupkg") |
                Where-Object { [System.IO.Path]::GetFileName($_) -match ('^' + [regex]::Escape($name) + '\.\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\.nupkg$') })
        if ($packages.Count -ne 1) {
            throw "Expected exactly one $name package in '$PackagePath', found $($packages.Count). Run scripts/package.sh first."
        }
        $staging = [System.IO.Path]::Combine($Root, ".staging-$name")
        [System.IO.Compression.ZipFile]::ExtractToDirectory($packages[0], $staging)
        [xml] $nuspec = [System.IO.File]::ReadAllText([System.IO.Path]::Combine($staging, "$name.nuspec"))
        $version = ([string] $nuspec.package.metadata.version).Split('-')[0]
        $target = [System.IO.Path]::Combine($Root, $name, $version)
        [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($target)) | Out-Null
        foreach ($artefact in '[Content_Types].xml', "$name.nuspec") {
            [System.IO.File]::Delete([System.IO.Path]::Combine($staging, $artefact))
        }
        foreach ($folder in '_rels', 'package') {
            $path = [System.IO.Path]::Combine($staging, $folder)
            if ([System.IO.Directory]::Exists($path)) { [System.IO.Directory]::Delete($path, $true) }
        }
        [System.IO.Directory]::Move($staging, $target)
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
    # The provider first, by path, so the step pack's RequiredModules resolves to this very copy.
    Import-Module -Name $manifests['IdLE.Provider.EntraConnectSync'] -ErrorAction Stop
    Import-Module -Name $manifests['IdLE.Steps.EntraConnectSync'] -ErrorAction Stop

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
