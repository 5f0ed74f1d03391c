#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# The repository's PowerShell sources: every file parses, and both module manifests meet the
# Gallery's and IdLE's conventions. (Versions agreeing with VERSION: scripts/check-version.sh.)

BeforeDiscovery {
    $root = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..'))
    # Walk the tree, pruning build output and tool folders without entering them, and never
    # following a link: out/ holds a wine prefix whose drive z: is a link to '/'.
    $excluded = @('out', 'bin', 'obj', 'target', '.git', '.tools', 'TestResults', 'node_modules')
    $found = [System.Collections.Generic.List[string]]::new()
    $pending = [System.Collections.Generic.Stack[string]]::new()
    $pending.Push($root)
    while ($pending.Count -gt 0) {
        $dir = $pending.Pop()
        foreach ($file in [System.IO.Directory]::EnumerateFiles($dir)) {
            if ([System.IO.Path]::GetExtension($file) -in '.ps1', '.psm1', '.psd1') {
                $found.Add([System.IO.Path]::GetRelativePath($root, $file).Replace('\', '/'))
            }
        }
        foreach ($sub in [System.IO.Directory]::EnumerateDirectories($dir)) {
            $info = [System.IO.DirectoryInfo]::new($sub)
            if ($excluded -contains $info.Name -or $null -ne $info.LinkTarget) { continue }
            $pending.Push($sub)
        }
    }
    $script:Files = @($found | Sort-Object)
    $script:ModuleNames = @('IdLE.Provider.EntraConnectSync', 'IdLE.Steps.EntraConnectSync')
}

BeforeAll {
    $script:Root = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..'))
    function Read-Manifest([string] $Module) {
        Import-PowerShellDataFile -LiteralPath ([System.IO.Path]::Combine($script:Root, 'pwsh', $Module, "$Module.psd1"))
    }
}

Describe 'PowerShell sources' {
    It 'include the files the modules ship' {
        $Files | Should -Contain 'pwsh/IdLE.Provider.EntraConnectSync/IdLE.Provider.EntraConnectSync.psm1'
        $Files | Should -Contain 'pwsh/IdLE.Steps.EntraConnectSync/IdLE.Steps.EntraConnectSync.psm1'
        $Files | Should -Contain 'pwsh/IdLE.Steps.EntraConnectSync/StepMetadataCatalog.psd1'
    }

    It '<_> parses without errors' -ForEach $Files {
        $errors = $null
        $null = [System.Management.Automation.Language.Parser]::ParseFile((Join-Path $script:Root $_), [ref] $null, [ref] $errors)
        @($errors | ForEach-Object { "line $($_.Extent.StartLineNumber): $($_.Message)" }) | Should -BeNullOrEmpty
    }
}

Describe 'Module manifests' {
    It '<_> meets the Gallery''s and IdLE''s conventions' -ForEach $ModuleNames {
        $m = Read-Manifest $_
        foreach ($key in 'FunctionsToExport', 'CmdletsToExport', 'AliasesToExport', 'VariablesToExport') {
            $m.ContainsKey($key) | Should -BeTrue -Because "an unset $key exports everything"
            @($m[$key] | Where-Object { $_ -match '[*?]' }) | Should -BeNullOrEmpty
        }
        @($m.FunctionsToExport).Count | Should -BeGreaterThan 0
        $m.CompatiblePSEditions | Should -Be @('Core')
        $m.PowerShellVersion | Should -Be '7.4'
        foreach ($key in 'RootModule', 'ModuleVersion', 'GUID', 'Author', 'Description', 'Copyright') {
            [string] $m[$key] | Should -Not -BeNullOrEmpty
        }
        $tags = @($m.PrivateData.PSData.Tags)
        $tags.Count | Should -BeGreaterThan 0
        @($tags | Where-Object { [string]::IsNullOrWhiteSpace($_) -or $_ -match '\s' }) | Should -BeNullOrEmpty
        foreach ($key in 'LicenseUri', 'ProjectUri') {
            ([uri] $m.PrivateData.PSData[$key]).Scheme | Should -Be 'https'
        }
        # The psm1 exports exactly what the manifest lists.
        $psm1 = Get-Content -Raw -LiteralPath ([System.IO.Path]::Combine($script:Root, 'pwsh', $_, "$_.psm1"))
        foreach ($function in $m.FunctionsToExport) {
            $psm1 | Should -Match ("Export-ModuleMember[^\n]*'" + [regex]::Escape($function) + "'")
        }
    }

    It 'the step pack requires the provider module by name, version and GUID' {
        $provider = Read-Manifest 'IdLE.Provider.EntraConnectSync'
        $required = @((Read-Manifest 'IdLE.Steps.EntraConnectSync').RequiredModules)
        $required.Count | Should -Be 1
        $required[0].ModuleName | Should -Be 'IdLE.Provider.EntraConnectSync'
        $required[0].GUID | Should -Be $provider.GUID
        $required[0].ModuleVersion | Should -Be $provider.ModuleVersion
    }
}
