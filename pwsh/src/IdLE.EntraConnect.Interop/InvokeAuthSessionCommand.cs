using System.Collections;
using System.ComponentModel;
using System.Management.Automation;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// Calls <c>AuthSession.InvokeCommand(CommandName, Parameters)</c> as a command of its own, so
/// that the trampoline can run it in a nested pipeline whose error stream it reads.
/// Infrastructure of the interop layer: the module never exports it as a command.
/// </summary>
/// <remarks>
/// A method call writes the errors it does not throw to the *outermost* pipeline's error stream,
/// past any redirection; only a pipeline of our own catches them. A compiled cmdlet is the
/// cheapest thing to put in that pipeline: a script there costs about 80 µs more a call, which
/// is most of the per-call budget.
/// </remarks>
[Cmdlet(VerbsLifecycle.Invoke, "IdleAuthSessionCommand")]
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class InvokeAuthSessionCommand : PSCmdlet
{
    internal static readonly CmdletInfo Info = new("Invoke-IdleAuthSessionCommand", typeof(InvokeAuthSessionCommand));

    /// <summary>The host's AuthSession, already checked to have InvokeCommand.</summary>
    [Parameter]
    public PSObject Session { get; set; } = null!;

    /// <summary>The command the session runs on the Entra Connect server.</summary>
    [Parameter]
    public string CommandName { get; set; } = string.Empty;

    /// <summary>The command's parameters, data only.</summary>
    [Parameter]
    public Hashtable Parameters { get; set; } = null!;

    /// <summary>Calls the method; a collection it returns is enumerated, as in a script.</summary>
    protected override void EndProcessing()
    {
        object? result = Session.Methods["InvokeCommand"].Invoke(CommandName, Parameters);
        WriteObject(result, enumerateCollection: true);
    }
}
