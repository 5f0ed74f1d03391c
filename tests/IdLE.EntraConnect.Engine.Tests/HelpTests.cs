using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace IdLE.EntraConnect.Engine.Tests;

/// <summary>
/// Comment-based help of every exported function of both built modules, as Get-Help -Full shows
/// it: a synopsis, a description, at least one example, and every parameter described.
/// </summary>
public class HelpTests
{
    private const string Describe = @"
        $help = Get-Help -Name $name -Full -ErrorAction Stop
        $command = Get-Command -Name $name -ErrorAction Stop
        $text = { param($value) (@($value) | ForEach-Object { if ($null -ne $_ -and $_.PSObject.Properties['Text']) { $_.Text } else { [string] $_ } }) -join ""`n"" }
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
            Undocumented = @($declared | Where-Object { -not $documented.ContainsKey($_) -or [string]::IsNullOrWhiteSpace($documented[$_]) }) -join ','
            Declared     = $declared -join ','
        }";

    private static string[] ExportedNames()
    {
        using var engine = new Engine(importProvider: true, importSteps: true, testSessions: false);
        return engine.Run(@"
            foreach ($m in 'IdLE.Provider.EntraConnectSync', 'IdLE.Steps.EntraConnectSync') {
                (Get-Module -Name $m).ExportedFunctions.Keys
            }").Select(o => (string)o.BaseObject).ToArray();
    }

    public static TheoryData<string> ExportedFunctions()
    {
        var data = new TheoryData<string>();
        foreach (string name in ExportedNames())
        {
            data.Add(name);
        }
        return data;
    }

    [Fact]
    public void Both_modules_export_the_functions_of_the_contract()
    {
        var names = ExportedNames().OrderBy(n => n, System.StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { "Get-IdleStepMetadataCatalog", "Invoke-IdleStepTriggerDirectorySync", "New-IdleEntraConnectDirectorySyncProvider" }, names);
    }

    [Theory]
    [MemberData(nameof(ExportedFunctions))]
    public void Every_exported_function_has_complete_help(string name)
    {
        using var engine = new Engine(importProvider: true, importSteps: true, testSessions: false);
        var help = engine.Run(Describe, variables: new Dictionary<string, object?> { ["name"] = name }).Single();
        string synopsis = (string)help.Properties["Synopsis"].Value;
        Assert.False(string.IsNullOrWhiteSpace(synopsis), $"{name}: no .SYNOPSIS");
        // Without comment-based help, Get-Help shows the syntax line as the synopsis.
        Assert.False(synopsis.StartsWith(name + " ", System.StringComparison.Ordinal) || synopsis.Contains("[<CommonParameters>]"), $"{name}: the synopsis is the generated syntax, so the help was not found");
        Assert.False(string.IsNullOrWhiteSpace((string)help.Properties["Description"].Value), $"{name}: no .DESCRIPTION");
        Assert.True((int)help.Properties["Examples"].Value >= 1, $"{name}: no .EXAMPLE");
        Assert.True(string.IsNullOrEmpty((string)help.Properties["Undocumented"].Value),
            $"{name}: parameters without a .PARAMETER description: {help.Properties["Undocumented"].Value}");
    }

    [Fact]
    public void The_step_handler_documents_Context_and_Step()
    {
        using var engine = new Engine(importProvider: true, importSteps: true, testSessions: false);
        var help = engine.Run(Describe, variables: new Dictionary<string, object?> { ["name"] = "Invoke-IdleStepTriggerDirectorySync" }).Single();
        Assert.Equal("Context,Step", help.Properties["Declared"].Value);
        Assert.Equal("", help.Properties["Undocumented"].Value);
    }
}
