using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// How one provider call reaches the server: the PowerShell side of the one callback table the
/// core sees, whatever kind of AuthSession the host gave. It runs the command so that written
/// errors are captured (<see cref="SessionCapture"/>); errors while preparing become part of the
/// answer, so the core classifies them like any other remote error.
/// </summary>
internal abstract class SessionInvoker
{
    /// <summary>
    /// Runs the command. Returns its output (ErrorRecords among it are errors it wrote), or null
    /// when it could not be run; errors it wrote elsewhere, or that kept it from running, are
    /// added to <paramref name="errors"/>. A stop and our own classified failures are thrown.
    /// </summary>
    internal abstract Collection<PSObject>? Run(string commandName, Hashtable parameters, List<RemoteErrorInfo> errors);

    /// <summary>Releases what the call opened; never throws.</summary>
    internal virtual void Close()
    {
    }

    /// <summary>
    /// What the host handed over as the session, whose own string values are masked in every text
    /// that leaves this call (a credential's user name; an InvokeCommand object's note properties).
    /// </summary>
    internal abstract object? SecretSource { get; }
}

/// <summary>An AuthSession with <c>InvokeCommand(CommandName, Parameters)</c> (IdLE 0.9's contract).</summary>
internal sealed class InvokeCommandInvoker : SessionInvoker
{
    private readonly PSObject _session;
    private readonly PSMethodInfo _invokeCommand;

    /// <summary>A session and its InvokeCommand method, as the provider found it.</summary>
    internal InvokeCommandInvoker(PSObject session, PSMethodInfo invokeCommand)
    {
        _session = session;
        _invokeCommand = invokeCommand;
    }

    internal override object? SecretSource => _session;

    internal override Collection<PSObject>? Run(string commandName, Hashtable parameters, List<RemoteErrorInfo> errors) =>
        SessionCapture.RunNested(ps => ps.AddCommand(InvokeAuthSessionCommand.Info)
            .AddParameter(nameof(InvokeAuthSessionCommand.Call), new SessionCall(_invokeCommand, commandName, parameters)), errors);
}

/// <summary>
/// A PSSession: given by the host (the host owns it), or opened by this call from a
/// <see cref="PSCredential"/> and a ComputerName (removed again in <see cref="Close"/>). Opening,
/// running and removing go through the provider's own ScriptMethods NewRemoteSession,
/// InvokeRemoteCommand and RemoveRemoteSession, so a host or a test may replace them.
/// </summary>
internal sealed class RemoteSessionInvoker : SessionInvoker
{
    private readonly PSObject _provider;
    private readonly string? _computerName;
    private readonly PSCredential? _credential;
    private readonly bool _commandsOnly;
    private object? _session;
    private bool _opened;
    private bool _openFailed;

    internal override object? SecretSource => _credential?.UserName;

    /// <summary>A session the host opened.</summary>
    internal RemoteSessionInvoker(PSObject provider, object session)
    {
        _provider = provider;
        _session = session;
    }

    /// <summary>A session this call opens on first use.</summary>
    internal RemoteSessionInvoker(PSObject provider, string computerName, PSCredential credential, bool commandsOnly)
    {
        _provider = provider;
        _computerName = computerName;
        _credential = credential;
        _commandsOnly = commandsOnly;
    }

    internal override Collection<PSObject>? Run(string commandName, Hashtable parameters, List<RemoteErrorInfo> errors)
    {
        if (!RemoteCommand.IsAllowed(commandName))
        {
            errors.Add(new RemoteErrorInfo
            {
                Message = "The provider runs only the ADSync commands of its allow-list.",
                Category = nameof(ErrorCategory.InvalidOperation),
                Terminating = true,
            });
            return null;
        }
        if (_session is null && !Open(errors))
        {
            return null;
        }
        // Remote calls take milliseconds: the nested pipeline's cost does not matter here, and
        // it also catches what Invoke-Command writes from the far side.
        return SessionCapture.RunNested(ps => ps.AddCommand(InvokeProviderMethodCommand.Info)
            .AddParameter(nameof(InvokeProviderMethodCommand.Provider), _provider)
            .AddParameter(nameof(InvokeProviderMethodCommand.Method), "InvokeRemoteCommand")
            .AddParameter(nameof(InvokeProviderMethodCommand.Arguments), new object?[]
            {
                _session, RemoteCommand.For(_session!, _commandsOnly), new object?[] { commandName, parameters },
            }), errors);
    }

    /// <summary>Calls NewRemoteSession(ComputerName, Credential) once per provider call.</summary>
    private bool Open(List<RemoteErrorInfo> errors)
    {
        if (_openFailed)
        {
            // One failed attempt per provider call: its error is already in the answer.
            errors.Add(new RemoteErrorInfo { Message = $"The session to {_computerName} could not be opened.", Terminating = true });
            return false;
        }
        _openFailed = true;
        var found = new List<object>();
        using (PowerShell open = PowerShell.Create(RunspaceMode.CurrentRunspace))
        {
            open.AddCommand(InvokeProviderMethodCommand.Info)
                .AddParameter(nameof(InvokeProviderMethodCommand.Provider), _provider)
                .AddParameter(nameof(InvokeProviderMethodCommand.Method), "NewRemoteSession")
                .AddParameter(nameof(InvokeProviderMethodCommand.Arguments), new object?[] { _computerName, _credential });
            try
            {
                foreach (PSObject item in open.Invoke())
                {
                    if (item is not null)
                    {
                        found.Add(item);
                    }
                }
                if (open.InvocationStateInfo.State == PSInvocationState.Stopped)
                {
                    throw new PipelineStoppedException();
                }
            }
            catch (Exception e) when (ErrorRecords.FindStop(e) is { } stopped)
            {
                throw stopped;
            }
            catch (Exception e)
            {
                errors.Add(RemoteErrorInfo.FromException(e));
            }
            foreach (ErrorRecord record in open.Streams.Error)
            {
                errors.Add(RemoteErrorInfo.FromErrorRecord(record, terminating: true));
            }
        }
        // Whatever was opened is removed at the end, even when the call cannot use it.
        if (found.Count > 0)
        {
            _session = found[0];
            _opened = true;
        }
        if (errors.Count > 0)
        {
            return false;
        }
        if (found.Count != 1)
        {
            errors.Add(new RemoteErrorInfo
            {
                Message = $"The provider's NewRemoteSession returned {(found.Count == 0 ? "nothing" : found.Count + " objects")} instead of one session to {_computerName}.",
                Terminating = true,
            });
            return false;
        }
        _openFailed = false;
        return true;
    }

    /// <summary>Removes a session this call opened through RemoveRemoteSession (also when stopping).</summary>
    internal override void Close()
    {
        if (!_opened || _session is null)
        {
            return;
        }
        object session = _session;
        _session = null;
        _opened = false;
        bool removed = false;
        try
        {
            using PowerShell remove = PowerShell.Create(RunspaceMode.CurrentRunspace);
            remove.AddCommand(InvokeProviderMethodCommand.Info)
                .AddParameter(nameof(InvokeProviderMethodCommand.Provider), _provider)
                .AddParameter(nameof(InvokeProviderMethodCommand.Method), "RemoveRemoteSession")
                .AddParameter(nameof(InvokeProviderMethodCommand.Arguments), new object?[] { session });
            remove.Invoke();
            removed = remove.InvocationStateInfo.State == PSInvocationState.Completed;
        }
        catch (Exception)
        {
            // A pipeline being stopped refuses nested pipelines; the session is closed below.
        }
        if (!removed && PSObject.AsPSObject(session).BaseObject is PSSession pss)
        {
            try
            {
                pss.Runspace.Dispose();
            }
            catch (Exception)
            {
                // Nothing more can be done; the transport ends with the process at the latest.
            }
        }
    }
}
