using System;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// The fixed script blocks the provider runs on the Entra Connect server through a PSSession. The
/// command name and its parameters always travel as data (<c>-ArgumentList</c>); no script text is
/// ever built from input.
/// </summary>
public static class RemoteCommand
{
    /// <summary>The only commands the provider runs (the ones the native core sends).</summary>
    public static readonly string[] AllowedCommands =
    {
        "Start-ADSyncSyncCycle", "Get-ADSyncScheduler", "Get-ADSyncConnectorRunStatus", "Get-ADSyncRunProfileResult",
    };

    /// <summary>
    /// A new copy each time (a script block is bound to the runspace that first runs it locally).
    /// For a full-language endpoint (the default WinRM and SSH endpoints): checks the name against
    /// the same allow-list on the far side, imports ADSync when its cmdlets are not loaded (an
    /// ADSync that is not installed then fails with the module's own "not found" error, which is
    /// classified as ADSyncUnavailable), and runs the command with the parameters splatted.
    /// </summary>
    public static ScriptBlock FullLanguage => ScriptBlock.Create(FullLanguageText);

    private const string FullLanguageText = @"
param([string] $CommandName, [hashtable] $Parameters)
if (@('Start-ADSyncSyncCycle', 'Get-ADSyncScheduler', 'Get-ADSyncConnectorRunStatus', 'Get-ADSyncRunProfileResult') -notcontains $CommandName) {
    throw [System.ArgumentException]::new('The IdLE Entra Connect provider runs only ADSync commands of its own allow-list.')
}
if ($null -eq $Parameters) { $Parameters = @{} }
if ($null -eq (Get-Command -Name $CommandName -CommandType Cmdlet, Function -ErrorAction Ignore)) {
    Import-Module -Name ADSync -ErrorAction Stop
}
& $CommandName @Parameters
";

    /// <summary>
    /// For a named endpoint (a JEA endpoint in NoLanguage mode accepts commands, not script):
    /// Invoke-Command sends this block as the one command <c>$Name</c> with the parameters of
    /// <c>$Params</c>. The endpoint's role capability must import ADSync and expose the commands.
    /// </summary>
    public static ScriptBlock CommandOnly => ScriptBlock.Create("param($Name, $Params) & $Name @Params");

    /// <summary>True for one of <see cref="AllowedCommands"/> (exact spelling, any casing).</summary>
    public static bool IsAllowed(string commandName) =>
        Array.Exists(AllowedCommands, c => c.Equals(commandName, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The block for a session: command-only for a session opened to a named endpoint
    /// (<c>ConfigurationName</c> other than PowerShell's defaults), the full block otherwise.
    /// </summary>
    public static ScriptBlock For(object session, bool commandsOnly)
    {
        if (commandsOnly)
        {
            return CommandOnly;
        }
        if (PSObject.AsPSObject(session).BaseObject is PSSession pss && !IsDefaultEndpoint(pss.ConfigurationName))
        {
            return CommandOnly;
        }
        return FullLanguage;
    }

    /// <summary>PowerShell's own endpoints: WinRM's Microsoft.PowerShell*/PowerShell.*, SSH's DefaultShell.</summary>
    internal static bool IsDefaultEndpoint(string? configurationName) =>
        string.IsNullOrEmpty(configurationName)
        || configurationName.Equals("DefaultShell", StringComparison.OrdinalIgnoreCase)
        || configurationName.StartsWith("Microsoft.PowerShell", StringComparison.OrdinalIgnoreCase)
        || configurationName.StartsWith("PowerShell.", StringComparison.OrdinalIgnoreCase)
        || configurationName.StartsWith("http://schemas.microsoft.com/powershell/Microsoft.PowerShell", StringComparison.OrdinalIgnoreCase);
}
