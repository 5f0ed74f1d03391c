using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
using System.Text.RegularExpressions;
using Xunit;

namespace IdLE.EntraConnect.Engine.Tests;

/// <summary>
/// The host examples (examples/): they parse, the JEA files are data-only with the keys the
/// engine's own generators know, the role exposes exactly the ADSync commands, the session
/// wrappers never build script text, refuse other commands before any remoting, and the
/// command they send is one a NoLanguage JEA session runs.
/// </summary>
public class HostExampleTests
{
    private static readonly string Examples = Path.Combine(Paths.RepoRoot, "examples");
    private static readonly string Sessions = Path.Combine(Examples, "sessions");
    private static readonly string Psrc = Path.Combine(Examples, "jea", "IdLE.EntraConnect.psrc");
    private static readonly string Pssc = Path.Combine(Examples, "jea", "IdLE.EntraConnect.pssc");
    private static readonly string CommonFile = Path.Combine(Sessions, "EntraConnectAuthSession.Common.ps1");

    private static readonly string[] AdSyncCommands =
    {
        "Start-ADSyncSyncCycle", "Get-ADSyncScheduler", "Get-ADSyncRunProfileResult",
    };

    private static readonly string[] Wrappers =
    {
        "New-EntraConnectWinRmAuthSession", "New-EntraConnectSshAuthSession", "New-EntraConnectJeaAuthSession",
    };

    private static IEnumerable<string> ExampleFiles() =>
        Directory.EnumerateFiles(Examples, "*", SearchOption.AllDirectories)
            .Where(f => new[] { ".ps1", ".psd1", ".psrc", ".pssc", ".psm1" }.Contains(Path.GetExtension(f)));

    private static ScriptBlockAst Parse(string path)
    {
        ScriptBlockAst ast = Parser.ParseFile(path, out _, out ParseError[] errors);
        Assert.True(errors.Length == 0, path + ": " + string.Join(" | ", errors.Select(e => e.Extent.StartLineNumber + ": " + e.Message)));
        return ast;
    }

    private static Hashtable DataFile(string path)
    {
        ScriptBlockAst ast = Parse(path);
        Assert.Null(ast.ParamBlock);
        Assert.Null(ast.BeginBlock);
        Assert.Null(ast.ProcessBlock);
        var statement = Assert.Single(ast.EndBlock.Statements);
        var pipeline = Assert.IsType<PipelineAst>(statement);
        var table = Assert.IsType<HashtableAst>(pipeline.GetPureExpression());
        // SafeGetValue evaluates only constants, arrays and hashtables: it throws on anything executable.
        return Assert.IsType<Hashtable>(table.SafeGetValue());
    }

    private static ISet<string> KnownKeys(string generatorScript, string fileName)
    {
        string dir = Path.Combine(Path.GetTempPath(), "idle-hostexamples-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, fileName);
            using var engine = new Engine(importProvider: false, testSessions: false);
            engine.Run(generatorScript.Replace("{path}", path.Replace("'", "''")));
            // The generated file lists every key it knows, set or commented out.
            var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (Match m in Regex.Matches(File.ReadAllText(path), @"^\s*#?\s*([A-Za-z]+)\s*=", RegexOptions.Multiline))
            {
                keys.Add(m.Groups[1].Value);
            }
            return keys;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void EveryExampleFileParses()
    {
        var files = ExampleFiles().ToList();
        Assert.True(files.Count >= 10, "examples/ holds " + files.Count + " PowerShell files");
        foreach (string file in files)
        {
            Parse(file);
        }
    }

    [Fact]
    public void WorkflowIsDataOnlyWithTheDirectorySyncStep()
    {
        Hashtable workflow = DataFile(Path.Combine(Examples, "workflows", "joiner-with-sync.psd1"));
        Assert.Equal("Joiner", workflow["LifecycleEvent"]);
        var steps = ((object[])workflow["Steps"]!).Cast<Hashtable>().ToList();
        Hashtable step = Assert.Single(steps, s => (string)s["Type"]! == "IdLE.Step.TriggerDirectorySync");
        var with = (Hashtable)step["With"]!;
        Assert.Equal("EntraConnect", with["AuthSessionName"]);
        Assert.Equal("Delta", with["PolicyType"]);
        Assert.Equal(true, with["Wait"]);
        Assert.Equal(900, with["TimeoutSeconds"]);
    }

    [Fact]
    public void RoleCapabilityUsesOnlyKeysNewPSRoleCapabilityFileKnows()
    {
        Hashtable psrc = DataFile(Psrc);
        ISet<string> known = KnownKeys("New-PSRoleCapabilityFile -Path '{path}'", "ref.psrc");
        Assert.Contains("VisibleCmdlets", known);
        foreach (string key in psrc.Keys.Cast<string>())
        {
            Assert.True(known.Contains(key), "IdLE.EntraConnect.psrc: unknown key " + key);
        }
    }

    [Fact]
    public void SessionConfigurationUsesOnlyKeysNewPSSessionConfigurationFileKnows()
    {
        Hashtable pssc = DataFile(Pssc);
        ISet<string> known = KnownKeys("New-PSSessionConfigurationFile -Full -Path '{path}'", "ref.pssc");
        Assert.Contains("LanguageMode", known);
        foreach (string key in pssc.Keys.Cast<string>())
        {
            Assert.True(known.Contains(key), "IdLE.EntraConnect.pssc: unknown key " + key);
        }
        Assert.Equal("RestrictedRemoteServer", pssc["SessionType"]);
        Assert.Equal("NoLanguage", pssc["LanguageMode"]);
        Assert.Equal(true, pssc["RunAsVirtualAccount"]);
        Assert.Contains("ADSyncOperators", ((object[])pssc["RunAsVirtualAccountGroups"]!).Cast<string>());
        var roles = (Hashtable)pssc["RoleDefinitions"]!;
        var role = (Hashtable)Assert.Single(roles.Values.Cast<object>());
        Assert.Equal("IdLE.EntraConnect", role["RoleCapabilities"]);
        Assert.Equal("ADSync", pssc["ModulesToImport"]);
    }

    [Fact]
    public void RoleExposesExactlyTheThreeADSyncCommandsTheProviderCallsWithTheirParameters()
    {
        Hashtable psrc = DataFile(Psrc);
        var visible = ((object[])psrc["VisibleCmdlets"]!).ToList();
        var names = visible.Select(v => v is Hashtable h ? (string)h["Name"]! : (string)v).ToList();
        Assert.Equal(AdSyncCommands.OrderBy(n => n), names.OrderBy(n => n));
        foreach (string key in new[] { "VisibleFunctions", "VisibleExternalCommands", "VisibleProviders", "VisibleAliases", "FunctionDefinitions", "ScriptsToProcess" })
        {
            Assert.False(psrc.ContainsKey(key), "the role must not set " + key);
        }

        var start = (Hashtable)visible.Single(v => v is Hashtable h && (string)h["Name"]! == "Start-ADSyncSyncCycle");
        var policy = Assert.IsType<Hashtable>(start["Parameters"]);
        Assert.Equal("PolicyType", policy["Name"]);
        Assert.Equal(new[] { "Delta", "Initial" }, ((object[])policy["ValidateSet"]!).Cast<string>());

        // The run history: the parameters GetSyncCycleRuns sends, and a window of at most 50.
        var history = (Hashtable)visible.Single(v => v is Hashtable h && (string)h["Name"]! == "Get-ADSyncRunProfileResult");
        var parameters = ((object[])history["Parameters"]!).Cast<Hashtable>().ToList();
        Assert.Equal(new[] { "NumberRequested", "RunStepDetails" }, parameters.Select(p => (string)p["Name"]!).OrderBy(n => n));
        var pattern = new System.Text.RegularExpressions.Regex((string)parameters.Single(p => (string)p["Name"]! == "NumberRequested")["ValidatePattern"]!);
        Assert.True(pattern.IsMatch("1") && pattern.IsMatch("50") && pattern.IsMatch("17"));
        Assert.False(pattern.IsMatch("0") || pattern.IsMatch("51") || pattern.IsMatch("100"));
    }

    [Fact]
    public void WrappersNeverBuildScriptText()
    {
        foreach (string file in Directory.EnumerateFiles(Sessions, "*.ps1"))
        {
            ScriptBlockAst ast = Parse(file);
            string text = ast.Extent.Text;
            Assert.DoesNotContain("Invoke-Expression", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("iex ", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("]::Create(", text.Replace(" ", ""), StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("AddScript", text, StringComparison.OrdinalIgnoreCase);

            // Every Invoke-Command gets a literal script block, and no string built from the
            // command name or the parameters reaches a command as an argument.
            foreach (CommandAst command in ast.FindAll(a => a is CommandAst, true).Cast<CommandAst>())
            {
                string? name = command.GetCommandName();
                if (string.Equals(name, "Invoke-Command", StringComparison.OrdinalIgnoreCase))
                {
                    var parameter = command.CommandElements.OfType<CommandParameterAst>()
                        .Single(p => p.ParameterName.Equals("ScriptBlock", StringComparison.OrdinalIgnoreCase));
                    int index = command.CommandElements.IndexOf(parameter);
                    Assert.IsType<ScriptBlockExpressionAst>(parameter.Argument ?? command.CommandElements[index + 1]);
                }
                foreach (var element in command.CommandElements.Skip(1))
                {
                    foreach (ExpandableStringExpressionAst s in element.FindAll(a => a is ExpandableStringExpressionAst, true).Cast<ExpandableStringExpressionAst>())
                    {
                        Assert.DoesNotContain(s.NestedExpressions.OfType<VariableExpressionAst>(),
                            v => v.VariablePath.UserPath is "CommandName" or "Parameters" or "Name" or "Params");
                    }
                }
            }
        }
    }

    [Fact]
    public void EachWrapperDefinesItsFunctionInAFreshRunspace()
    {
        foreach (string wrapper in Wrappers)
        {
            using var engine = new Engine(importProvider: false, testSessions: false);
            engine.Run($". '{Path.Combine(Sessions, wrapper + ".ps1")}'");
            var info = (FunctionInfo)engine.Value($"Get-Command -Name '{wrapper}' -CommandType Function")!;
            Assert.Contains("Existing", info.ParameterSets.Select(p => p.Name));
            Assert.NotNull(engine.Value("Get-Command -Name New-EntraConnectAuthSessionObject -CommandType Function"));
            var synopsis = engine.Value($"[string] (Get-Help -Name '{wrapper}').Synopsis") as string;
            Assert.False(string.IsNullOrWhiteSpace(synopsis) || synopsis.StartsWith(wrapper, StringComparison.Ordinal), "no comment-based help: " + synopsis);
        }
    }

    private static Engine SessionEngine()
    {
        var engine = new Engine(importProvider: false, testSessions: false);
        engine.Run($". '{Path.Combine(Sessions, "New-EntraConnectJeaAuthSession.ps1")}'");
        // A stand-in for a PSSession: if any call got as far as Invoke-Command it would fail to
        // bind -Session, with a different message than the allow-list's.
        engine.Run("$s = New-EntraConnectAuthSessionObject -Session ([pscustomobject]@{ Name = 'not a session' }) -Transport JEA");
        return engine;
    }

    [Theory]
    [InlineData("$s.InvokeCommand('Remove-Item', @{ Path = 'C:\\' })", "refuses the command 'Remove-Item'")]
    [InlineData("$s.InvokeCommand('Invoke-Expression', @{ Command = 'Get-ADSyncScheduler' })", "refuses the command 'Invoke-Expression'")]
    [InlineData("$s.InvokeCommand('Get-ADSyncScheduler; Remove-Item x', @{})", "refuses the command")]
    [InlineData("$s.InvokeCommand('Start-ADSyncSyncCycle', @{ PolicyType = 'Unspecified' })", "allowed values are Delta, Initial")]
    [InlineData("$s.InvokeCommand('Start-ADSyncSyncCycle', @{ InteractiveMode = $true })", "refuses the parameter 'InteractiveMode'")]
    [InlineData("$s.InvokeCommand('Get-ADSyncRunProfileResult', @{ NumberRequested = { 5 } })", "only strings, numbers, booleans and GUIDs")]
    public void TheAllowListRefusesBeforeAnyRemoting(string call, string expected)
    {
        using Engine engine = SessionEngine();
        ErrorRecord error = engine.RunExpectingError(call);
        Assert.Contains(expected, error.Exception.Message);
        Assert.DoesNotContain("Session", error.Exception.Message.Replace("AuthSession", ""));
        if (expected.StartsWith("refuses the command", StringComparison.Ordinal))
        {
            foreach (string name in AdSyncCommands)
            {
                Assert.Contains(name, error.Exception.Message);
            }
        }
    }

    [Fact]
    public void AnAllowedCallPassesTheAllowListAndReachesInvokeCommand()
    {
        using Engine engine = SessionEngine();
        // Any casing of the name is accepted; the stand-in session then fails at Invoke-Command.
        ErrorRecord error = engine.RunExpectingError("$s.InvokeCommand('start-adsyncsynccycle', @{ policytype = 'delta' })");
        Assert.Contains("Session", error.Exception.Message);
        Assert.DoesNotContain("refuses", error.Exception.Message);
    }

    [Fact]
    public void DisposeLeavesAForeignSessionAndRefusesLaterCalls()
    {
        using Engine engine = SessionEngine();
        engine.Run("$s.Dispose(); $s.Dispose()");
        ErrorRecord error = engine.RunExpectingError("$s.InvokeCommand('Get-ADSyncScheduler', @{})");
        Assert.Contains("was disposed", error.Exception.Message);
    }

    [Fact]
    public void TheBrokerReusesAnOpenSessionAndReplacesADisposedOne()
    {
        using var engine = new Engine(importProvider: false, testSessions: false);
        engine.Run($". '{Path.Combine(Sessions, "New-EntraConnectJeaAuthSession.ps1")}'");
        engine.Run($". '{Path.Combine(Examples, "broker", "New-ExampleAuthSessionBroker.ps1")}'");
        var r = engine.Run(@"
            $global:made = 0
            $broker = New-ExampleAuthSessionBroker -SessionFactory @{
                EC = { $global:made++; New-EntraConnectAuthSessionObject -Session ([pscustomobject]@{ State = 'Opened' }) -Transport JEA }
            }
            $first = $broker.AcquireAuthSession('EC', $null)
            $again = $broker.AcquireAuthSession('EC', $null)
            $first.Dispose()
            $fresh = $broker.AcquireAuthSession('EC', $null)
            [pscustomobject]@{
                Reused = [object]::ReferenceEquals($first, $again)
                Replaced = -not [object]::ReferenceEquals($first, $fresh)
                Made = $global:made
            }").Single();
        Assert.Equal(true, r.Properties["Reused"].Value);
        Assert.Equal(true, r.Properties["Replaced"].Value);
        Assert.Equal(2, r.Properties["Made"].Value);
    }

    /// <summary>The literal script block the wrappers hand to Invoke-Command.</summary>
    private static ScriptBlock WrapperScriptBlock()
    {
        ScriptBlockAst ast = Parse(CommonFile);
        CommandAst invoke = ast.FindAll(a => a is CommandAst c && c.GetCommandName() == "Invoke-Command", true).Cast<CommandAst>().Single();
        return invoke.CommandElements.OfType<ScriptBlockExpressionAst>().Single().ScriptBlock.GetScriptBlock();
    }

    private static PSCommand Converted(Engine engine, string name, Hashtable parameters)
    {
        // What Invoke-Command does before sending: ScriptBlock.GetPowerShell(args). A null or a
        // script command here would mean script text is sent, which NoLanguage refuses.
        var ps = (PowerShell)engine.Run("$sb.GetPowerShell($n, $p)",
            variables: new Dictionary<string, object?> { ["sb"] = WrapperScriptBlock(), ["n"] = name, ["p"] = parameters })
            .Single().BaseObject;
        return ps.Commands;
    }

    [Fact]
    public void TheWrapperScriptBlockBecomesOneCommandWithItsParameters()
    {
        using var engine = new Engine(importProvider: false, testSessions: false);
        PSCommand command = Converted(engine, "Start-ADSyncSyncCycle", new Hashtable { ["PolicyType"] = "Delta" });
        Command only = Assert.Single(command.Commands);
        Assert.False(only.IsScript);
        Assert.Equal("Start-ADSyncSyncCycle", only.CommandText);
        CommandParameter parameter = Assert.Single(only.Parameters);
        Assert.Equal("PolicyType", parameter.Name.TrimStart('-').TrimEnd(':'));
        Assert.Equal("Delta", parameter.Value);

        PSCommand none = Converted(engine, "Get-ADSyncScheduler", new Hashtable());
        Assert.Equal("Get-ADSyncScheduler", Assert.Single(none.Commands).CommandText);
        Assert.Empty(none.Commands[0].Parameters);

        // A hostile "name" stays one command name: it is never parsed as script.
        PSCommand hostile = Converted(engine, "Get-ADSyncScheduler; Remove-Item x", new Hashtable());
        Command h = Assert.Single(hostile.Commands);
        Assert.False(h.IsScript);
        Assert.Equal("Get-ADSyncScheduler; Remove-Item x", h.CommandText);
    }

    /// <summary>
    /// A runspace in the example endpoint's language mode (read from the .pssc) with the
    /// simulator standing in for ADSync. The role's command and parameter limits are JEA's to
    /// enforce and are checked from the .psrc's data above: building the real endpoint session
    /// (InitialSessionState.CreateFromSessionConfigurationFile) needs Microsoft.PowerShell.ConsoleHost,
    /// which the engine package does not have.
    /// </summary>
    private static Runspace NoLanguageRunspace()
    {
        var mode = (string)DataFile(Pssc)["LanguageMode"]!;
        InitialSessionState iss = InitialSessionState.Create();
        iss.LanguageMode = Enum.Parse<PSLanguageMode>(mode);
        iss.ImportPSModule(Path.Combine(Paths.Simulator, "IdLE.EntraConnect.Simulator.psd1"));
        Runspace runspace = RunspaceFactory.CreateRunspace(iss);
        runspace.Open();
        return runspace;
    }

    private static (List<PSObject> Output, List<ErrorRecord> Errors, Exception? Thrown) Send(Runspace runspace, PSCommand command)
    {
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.Commands = command;
        try
        {
            var output = ps.Invoke().ToList();
            return (output, ps.Streams.Error.ToList(), null);
        }
        catch (Exception e)
        {
            return (new List<PSObject>(), ps.Streams.Error.ToList(), e);
        }
    }

    [Fact]
    public void ANoLanguageSessionRunsTheWrapperCommandButNotScriptText()
    {
        Assert.True(File.Exists(Path.Combine(Paths.Simulator, "IdLE.EntraConnect.Simulator.psd1")), "build first: scripts/build.sh");
        using Runspace noLanguage = NoLanguageRunspace();
        using var client = new Engine(importProvider: false, testSessions: false);

        // The wrapper's call, as Invoke-Command sends it: one command with its parameters. It runs
        // (a read-only command, so the shared simulator state is not changed).
        var read = Send(noLanguage, Converted(client, "Get-ADSyncScheduler", new Hashtable()));
        Assert.Null(read.Thrown);
        Assert.Empty(read.Errors);
        Assert.NotNull(Assert.Single(read.Output).Properties["SyncCycleInProgress"]);

        var history = Send(noLanguage, Converted(client, "Get-ADSyncRunProfileResult", new Hashtable { ["NumberRequested"] = 1 }));
        Assert.Null(history.Thrown);
        Assert.Empty(history.Errors);

        // Script text, which a wrapper that pasted the parameters into script would send, is refused,
        // even for the same command.
        var script = Send(noLanguage, new PSCommand().AddScript("Get-ADSyncScheduler"));
        Assert.True(script.Thrown is not null || script.Errors.Count > 0, "NoLanguage accepted script text");
        var splat = Send(noLanguage, new PSCommand().AddScript("param($Name, $Params) & $Name @Params").AddArgument("Get-ADSyncScheduler").AddArgument(new Hashtable()));
        Assert.True(splat.Thrown is not null || splat.Errors.Count > 0, "NoLanguage accepted the unconverted script block");
    }
}
