#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# Comment-based help of every exported function of both installed modules, as Get-Help -Full
# shows it: a synopsis, a description, at least one example, every parameter described. And the
# modules' data files: parsed, never executed, refused when they hold code.

BeforeDiscovery {
    $script:Exported = @('New-IdleEntraConnectDirectorySyncProvider', 'Invoke-IdleStepTriggerDirectorySync', 'Get-IdleStepMetadataCatalog')
}

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $script:Modules = Initialize-IdleEcTestModules

    function Get-HelpSummary([string] $Name) {
        $help = Get-Help -Name $Name -Full -ErrorAction Stop
        $command = Get-Command -Name $Name -ErrorAction Stop
        $text = { param($value) (@($value) | ForEach-Object { if ($null -ne $_ -and $_.PSObject.Properties['Text']) { $_.Text } else { [string] $_ } }) -join "`n" }
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        $declared = @($command.Parameters.Keys | Where-Object { $common -notcontains $_ })
        $documented = @{}
        if ($help.PSObject.Properties['parameters'] -and $null -ne $help.parameters -and $help.parameters.PSObject.Properties['parameter']) {
            foreach ($p in @($help.parameters.parameter)) {
                $documented[[string] $p.name] = if ($p.PSObject.Properties['description']) { (& $text $p.description).Trim() } else { '' }
            }
        }
        $examples = if ($help.PSObject.Properties['examples'] -and $null -ne $help.examples) { @($help.examples.example) } else { @() }
        [pscustomobject]@{
            Synopsis     = ([string] $help.Synopsis).Trim()
            Description  = if ($help.PSObject.Properties['description']) { (& $text $help.description).Trim() } else { '' }
            Examples     = @($examples | Where-Object { $null -ne $_ -and -not [string]::IsNullOrWhiteSpace([string] $_.code) }).Count
            Undocumented = @($declared | Where-Object { -not $documented.ContainsKey($_) -or [string]::IsNullOrWhiteSpace($documented[$_]) })
            Declared     = $declared
        }
    }

    $script:DataDir = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'idle-datafile-' + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $script:DataDir

    function Read-DataFile([string] $Text) {
        # Through the installed module's assembly, as the step module reads its catalog.
        $path = Join-Path $script:DataDir 'Data.psd1'
        Set-Content -LiteralPath $path -Value $Text
        try { $t = [IdLE.EntraConnect.Interop.DataFile]::Read($path); 'ok:' + $t['A'] + ':' + $t['Nested']['B'].Count }
        catch { 'error:' + $_.Exception.InnerException.Message }
    }
}

AfterAll {
    Remove-Item -LiteralPath $script:DataDir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Help of the exported functions' {
    It 'the exported functions are exactly the contract''s' {
        @(foreach ($m in 'IdLE.Provider.EntraConnectSync', 'IdLE.Steps.EntraConnectSync') { (Get-Module -Name $m).ExportedFunctions.Keys }) | Sort-Object | Should -Be @($Exported | Sort-Object)
    }

    It '<_> has a synopsis, a description, an example and every parameter described' -ForEach $Exported {
        $help = Get-HelpSummary $_
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # Without comment-based help, Get-Help shows the syntax line as the synopsis.
        $help.Synopsis | Should -Not -BeLike "$_ *"
        $help.Synopsis | Should -Not -Match '\[<CommonParameters>\]'
        $help.Description | Should -Not -BeNullOrEmpty
        $help.Examples | Should -BeGreaterOrEqual 1
        $help.Undocumented | Should -BeNullOrEmpty
    }

    It 'the step handler declares and documents exactly Context and Step' {
        $help = Get-HelpSummary 'Invoke-IdleStepTriggerDirectorySync'
        $help.Declared | Should -Be @('Context', 'Step')
        $help.Undocumented | Should -BeNullOrEmpty
    }
}

Describe 'Data files' {
    It 'a data file reads as a hashtable' {
        Read-DataFile "# comment`n@{ A = 'one'; Nested = @{ B = @('x', 'y') } }" | Should -Be 'ok:one:2'
    }

    It 'code in a data file is refused and never run' {
        $marker = Join-Path $script:DataDir 'ran'
        Read-DataFile "@{ A = `$(New-Item -ItemType File -Path '$marker') }" | Should -BeLike 'error:Data.psd1 must hold data only*'
        $marker | Should -Not -Exist
    }

    It 'a broken data file fails naming the file (<Expected>)' -ForEach @(
        @{ Text = "@{ A = 'one'"; Expected = 'error:Data.psd1 does not parse*' }
        @{ Text = "'just text'"; Expected = 'error:Data.psd1 holds no hashtable.*' }
    ) {
        Read-DataFile $Text | Should -BeLike $Expected
    }
}
