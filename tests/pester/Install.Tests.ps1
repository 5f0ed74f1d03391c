#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# The packages as users get them: the local repository scripts/package.sh publishes with
# Publish-PSResource, registered with Register-PSResourceRepository; in a fresh scope
# Install-PSResource of the step pack pulls in the provider; a fresh pwsh imports both by name
# and triggers and waits against the simulator.

BeforeDiscovery {
    $script:ModuleNames = @('IdLE.Provider.EntraConnectSync', 'IdLE.Steps.EntraConnectSync')
}

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $script:Modules = Initialize-IdleEcTestModules
    $script:Packages = if ($env:IDLE_EC_PACKAGES) { $env:IDLE_EC_PACKAGES } else { [System.IO.Path]::Combine((Get-IdleEcRepoRoot), 'out', 'gallery') }
    $script:Scope = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'idle-ec-install-' + [guid]::NewGuid().ToString('N'))
    $script:Install = Install-IdleEcFromRepository -PackagePath $script:Packages -ScopeRoot $script:Scope
    $script:Version = (Import-PowerShellDataFile -Path $script:Modules.ProviderManifest).ModuleVersion

    function Get-Nuspec([string] $Name) {
        $nupkg = @(Get-ChildItem -LiteralPath $script:Packages -Filter "$Name.*.nupkg")
        $nupkg.Count | Should -Be 1
        $zip = [System.IO.Compression.ZipFile]::OpenRead($nupkg[0].FullName)
        try {
            $reader = [System.IO.StreamReader]::new($zip.GetEntry("$Name.nuspec").Open())
            try { [xml] $reader.ReadToEnd() } finally { $reader.Dispose() }
        }
        finally { $zip.Dispose() }
    }
}

AfterAll {
    if ($script:Scope) { Remove-Item -LiteralPath $script:Scope -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Packages published with Publish-PSResource' {
    It '<_> carries the Gallery tags of every exported function' -ForEach $ModuleNames {
        $nuspec = Get-Nuspec $_
        $tags = ([string] $nuspec.package.metadata.tags).Split(' ')
        $tags | Should -Contain 'PSModule'
        $tags | Should -Contain 'PSEdition_Core'
        $tags | Should -Contain 'PSIncludes_Function'
        $exported = @(@((Get-Module $_).ExportedFunctions.Keys) | Sort-Object)
        $exported.Count | Should -BeGreaterThan 0
        @($tags | Where-Object { $_ -like 'PSFunction_*' } | ForEach-Object { $_.Substring(11) } | Sort-Object) | Should -Be $exported
        @($tags | Where-Object { $_ -like 'PSCommand_*' } | ForEach-Object { $_.Substring(10) } | Sort-Object) | Should -Be $exported
    }

    It 'the step pack depends on the provider at its own version' {
        $dependencies = @((Get-Nuspec 'IdLE.Steps.EntraConnectSync').package.metadata.dependencies.dependency)
        $dependencies.Count | Should -Be 1
        $dependencies[0].id | Should -Be 'IdLE.Provider.EntraConnectSync'
        $dependencies[0].version | Should -Be $script:Version
    }
}

Describe 'Install-PSResource in a fresh scope' {
    It 'installing the step pack by name pulls in the provider as its dependency' {
        @($script:Install.Installed | ForEach-Object Name | Sort-Object) | Should -Be @('IdLE.Provider.EntraConnectSync', 'IdLE.Steps.EntraConnectSync')
        foreach ($item in $script:Install.Installed) { $item.Version | Should -Be $script:Version }
    }

    It '<_> is installed as NAME/VERSION/ without NuGet files' -ForEach $ModuleNames {
        $root = [System.IO.Path]::Combine($script:Install.ModulesPath, $_)
        @([System.IO.Directory]::GetDirectories($root) | ForEach-Object { [System.IO.Path]::GetFileName($_) }) | Should -Be @($script:Version)
        $dir = [System.IO.Path]::Combine($root, $script:Version)
        $files = @([System.IO.Directory]::GetFiles($dir, '*', [System.IO.SearchOption]::AllDirectories) | ForEach-Object { [System.IO.Path]::GetRelativePath($dir, $_).Replace('\', '/') })
        $files | Should -Contain "$_.psd1"
        $files | Should -Not -Contain '[Content_Types].xml'
        @($files | Where-Object { $_ -like '*.nuspec' -or $_ -like '*.psmdcp' -or $_ -like '_rels/*' }) | Should -BeNullOrEmpty
    }

    It '<_> passes Test-ModuleManifest where it was installed' -ForEach $ModuleNames {
        $manifest = [System.IO.Path]::Combine($script:Install.ModulesPath, $_, $script:Version, "$_.psd1")
        $tested = Test-ModuleManifest -Path $manifest -ErrorAction Stop
        $tested.Name | Should -Be $_
        [string] $tested.Version | Should -Be $script:Version
    }

    It 'a fresh pwsh imports both by name from that scope and triggers and waits against the simulator' {
        $state = [System.IO.Path]::Combine($script:Scope, 'adsync-state.json')
        $script = @'
$ErrorActionPreference = 'Stop'
$env:PSModulePath = $env:IDLE_EC_TEST_MODULES + [System.IO.Path]::PathSeparator + $env:PSModulePath
Import-Module IdLE.Steps.EntraConnectSync
Import-Module $env:IDLE_EC_SIMULATOR
Reset-ADSyncSimulator -StatePath $env:IDLE_EC_TEST_STATE -StepSeconds 0.3 -GapSeconds 0.2 -StartLagSeconds 0.5 -AutoSchedulerCycles $false
$session = [pscustomobject]@{}
$session.PSObject.Members.Add([psscriptmethod]::new('InvokeCommand', { param($CommandName, $Parameters) & $CommandName @Parameters }))
$sink = [pscustomobject]@{ Events = [System.Collections.Generic.List[object]]::new() }
$sink.PSObject.Members.Add([psscriptmethod]::new('WriteEvent', { param($Type, $Message, $StepName, $Data) $this.Events.Add(@{ Type = $Type; Data = $Data }) }))
$context = [pscustomobject]@{ Providers = @{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider }; EventSink = $sink; Session = $session }
$context.PSObject.Members.Add([psscriptmethod]::new('AcquireAuthSession', { param($Name, $Options) $this.Session }))
$step = @{ Name = 'Sync'; Type = 'IdLE.Step.TriggerDirectorySync'; With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 120 } }
$output = @(Invoke-IdleStepTriggerDirectorySync -Context $context -Step $step)
[pscustomobject]@{
    ProviderBase  = (Get-Module IdLE.Provider.EntraConnectSync).ModuleBase
    StepsBase     = (Get-Module IdLE.Steps.EntraConnectSync).ModuleBase
    OutputCount   = $output.Count
    Status        = $output[0].Status
    Events        = @($sink.Events | ForEach-Object { $_.Type })
    StartObserved = $sink.Events[-1].Data['startObserved']
    Complete      = @(Get-ADSyncRunProfileResult -NumberRequested 20 | Where-Object { -not $_.IsRunComplete }).Count -eq 0
} | ConvertTo-Json -Compress
'@
        $environment = @{ IDLE_EC_TEST_MODULES = $script:Install.ModulesPath; IDLE_EC_TEST_STATE = $state; IDLE_EC_SIMULATOR = $script:Modules.Simulator }
        $run = if ($IsWindows) { Invoke-IdleEcFreshPwsh -Script $script -Environment $environment } else { Invoke-IdleEcFreshPwsh -Script $script -Environment $environment -DataHome $script:Install.DataHome }
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $result = $run.Output[-1] | ConvertFrom-Json
        $result.ProviderBase | Should -BeLike "$($script:Install.ModulesPath)*"
        $result.StepsBase | Should -BeLike "$($script:Install.ModulesPath)*"
        $result.OutputCount | Should -Be 1
        $result.Status | Should -Be 'Completed'
        $result.Events[0] | Should -Be 'DirectorySyncTriggered'
        $result.Events[-1] | Should -Be 'DirectorySyncCompleted'
        $result.Events | Should -Not -Contain 'DirectorySyncFailed'
        $result.StartObserved | Should -BeTrue
        $result.Complete | Should -BeTrue
    }
}
