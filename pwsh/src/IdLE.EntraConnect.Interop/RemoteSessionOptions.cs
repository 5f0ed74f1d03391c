using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Remoting;
using System.Management.Automation.Runspaces;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// How the provider opens a session itself when the AuthSession is a <see cref="PSCredential"/>
/// (IdLE's next contract: ComputerName plus credential). Data only: built from the factory's
/// <c>-RemoteSessionOptions</c> hashtable, checked key by key, and turned into the parameters of
/// one <c>New-PSSession</c> call. Nothing in it is executed.
/// </summary>
public sealed class RemoteSessionOptions
{
    /// <summary>The keys <c>-RemoteSessionOptions</c> accepts.</summary>
    public static readonly string[] Keys =
    {
        "Transport", "Port", "UseSSL", "Authentication", "ConfigurationName", "ApplicationName",
        "OpenTimeoutSeconds", "OperationTimeoutSeconds", "SkipCACheck", "SkipCNCheck", "SkipRevocationCheck",
        "UserName", "KeyFilePath", "Subsystem", "SshOptions",
    };

    /// <summary>The ssh client options (<c>-o</c>) that may be set: none of them runs a program.</summary>
    public static readonly string[] SshOptionKeys =
    {
        "StrictHostKeyChecking", "UserKnownHostsFile", "GlobalKnownHostsFile", "ConnectTimeout",
        "ServerAliveInterval", "ServerAliveCountMax", "HostKeyAlias", "IdentitiesOnly", "BatchMode",
        "CheckHostIP", "ConnectionAttempts", "TCPKeepAlive", "HostKeyAlgorithms",
    };

    /// <summary><c>WinRM</c> (default) or <c>SSH</c>.</summary>
    public string Transport { get; private set; } = "WinRM";

    /// <summary>The port, when not the transport's default.</summary>
    public int? Port { get; private set; }

    /// <summary>WinRM over HTTPS.</summary>
    public bool UseSSL { get; private set; }

    /// <summary>WinRM authentication mechanism.</summary>
    public AuthenticationMechanism? Authentication { get; private set; }

    /// <summary>The endpoint (e.g. a JEA endpoint such as <c>IdLE.EntraConnect</c>).</summary>
    public string? ConfigurationName { get; private set; }

    /// <summary>The WinRM application name (default <c>wsman</c>).</summary>
    public string? ApplicationName { get; private set; }

    /// <summary>Seconds to wait for the session to open (WinRM OpenTimeout, SSH ConnectingTimeout; SSH default 30).</summary>
    public int? OpenTimeoutSeconds { get; private set; }

    /// <summary>Seconds one remote operation may take (WinRM).</summary>
    public int? OperationTimeoutSeconds { get; private set; }

    /// <summary>WinRM certificate checks to skip (test servers only).</summary>
    public bool SkipCACheck { get; private set; }

    /// <summary>See <see cref="SkipCACheck"/>.</summary>
    public bool SkipCNCheck { get; private set; }

    /// <summary>See <see cref="SkipCACheck"/>.</summary>
    public bool SkipRevocationCheck { get; private set; }

    /// <summary>SSH: the account; default the credential's user name.</summary>
    public string? UserName { get; private set; }

    /// <summary>SSH: the private key file.</summary>
    public string? KeyFilePath { get; private set; }

    /// <summary>SSH: the subsystem hosting PowerShell (default <c>powershell</c>).</summary>
    public string? Subsystem { get; private set; }

    /// <summary>SSH: client options, from <see cref="SshOptionKeys"/> only.</summary>
    public Hashtable? SshOptions { get; private set; }

    /// <summary>True when the session is opened to a named endpoint: commands are sent as commands, not script.</summary>
    public bool CommandsOnly => ConfigurationName is not null;

    /// <summary>Reads and checks <c>-RemoteSessionOptions</c>; <c>null</c> gives the defaults.</summary>
    public static RemoteSessionOptions FromHashtable(IDictionary? table)
    {
        var options = new RemoteSessionOptions();
        if (table is null)
        {
            return options;
        }
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in table)
        {
            string? key = Base(entry.Key) as string;
            string? canonical = key is null ? null : Array.Find(Keys, k => k.Equals(key, StringComparison.OrdinalIgnoreCase));
            if (canonical is null)
            {
                throw Invalid($"RemoteSessionOptions has the key '{Short(entry.Key)}', which is not one of: {string.Join(", ", Keys)}.");
            }
            if (!seen.Add(canonical))
            {
                throw Invalid($"RemoteSessionOptions has the key '{canonical}' more than once.");
            }
            object? value = Base(entry.Value);
            switch (canonical)
            {
                case "Transport":
                    string transport = Text(canonical, value, 16);
                    if (transport.Equals("WinRM", StringComparison.OrdinalIgnoreCase)) { options.Transport = "WinRM"; }
                    else if (transport.Equals("SSH", StringComparison.OrdinalIgnoreCase)) { options.Transport = "SSH"; }
                    else { throw Invalid($"RemoteSessionOptions.Transport must be 'WinRM' or 'SSH', not '{Short(transport)}'."); }
                    break;
                case "Port": options.Port = Number(canonical, value, 1, 65535); break;
                case "UseSSL": options.UseSSL = Flag(canonical, value); break;
                case "Authentication":
                    string mechanism = Text(canonical, value, 64);
                    if (!Enum.TryParse(mechanism, true, out AuthenticationMechanism parsed) || !Enum.IsDefined(parsed) || int.TryParse(mechanism, out _))
                    {
                        throw Invalid($"RemoteSessionOptions.Authentication must be one of {string.Join(", ", Enum.GetNames<AuthenticationMechanism>())}, not '{Short(mechanism)}'.");
                    }
                    options.Authentication = parsed;
                    break;
                case "ConfigurationName": options.ConfigurationName = Text(canonical, value, 256); break;
                case "ApplicationName": options.ApplicationName = Text(canonical, value, 256); break;
                case "OpenTimeoutSeconds": options.OpenTimeoutSeconds = Number(canonical, value, 1, 3600); break;
                case "OperationTimeoutSeconds": options.OperationTimeoutSeconds = Number(canonical, value, 1, 86400); break;
                case "SkipCACheck": options.SkipCACheck = Flag(canonical, value); break;
                case "SkipCNCheck": options.SkipCNCheck = Flag(canonical, value); break;
                case "SkipRevocationCheck": options.SkipRevocationCheck = Flag(canonical, value); break;
                case "UserName": options.UserName = Text(canonical, value, 256); break;
                case "KeyFilePath": options.KeyFilePath = Text(canonical, value, 4096); break;
                case "Subsystem": options.Subsystem = Text(canonical, value, 256); break;
                case "SshOptions": options.SshOptions = Ssh(value); break;
            }
        }
        string[] winRmOnly = { "UseSSL", "Authentication", "ApplicationName", "OperationTimeoutSeconds", "SkipCACheck", "SkipCNCheck", "SkipRevocationCheck", "ConfigurationName" };
        string[] sshOnly = { "UserName", "KeyFilePath", "Subsystem", "SshOptions" };
        foreach (string key in options.Transport == "SSH" ? winRmOnly : sshOnly)
        {
            if (seen.Contains(key))
            {
                throw Invalid($"RemoteSessionOptions.{key} does not apply to Transport '{options.Transport}'.");
            }
        }
        return options;
    }

    /// <summary>The parameters of the one <c>New-PSSession</c> call that opens the session.</summary>
    public Hashtable NewSessionParameters(string computerName, PSCredential? credential)
    {
        var p = new Hashtable(StringComparer.OrdinalIgnoreCase) { ["ErrorAction"] = ActionPreference.Stop };
        if (Port is int port)
        {
            p["Port"] = port;
        }
        if (Transport == "SSH")
        {
            p["HostName"] = computerName;
            string? user = UserName ?? (credential is null || credential == PSCredential.Empty ? null : credential.UserName);
            if (user is not null) { p["UserName"] = user; }
            if (KeyFilePath is not null) { p["KeyFilePath"] = KeyFilePath; }
            if (Subsystem is not null) { p["Subsystem"] = Subsystem; }
            // ssh must never stop to ask for a password or a host key: the provider runs unattended.
            var ssh = new Hashtable(StringComparer.OrdinalIgnoreCase) { ["BatchMode"] = "yes", ["ConnectTimeout"] = "30" };
            if (SshOptions is not null)
            {
                foreach (DictionaryEntry e in SshOptions) { ssh[e.Key] = e.Value; }
            }
            p["Options"] = ssh;
            // Without it, a far side that is no PowerShell keeps New-PSSession waiting for a minute.
            p["ConnectingTimeout"] = (OpenTimeoutSeconds ?? 30) * 1000;
            return p;
        }
        p["ComputerName"] = computerName;
        if (credential is not null && credential != PSCredential.Empty) { p["Credential"] = credential; }
        if (UseSSL) { p["UseSSL"] = true; }
        if (Authentication is AuthenticationMechanism mechanism) { p["Authentication"] = mechanism; }
        if (ConfigurationName is not null) { p["ConfigurationName"] = ConfigurationName; }
        if (ApplicationName is not null) { p["ApplicationName"] = ApplicationName; }
        if (OpenTimeoutSeconds is not null || OperationTimeoutSeconds is not null || SkipCACheck || SkipCNCheck || SkipRevocationCheck)
        {
            var option = new PSSessionOption
            {
                SkipCACheck = SkipCACheck,
                SkipCNCheck = SkipCNCheck,
                SkipRevocationCheck = SkipRevocationCheck,
            };
            if (OpenTimeoutSeconds is int open) { option.OpenTimeout = TimeSpan.FromSeconds(open); }
            if (OperationTimeoutSeconds is int operation) { option.OperationTimeout = TimeSpan.FromSeconds(operation); }
            p["SessionOption"] = option;
        }
        return p;
    }

    /// <summary>A copy of the settings as data (for showing on the provider object; no secrets are held).</summary>
    public Hashtable ToHashtable()
    {
        var t = new Hashtable(StringComparer.OrdinalIgnoreCase) { ["Transport"] = Transport };
        void Put(string key, object? value) { if (value is not null) { t[key] = value; } }
        Put("Port", Port);
        if (UseSSL) { t["UseSSL"] = true; }
        Put("Authentication", Authentication?.ToString());
        Put("ConfigurationName", ConfigurationName);
        Put("ApplicationName", ApplicationName);
        Put("OpenTimeoutSeconds", OpenTimeoutSeconds);
        Put("OperationTimeoutSeconds", OperationTimeoutSeconds);
        if (SkipCACheck) { t["SkipCACheck"] = true; }
        if (SkipCNCheck) { t["SkipCNCheck"] = true; }
        if (SkipRevocationCheck) { t["SkipRevocationCheck"] = true; }
        Put("UserName", UserName);
        Put("KeyFilePath", KeyFilePath);
        Put("Subsystem", Subsystem);
        if (SshOptions is not null) { t["SshOptions"] = SshOptions.Clone(); }
        return t;
    }

    private static Hashtable Ssh(object? value)
    {
        if (value is not IDictionary table)
        {
            throw Invalid("RemoteSessionOptions.SshOptions must be a hashtable of ssh client options (name = text).");
        }
        var result = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in table)
        {
            string? key = Base(entry.Key) as string;
            string? canonical = key is null ? null : Array.Find(SshOptionKeys, k => k.Equals(key, StringComparison.OrdinalIgnoreCase));
            if (canonical is null)
            {
                throw Invalid($"RemoteSessionOptions.SshOptions has the option '{Short(entry.Key)}', which is not one of: {string.Join(", ", SshOptionKeys)} (options that run programs, such as ProxyCommand, are refused).");
            }
            object? v = Base(entry.Value);
            string text = v switch
            {
                string s => s,
                int or long or bool => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)!,
                _ => throw Invalid($"RemoteSessionOptions.SshOptions.{canonical} must be text or a number."),
            };
            CheckText($"SshOptions.{canonical}", text, 4096);
            result[canonical] = text;
        }
        return result;
    }

    private static object? Base(object? value) => value is PSObject pso ? pso.BaseObject : value;

    private static string Text(string key, object? value, int max)
    {
        if (value is not string s)
        {
            throw Invalid($"RemoteSessionOptions.{key} must be text.");
        }
        CheckText(key, s, max);
        return s;
    }

    private static void CheckText(string key, string s, int max)
    {
        if (string.IsNullOrWhiteSpace(s) || s.Length > max)
        {
            throw Invalid($"RemoteSessionOptions.{key} must be non-empty text of at most {max} characters.");
        }
        foreach (char c in s)
        {
            if (char.IsControl(c))
            {
                throw Invalid($"RemoteSessionOptions.{key} must not contain control characters (line breaks, NUL).");
            }
        }
    }

    private static int Number(string key, object? value, int min, int max)
    {
        long n = value switch
        {
            int i => i,
            long l => l,
            short s => s,
            byte b => b,
            _ => throw Invalid($"RemoteSessionOptions.{key} must be a whole number from {min} to {max}."),
        };
        if (n < min || n > max)
        {
            throw Invalid($"RemoteSessionOptions.{key} must be from {min} to {max}, not {n}.");
        }
        return (int)n;
    }

    private static bool Flag(string key, object? value) =>
        value switch
        {
            bool b => b,
            SwitchParameter sw => sw.IsPresent,
            _ => throw Invalid($"RemoteSessionOptions.{key} must be $true or $false."),
        };

    private static string Short(object? value)
    {
        string text = Convert.ToString(Base(value), System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
        var chars = new System.Text.StringBuilder();
        foreach (char c in text)
        {
            if (chars.Length >= 40) { chars.Append('…'); break; }
            chars.Append(char.IsControl(c) ? ' ' : c);
        }
        return chars.ToString();
    }

    private static DirectorySyncException Invalid(string message) =>
        DirectorySyncException.Of("InvalidInput", message);
}
