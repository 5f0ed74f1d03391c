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
/// past any redirection; only a pipeline of our own catches them (<see cref="SessionCapture"/>).
/// A compiled cmdlet with one parameter is the cheapest thing to put in that pipeline: a script
/// there costs about 80 µs more a call, and each bound parameter about 1 µs.
/// </remarks>
[Cmdlet(VerbsLifecycle.Invoke, "IdleAuthSessionCommand")]
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class InvokeAuthSessionCommand : PSCmdlet
{
    internal static readonly CmdletInfo Info = new("Invoke-IdleAuthSessionCommand", typeof(InvokeAuthSessionCommand));

    /// <summary>The call to make (a <see cref="SessionCall"/>; typed object so binding converts nothing).</summary>
    [Parameter]
    public object? Call { get; set; }

    /// <summary>Calls the method; a collection it returns is enumerated, as in a script.</summary>
    protected override void EndProcessing()
    {
        var call = (SessionCall)Call!;
        object? result = call.Method.Invoke(call.CommandName, call.Parameters);
        WriteObject(result, enumerateCollection: true);
    }
}

/// <summary>One call of a session's InvokeCommand method, handed to <see cref="InvokeAuthSessionCommand"/>.</summary>
internal sealed record SessionCall(PSMethodInfo Method, string CommandName, Hashtable Parameters);
