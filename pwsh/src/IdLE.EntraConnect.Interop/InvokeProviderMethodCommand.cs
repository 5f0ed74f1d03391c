using System.ComponentModel;
using System.Management.Automation;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// Calls one of the provider's remoting ScriptMethods (<c>NewRemoteSession</c>,
/// <c>InvokeRemoteCommand</c>, <c>RemoveRemoteSession</c>) as a command of its own, so the
/// trampoline runs it in a nested pipeline whose error stream it reads (see
/// <see cref="InvokeAuthSessionCommand"/>). The method is looked up on the provider object at
/// each call, so a method replaced with <c>Add-Member -Force</c> is the one that runs.
/// Infrastructure of the interop layer: the module never exports it as a command.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "IdleProviderRemotingMethod")]
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class InvokeProviderMethodCommand : PSCmdlet
{
    internal static readonly CmdletInfo Info = new("Invoke-IdleProviderRemotingMethod", typeof(InvokeProviderMethodCommand));

    /// <summary>The provider object.</summary>
    [Parameter]
    public PSObject Provider { get; set; } = null!;

    /// <summary>The method's name.</summary>
    [Parameter]
    public string Method { get; set; } = string.Empty;

    /// <summary>The method's arguments, positionally.</summary>
    [Parameter]
    public object?[] Arguments { get; set; } = System.Array.Empty<object?>();

    /// <summary>Calls the method; a collection it returns is enumerated, as in a script.</summary>
    protected override void EndProcessing()
    {
        PSMethodInfo? method = Provider.Methods[Method];
        if (method is null)
        {
            throw new PSInvalidOperationException($"The provider has no {Method} method.");
        }
        object? result = method.Invoke(Arguments);
        if (result is not null)
        {
            WriteObject(result, enumerateCollection: true);
        }
    }
}
