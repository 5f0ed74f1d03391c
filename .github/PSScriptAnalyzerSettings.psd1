# PSScriptAnalyzer settings for the modules under pwsh/ and the packaged modules, following the
# conventions of IdLE's own modules: Error and Warning severities, approved verbs, no Write-Host,
# no global variables, 4-space indentation, consistent whitespace, opening braces on the same line.
# Used by .github/workflows/ci.yml:
#   Invoke-ScriptAnalyzer -Path pwsh -Recurse -Settings .github/PSScriptAnalyzerSettings.psd1
# PSProvideCommentHelp has Information severity, so the workflow runs it in a second pass with
# -IncludeRule PSProvideCommentHelp (and HelpTests.cs checks the help in the engine suite).
@{
    Severity            = @('Error', 'Warning')
    IncludeDefaultRules = $true
    ExcludeRules        = @()
    Rules               = @{
        PSUseApprovedVerbs                          = @{ Enable = $true }
        PSAvoidUsingWriteHost                       = @{ Enable = $true }
        PSAvoidGlobalVars                           = @{ Enable = $true }
        PSUseDeclaredVarsMoreThanAssignments        = @{ Enable = $true }
        PSUseShouldProcessForStateChangingFunctions = @{ Enable = $true }
        PSProvideCommentHelp                        = @{
            Enable       = $true
            ExportedOnly = $true
            BlockComment = $true
            Placement    = 'begin'
        }
        PSUseConsistentIndentation                  = @{
            Enable              = $true
            IndentationSize     = 4
            Kind                = 'space'
            PipelineIndentation = 'IncreaseIndentationForFirstPipeline'
        }
        PSUseConsistentWhitespace                   = @{
            Enable                          = $true
            CheckInnerBrace                 = $true
            CheckOpenBrace                  = $true
            CheckOpenParen                  = $true
            CheckOperator                   = $true
            CheckPipe                       = $true
            CheckPipeForRedundantWhitespace = $false
            CheckSeparator                  = $true
            CheckParameter                  = $false
        }
        PSPlaceOpenBrace                            = @{
            Enable             = $true
            OnSameLine         = $true
            NewLineAfter       = $true
            IgnoreOneLineBlock = $true
        }
        # The modules put else/catch/finally on the line after the closing brace.
        PSPlaceCloseBrace                           = @{
            Enable             = $true
            NewLineAfter       = $true
            IgnoreOneLineBlock = $true
            NoEmptyLineBefore  = $false
        }
        PSAlignAssignmentStatement                  = @{
            Enable = $false
        }
    }
}
