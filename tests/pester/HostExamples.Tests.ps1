#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# The host examples (examples/): they parse, the JEA files are data-only with the keys pwsh's own
# generators know, the role exposes exactly the ADSync commands, the session wrappers never build
# script text, refuse other commands before any remoting, and the command they send is one a
# NoLanguage JEA session runs.

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $script:Modules = Initialize-IdleEcTestModules
    $script:Examples = [System.IO.Path]::Combine((Get-IdleEcRepoRoot), 'examples')
    $script:Sessions = Join-Path $script:Examples 'sessions'
    $script:Psrc = [System.IO.Path]::Combine($script:Examples, 'jea', 'IdLE.EntraConnect.psrc')
    $script:Pssc = [System.IO.Path]::Combine($script:Examples, 'jea', 'IdLE.EntraConnect.pssc')
    # The commands the provider sends: the role and the sessions' allow-lists grant exactly these.
    $script:AdSyncCommands = @('Start-ADSyncSyncCycle', 'Get-ADSyncScheduler', 'Get-ADSyncRunProfileResult')

    function Get-ParsedFile([string] $Path) {
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref] $null, [ref] $errors)
        @($errors) | Should -BeNullOrEmpty -Because $Path
        $ast
    }

    function Read-DataOnlyFile([string] $Path) {
        # One hashtable and nothing else; SafeGetValue evaluates only constants, arrays and
        # hashtables and throws on anything executable.
        $ast = Get-ParsedFile $Path
        $ast.ParamBlock | Should -BeNullOrEmpty
        $ast.BeginBlock | Should -BeNullOrEmpty
        $ast.ProcessBlock | Should -BeNullOrEmpty
        $ast.EndBlock.Statements.Count | Should -Be 1
        $table = $ast.EndBlock.Statements[0].GetPureExpression()
        $table | Should -BeOfType [System.Management.Automation.Language.HashtableAst]
        $table.SafeGetValue()
    }

    function Get-KnownKey([scriptblock] $Generator, [string] $FileName) {
        # The generated file lists every key it knows, set or commented out.
        $path = Join-Path $TestDrive $FileName
        & $Generator $path
        $keys = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
        foreach ($m in [regex]::Matches((Get-Content -Raw -LiteralPath $path), '(?m)^\s*#?\s*([A-Za-z]+)\s*=')) { $null = $keys.Add($m.Groups[1].Value) }
        , $keys
    }

    function New-StandInSession {
        # A stand-in for a PSSession: a call that got as far as Invoke-Command would fail to bind
        # -Session, with another message than the allow-list's.
        . (Join-Path $script:Sessions 'New-EntraConnectJeaAuthSession.ps1')
        New-EntraConnectAuthSessionObject -Session ([pscustomobject]@{ Name = 'not a session' }) -Transport JEA
    }

    function Get-WrapperCommand([string] $Name, [hashtable] $Parameters) {
        # What Invoke-Command does with the wrappers' literal script block before sending it:
        # ScriptBlock.GetPowerShell(args). Script text here would be refused by NoLanguage.
        $ast = Get-ParsedFile (Join-Path $script:Sessions 'EntraConnectAuthSession.Common.ps1')
        $invoke = @($ast.FindAll({ param($a) $a -is [System.Management.Automation.Language.CommandAst] -and $a.GetCommandName() -eq 'Invoke-Command' }, $true))
        $invoke.Count | Should -Be 1
        $block = @($invoke[0].CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.ScriptBlockExpressionAst] })
        $block.Count | Should -Be 1
        $block[0].ScriptBlock.GetScriptBlock().GetPowerShell($Name, $Parameters).Commands
    }
}

Describe 'Host examples' {
    It 'every example file parses' {
        $files = @(Get-ChildItem -LiteralPath $script:Examples -Recurse -File | Where-Object Extension -In '.ps1', '.psd1', '.psrc', '.pssc', '.psm1')
        $files.Count | Should -BeGreaterOrEqual 10
        foreach ($file in $files) { $null = Get-ParsedFile $file.FullName }
    }

    It 'the workflow is data only, with the directory sync step' {
        $workflow = Read-DataOnlyFile ([System.IO.Path]::Combine($script:Examples, 'workflows', 'joiner-with-sync.psd1'))
        $workflow.LifecycleEvent | Should -Be 'Joiner'
        $step = @($workflow.Steps | Where-Object { $_.Type -eq 'IdLE.Step.TriggerDirectorySync' })
        $step.Count | Should -Be 1
        $step[0].With.AuthSessionName | Should -Be 'EntraConnect'
        $step[0].With.PolicyType | Should -Be 'Delta'
        $step[0].With.Wait | Should -BeTrue
        $step[0].With.TimeoutSeconds | Should -Be 900
    }

    It 'the role capability uses only keys New-PSRoleCapabilityFile knows' {
        $known = Get-KnownKey { param($p) New-PSRoleCapabilityFile -Path $p } 'ref.psrc'
        $known | Should -Contain 'VisibleCmdlets'
        foreach ($key in (Read-DataOnlyFile $script:Psrc).Keys) { $known.Contains($key) | Should -BeTrue -Because "IdLE.EntraConnect.psrc: unknown key $key" }
    }

    It 'the session configuration uses only keys New-PSSessionConfigurationFile knows, NoLanguage, a virtual ADSyncOperators account' {
        $pssc = Read-DataOnlyFile $script:Pssc
        $known = Get-KnownKey { param($p) New-PSSessionConfigurationFile -Full -Path $p } 'ref.pssc'
        $known | Should -Contain 'LanguageMode'
        foreach ($key in $pssc.Keys) { $known.Contains($key) | Should -BeTrue -Because "IdLE.EntraConnect.pssc: unknown key $key" }
        $pssc.SessionType | Should -Be 'RestrictedRemoteServer'
        $pssc.LanguageMode | Should -Be 'NoLanguage'
        $pssc.RunAsVirtualAccount | Should -BeTrue
        $pssc.RunAsVirtualAccountGroups | Should -Contain 'ADSyncOperators'
        @($pssc.RoleDefinitions.Values).Count | Should -Be 1
        @($pssc.RoleDefinitions.Values)[0].RoleCapabilities | Should -Be 'IdLE.EntraConnect'
        $pssc.ModulesToImport | Should -Be 'ADSync'
    }

    It 'the role exposes exactly the three ADSync commands the provider calls, with their parameters' {
        $psrc = Read-DataOnlyFile $script:Psrc
        $names = @($psrc.VisibleCmdlets | ForEach-Object { if ($_ -is [hashtable]) { $_.Name } else { $_ } })
        @($names | Sort-Object) | Should -Be @($script:AdSyncCommands | Sort-Object)
        foreach ($key in 'VisibleFunctions', 'VisibleExternalCommands', 'VisibleProviders', 'VisibleAliases', 'FunctionDefinitions', 'ScriptsToProcess') {
            $psrc.ContainsKey($key) | Should -BeFalse -Because "the role must not set $key"
        }
        $start = @($psrc.VisibleCmdlets | Where-Object { $_ -is [hashtable] -and $_.Name -eq 'Start-ADSyncSyncCycle' })[0]
        $start.Parameters.Name | Should -Be 'PolicyType'
        $start.Parameters.ValidateSet | Should -Be @('Delta', 'Initial')

        # The run history: the parameters GetSyncCycleRuns sends, and a window of at most 50.
        $history = @($psrc.VisibleCmdlets | Where-Object { $_ -is [hashtable] -and $_.Name -eq 'Get-ADSyncRunProfileResult' })[0]
        @($history.Parameters.Name | Sort-Object) | Should -Be @('NumberRequested', 'RunStepDetails')
        $pattern = @($history.Parameters | Where-Object { $_.Name -eq 'NumberRequested' })[0].ValidatePattern
        foreach ($ok in '1', '17', '50') { $ok | Should -Match "^(?:$pattern)$" }
        foreach ($bad in '0', '51', '100') { $bad | Should -Not -Match "^(?:$pattern)$" }
    }

    It 'the session wrappers never build script text' {
        foreach ($file in Get-ChildItem -LiteralPath $script:Sessions -Filter '*.ps1') {
            $ast = Get-ParsedFile $file.FullName
            $text = $ast.Extent.Text
            $text | Should -Not -Match 'Invoke-Expression|\biex |AddScript'
            $text.Replace(' ', '') | Should -Not -Match '\]::Create\('
            # Every Invoke-Command gets a literal script block, and no string built from the
            # command name or the parameters reaches a command as an argument.
            foreach ($command in $ast.FindAll({ param($a) $a -is [System.Management.Automation.Language.CommandAst] }, $true)) {
                if ($command.GetCommandName() -eq 'Invoke-Command') {
                    $elements = @($command.CommandElements)
                    $parameter = @($elements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] -and $_.ParameterName -eq 'ScriptBlock' })[0]
                    $argument = if ($parameter.Argument) { $parameter.Argument } else { $elements[[array]::IndexOf($elements, $parameter) + 1] }
                    $argument | Should -BeOfType [System.Management.Automation.Language.ScriptBlockExpressionAst]
                }
                foreach ($element in @($command.CommandElements | Select-Object -Skip 1)) {
                    foreach ($s in $element.FindAll({ param($a) $a -is [System.Management.Automation.Language.ExpandableStringExpressionAst] }, $true)) {
                        @($s.NestedExpressions | Where-Object { $_ -is [System.Management.Automation.Language.VariableExpressionAst] -and $_.VariablePath.UserPath -in 'CommandName', 'Parameters', 'Name', 'Params' }) | Should -BeNullOrEmpty
                    }
                }
            }
        }
    }

    It '<_> defines its function, with an Existing parameter set and help, in a fresh runspace' -ForEach @('New-EntraConnectWinRmAuthSession', 'New-EntraConnectSshAuthSession', 'New-EntraConnectJeaAuthSession') {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript(". '$(Join-Path $script:Sessions "$_.ps1")'; `$f = Get-Command -Name '$_' -CommandType Function; @{ Sets = @(`$f.ParameterSets.Name); Common = [bool] (Get-Command -Name New-EntraConnectAuthSessionObject -CommandType Function); Synopsis = [string] (Get-Help -Name '$_').Synopsis }")
            $info = $ps.Invoke()[0]
            @($ps.Streams.Error) | Should -BeNullOrEmpty
        }
        finally { $ps.Dispose() }
        $info.Sets | Should -Contain 'Existing'
        $info.Common | Should -BeTrue
        $info.Synopsis | Should -Not -BeNullOrEmpty
        $info.Synopsis | Should -Not -BeLike "$_*"
    }

    It 'the allow-list refuses <Call> before any remoting' -ForEach @(
        @{ Call = "Remove-Item"; Parameters = @{ Path = 'C:\' }; Expected = "refuses the command 'Remove-Item'" }
        @{ Call = "Invoke-Expression"; Parameters = @{ Command = 'Get-ADSyncScheduler' }; Expected = "refuses the command 'Invoke-Expression'" }
        @{ Call = "Get-ADSyncScheduler; Remove-Item x"; Parameters = @{}; Expected = 'refuses the command' }
        @{ Call = "Start-ADSyncSyncCycle"; Parameters = @{ PolicyType = 'Unspecified' }; Expected = 'allowed values are Delta, Initial' }
        @{ Call = "Start-ADSyncSyncCycle"; Parameters = @{ InteractiveMode = $true }; Expected = "refuses the parameter 'InteractiveMode'" }
        @{ Call = "Get-ADSyncRunProfileResult"; Parameters = @{ NumberRequested = { 5 } }; Expected = 'only strings, numbers, booleans and GUIDs' }
    ) {
        $session = New-StandInSession
        $message = try { $session.InvokeCommand($Call, $Parameters); 'no error' } catch { $_.Exception.Message }
        $message | Should -Match ([regex]::Escape($Expected))
        $message.Replace('AuthSession', '') | Should -Not -Match 'Session'
        if ($Expected.StartsWith('refuses the command')) {
            foreach ($name in $script:AdSyncCommands) { $message | Should -Match $name }
        }
    }

    It 'an allowed call, in any casing, passes the allow-list and reaches Invoke-Command' {
        $session = New-StandInSession
        $message = try { $session.InvokeCommand('start-adsyncsynccycle', @{ policytype = 'delta' }); 'no error' } catch { $_.Exception.Message }
        $message | Should -Match 'Session'
        $message | Should -Not -Match 'refuses'
    }

    It 'Dispose leaves a foreign session open and refuses later calls' {
        $session = New-StandInSession
        $session.Dispose(); $session.Dispose()
        $message = try { $session.InvokeCommand('Get-ADSyncScheduler', @{}); 'no error' } catch { $_.Exception.Message }
        $message | Should -Match 'was disposed'
    }

    It 'the broker reuses an open session and replaces a disposed one' {
        . (Join-Path $script:Sessions 'New-EntraConnectJeaAuthSession.ps1')
        . ([System.IO.Path]::Combine($script:Examples, 'broker', 'New-ExampleAuthSessionBroker.ps1'))
        $global:IdleEcMade = 0
        try {
            $broker = New-ExampleAuthSessionBroker -SessionFactory @{
                EC = { $global:IdleEcMade++; New-EntraConnectAuthSessionObject -Session ([pscustomobject]@{ State = 'Opened' }) -Transport JEA }
            }
            $first = $broker.AcquireAuthSession('EC', $null)
            $again = $broker.AcquireAuthSession('EC', $null)
            $first.Dispose()
            $fresh = $broker.AcquireAuthSession('EC', $null)
            [object]::ReferenceEquals($first, $again) | Should -BeTrue
            [object]::ReferenceEquals($first, $fresh) | Should -BeFalse
            $global:IdleEcMade | Should -Be 2
        }
        finally { Remove-Variable -Name IdleEcMade -Scope Global }
    }

    It 'the wrappers'' script block becomes one command with its parameters, never script' {
        $commands = (Get-WrapperCommand 'Start-ADSyncSyncCycle' @{ PolicyType = 'Delta' }).Commands
        $commands.Count | Should -Be 1
        $commands[0].IsScript | Should -BeFalse
        $commands[0].CommandText | Should -Be 'Start-ADSyncSyncCycle'
        $commands[0].Parameters.Count | Should -Be 1
        $commands[0].Parameters[0].Name.TrimStart('-').TrimEnd(':') | Should -Be 'PolicyType'
        $commands[0].Parameters[0].Value | Should -Be 'Delta'
        $none = (Get-WrapperCommand 'Get-ADSyncScheduler' @{}).Commands
        $none.Count | Should -Be 1
        $none[0].Parameters.Count | Should -Be 0
        # A hostile "name" stays one command name: it is never parsed as script.
        $hostile = (Get-WrapperCommand 'Get-ADSyncScheduler; Remove-Item x' @{}).Commands
        $hostile.Count | Should -Be 1
        $hostile[0].IsScript | Should -BeFalse
        $hostile[0].CommandText | Should -Be 'Get-ADSyncScheduler; Remove-Item x'
    }

    It 'a session in the endpoint''s language mode runs the wrappers'' command but not script text' {
        # A runspace in the example endpoint's language mode (read from the .pssc), the simulator
        # standing in for ADSync. The role's command limits are JEA's to enforce (checked above).
        $iss = [initialsessionstate]::Create()
        $iss.LanguageMode = [System.Management.Automation.PSLanguageMode] (Read-DataOnlyFile $script:Pssc).LanguageMode
        $iss.ImportPSModule([string[]] @(Join-Path $script:Modules.Simulator 'IdLE.EntraConnect.Simulator.psd1'))
        $runspace = [runspacefactory]::CreateRunspace($iss)
        $runspace.Open()
        try {
            $send = {
                param($Commands)
                $ps = [powershell]::Create(); $ps.Runspace = $runspace; $ps.Commands = $Commands
                try { [pscustomobject]@{ Output = @($ps.Invoke()); Errors = @($ps.Streams.Error); Thrown = $null } }
                catch { [pscustomobject]@{ Output = @(); Errors = @($ps.Streams.Error); Thrown = $_ } }
                finally { $ps.Dispose() }
            }
            $read = & $send (Get-WrapperCommand 'Get-ADSyncScheduler' @{})
            $read.Thrown | Should -BeNullOrEmpty
            $read.Errors | Should -BeNullOrEmpty
            $read.Output.Count | Should -Be 1
            $read.Output[0].PSObject.Properties['SyncCycleInProgress'] | Should -Not -BeNullOrEmpty
            $history = & $send (Get-WrapperCommand 'Get-ADSyncRunProfileResult' @{ NumberRequested = 1 })
            $history.Thrown | Should -BeNullOrEmpty
            $history.Errors | Should -BeNullOrEmpty
            # Script text, which a wrapper that pasted the parameters into script would send, is refused.
            $script = & $send ([System.Management.Automation.PSCommand]::new().AddScript('Get-ADSyncScheduler'))
            ($null -ne $script.Thrown -or $script.Errors.Count -gt 0) | Should -BeTrue -Because 'NoLanguage must refuse script text'
            $splat = & $send ([System.Management.Automation.PSCommand]::new().AddScript('param($Name, $Params) & $Name @Params').AddArgument('Get-ADSyncScheduler').AddArgument(@{}))
            ($null -ne $splat.Thrown -or $splat.Errors.Count -gt 0) | Should -BeTrue -Because 'NoLanguage must refuse the unconverted script block'
        }
        finally {
            $runspace.Dispose()
        }
    }
}
