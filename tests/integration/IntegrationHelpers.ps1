# Helpers for the integration suite (IdLE.Integration.Tests.ps1): find the real IdLE engine and
# our modules by name on PSModulePath, the simulator, an AuthSessionBroker over the simulator and
# a request from whichever factory the IdLE version has. Dot-source from BeforeDiscovery and
# BeforeAll. Functions here use no $script: variables (Pester 5 runs blocks in scopes of its own).
#
# Environment:
#   IDLE_EC_IDLE_PATH   a folder holding IdLE's module folders (IdLE, IdLE.Core, IdLE.Steps.Common,
#                       ...), e.g. an Install-PSResource -Path target or the src folder of IdLE's
#                       repository; put first on PSModulePath. Without it IdLE is looked for on
#                       PSModulePath, and when it is not there every test is skipped.
#   IDLE_EC_MODULES     a folder holding our module folders (an installed root or out/modules).
#   IDLE_EC_PACKAGES    the .nupkg folder, used when our modules are not on PSModulePath
#                       (default <repo>/out/gallery; unpacked into a temporary folder).
#   IDLE_EC_SIMULATOR   the simulator module folder (default <repo>/out/modules/IdLE.EntraConnect.Simulator).

function Add-IdleEcModulePath {
    <# .SYNOPSIS Puts a folder first on PSModulePath (moved there if it was further down). #>
    param([Parameter(Mandatory)] [string] $Path)
    $full = [System.IO.Path]::GetFullPath($Path).TrimEnd([System.IO.Path]::DirectorySeparatorChar)
    $separator = [System.IO.Path]::PathSeparator
    $entries = @($env:PSModulePath -split [regex]::Escape([string] $separator) | Where-Object { $_ -and $_.TrimEnd([System.IO.Path]::DirectorySeparatorChar) -ne $full })
    $env:PSModulePath = (@($full) + $entries) -join $separator
}

function Find-IdleEngine {
    <#
    .SYNOPSIS
    The IdLE installation the suite runs against: the newest IdLE module on PSModulePath (after
    IDLE_EC_IDLE_PATH is put first), or $null.
    #>
    if (-not [string]::IsNullOrWhiteSpace($env:IDLE_EC_IDLE_PATH)) {
        Add-IdleEcModulePath -Path $env:IDLE_EC_IDLE_PATH
    }
    Get-Module -ListAvailable -Name IdLE | Sort-Object Version -Descending | Select-Object -First 1
}

function Initialize-IdleEcIntegrationModules {
    <#
    .SYNOPSIS
    Makes our two modules importable BY NAME (first on PSModulePath when a folder was given or
    packages were unpacked) and says where they and the simulator are: Root ($null when they
    are simply found on PSModulePath) and Simulator.
    #>
    $repo = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..'))
    # In order: a folder named by the runner; the packages the Pester runner already unpacked in
    # this process (TestHelpers.ps1); packages named explicitly; whatever PSModulePath has; the
    # packages scripts/package.sh made.
    $root = $null
    $packages = $null
    if (-not [string]::IsNullOrWhiteSpace($env:IDLE_EC_MODULES)) {
        $root = [System.IO.Path]::GetFullPath($env:IDLE_EC_MODULES)
    }
    elseif (-not [string]::IsNullOrWhiteSpace($env:IDLE_EC_INSTALLED_ROOT) -and [System.IO.Directory]::Exists($env:IDLE_EC_INSTALLED_ROOT)) {
        $root = $env:IDLE_EC_INSTALLED_ROOT
    }
    elseif (-not [string]::IsNullOrWhiteSpace($env:IDLE_EC_PACKAGES)) {
        $packages = [System.IO.Path]::GetFullPath($env:IDLE_EC_PACKAGES)
    }
    elseif (-not (Get-Module -ListAvailable -Name IdLE.Steps.EntraConnectSync)) {
        $packages = [System.IO.Path]::Combine($repo, 'out', 'gallery')
    }
    if ($null -ne $packages) {
        # Unpack the Gallery packages as Install-PSResource lays them out, once per process (the
        # Pester runner removes IDLE_EC_INSTALLED_ROOT at the end).
        if (-not [System.IO.Directory]::Exists($packages)) {
            throw "IdLE.Steps.EntraConnectSync is not on PSModulePath and there are no packages at '$packages'. Install the modules, run scripts/package.sh, or set IDLE_EC_MODULES."
        }
        . ([System.IO.Path]::Combine($repo, 'tests', 'pester', 'TestHelpers.ps1'))
        $root = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'idle-ec-integration-' + [guid]::NewGuid().ToString('N'))
        $null = [System.IO.Directory]::CreateDirectory($root)
        Install-IdleEcTestPackage -PackagePath $packages -Root $root
        $env:IDLE_EC_INSTALLED_ROOT = $root
    }
    if ($null -ne $root) { Add-IdleEcModulePath -Path $root }
    $simulator = if (-not [string]::IsNullOrWhiteSpace($env:IDLE_EC_SIMULATOR)) { $env:IDLE_EC_SIMULATOR } else { [System.IO.Path]::Combine($repo, 'out', 'modules', 'IdLE.EntraConnect.Simulator') }
    if (-not [System.IO.Directory]::Exists($simulator)) {
        throw "The simulator module is not at '$simulator'. Run scripts/build.sh or set IDLE_EC_SIMULATOR."
    }
    [pscustomobject]@{ Root = $root; Simulator = [System.IO.Path]::GetFullPath($simulator) }
}

function New-SimulatorAuthSession {
    <#
    .SYNOPSIS
    What a host's broker hands out: InvokeCommand runs the named ADSync command (here the
    simulator's, in this runspace) with the parameters splatted; no script text is built from them.
    #>
    $session = [pscustomobject]@{ PSTypeName = 'IdLE.EntraConnect.Integration.AuthSession' }
    $session.PSObject.Members.Add([psscriptmethod]::new('InvokeCommand', {
                param([string] $CommandName, [hashtable] $Parameters)
                & $CommandName @Parameters
            }))
    $session
}

function New-TestAuthSessionBroker {
    <#
    .SYNOPSIS
    An AuthSessionBroker for Providers.AuthSessionBroker: AcquireAuthSession(Name, Options)
    returns the session registered under Name and records each request in Requests.
    #>
    param([Parameter(Mandatory)] [hashtable] $Sessions)
    $broker = [pscustomobject]@{
        PSTypeName = 'IdLE.EntraConnect.Integration.AuthSessionBroker'
        Sessions   = $Sessions
        Requests   = [System.Collections.Generic.List[object]]::new()
    }
    $broker.PSObject.Members.Add([psscriptmethod]::new('AcquireAuthSession', {
                param([string] $Name, [object] $Options)
                $this.Requests.Add([pscustomobject]@{ Name = $Name; Options = $Options })
                if (-not $this.Sessions.ContainsKey($Name)) { throw "The broker has no AuthSession named '$Name'." }
                $this.Sessions[$Name]
            }))
    $broker
}

function New-IdleEcRequest {
    <#
    .SYNOPSIS
    A joiner request from the factory this IdLE version exports: New-IdleRequest (0.9.5 and
    later) or New-IdleLifecycleRequest (up to 0.9.4).
    #>
    $factory = if (Get-Command -Name New-IdleRequest -ErrorAction SilentlyContinue) { 'New-IdleRequest' } else { 'New-IdleLifecycleRequest' }
    & $factory -LifecycleEvent 'Joiner' -Actor 'integration-test' -CorrelationId ([guid]::NewGuid().ToString()) -IdentityKeys @{ EmployeeId = '12345' }
}
