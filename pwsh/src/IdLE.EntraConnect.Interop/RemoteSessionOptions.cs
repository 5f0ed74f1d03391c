using System;
using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Remoting;
using System.Management.Automation.Runspaces;
using System.Text.Json;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// How the provider opens a session itself when the AuthSession is a <see cref="PSCredential"/>
/// (IdLE's next contract: ComputerName plus credential). Data only: the factory's
/// <c>-RemoteSessionOptions</c> hashtable is handed to the core as facts (each key's and value's
/// type, and the text or number), the core checks it key by key
/// (<c>idle_ec_remote_session_options_check</c>: which keys, which values, which ssh options) and
/// answers the normalized options, which this class turns into the parameters of one
/// <c>New-PSSession</c> call. Nothing in it is executed.
/// </summary>
public sealed unsafe class RemoteSessionOptions
{
    private RemoteSessionOptions()
    {
    }

    /// <summary><c>WinRM</c> (default) or <c>SSH</c>.</summary>
    public string Transport { get; private set; } = string.Empty;

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

    /// <summary>SSH: the ssh client options (the core's allowed list only, with its unattended defaults).</summary>
    public Hashtable? SshOptions { get; private set; }

    /// <summary>True when the session is opened to a named endpoint: commands are sent as commands, not script.</summary>
    public bool CommandsOnly { get; private set; }

    /// <summary>Reads and checks <c>-RemoteSessionOptions</c>; <c>null</c> gives the defaults.</summary>
    public static RemoteSessionOptions FromHashtable(IDictionary? table)
    {
        string facts = JsonBridge.WriteJson(w =>
        {
            if (table is null)
            {
                w.WriteNullValue();
            }
            else
            {
                WriteFact(w, table, 0, false);
            }
        });
        NativeApi.EnsureLoaded();
        (NativeStatus status, string? answer) = NativeApi.Ask(NativeApi.RemoteSessionOptionsCheck, facts);
        if (status != NativeStatus.Ok || answer is null)
        {
            throw DirectorySyncException.FromFailureJson(answer);
        }
        using JsonDocument doc = JsonDocument.Parse(answer);
        JsonElement o = doc.RootElement;
        string? Text(string name) => o.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        int? Number(string name) => o.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
        bool Flag(string name) => o.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.True;
        var options = new RemoteSessionOptions
        {
            Transport = Text("Transport") ?? string.Empty,
            Port = Number("Port"),
            UseSSL = Flag("UseSSL"),
            Authentication = Text("Authentication") is { } mechanism ? Enum.Parse<AuthenticationMechanism>(mechanism) : null,
            ConfigurationName = Text("ConfigurationName"),
            ApplicationName = Text("ApplicationName"),
            OpenTimeoutSeconds = Number("OpenTimeoutSeconds"),
            OperationTimeoutSeconds = Number("OperationTimeoutSeconds"),
            SkipCACheck = Flag("SkipCACheck"),
            SkipCNCheck = Flag("SkipCNCheck"),
            SkipRevocationCheck = Flag("SkipRevocationCheck"),
            UserName = Text("UserName"),
            KeyFilePath = Text("KeyFilePath"),
            Subsystem = Text("Subsystem"),
            CommandsOnly = Flag("CommandsOnly"),
        };
        if (o.TryGetProperty("SshOptions", out JsonElement ssh) && ssh.ValueKind == JsonValueKind.Object)
        {
            options.SshOptions = new Hashtable(StringComparer.OrdinalIgnoreCase);
            foreach (JsonProperty option in ssh.EnumerateObject())
            {
                options.SshOptions[option.Name] = option.Value.GetString();
            }
        }
        return options;
    }

    /// <summary>Longest display text of a key that is no string, passed for the core to echo.</summary>
    private const int MaxKeyTextChars = 200;

    /// <summary>
    /// One key or value as a fact: its type and, for text and whole numbers, the value. A table
    /// (the options, or their SshOptions) as its entries in order; anything deeper, or of another
    /// type, only as "other" (with its display text when it is a key, for the message).
    /// </summary>
    private static void WriteFact(Utf8JsonWriter w, object? value, int depth, bool isKey)
    {
        object? v = value is PSObject pso ? pso.BaseObject : value;
        w.WriteStartObject();
        switch (v)
        {
            case null: w.WriteString("type", "null"); break;
            case string s: w.WriteString("type", "string"); w.WriteString("text", s); break;
            case int i: w.WriteString("type", "int32"); w.WriteNumber("value", i); break;
            case long l: w.WriteString("type", "int64"); w.WriteNumber("value", l); break;
            case short h: w.WriteString("type", "int16"); w.WriteNumber("value", h); break;
            case byte b: w.WriteString("type", "byte"); w.WriteNumber("value", b); break;
            case bool f: w.WriteString("type", "bool"); w.WriteBoolean("value", f); break;
            case SwitchParameter sw: w.WriteString("type", "switch"); w.WriteBoolean("value", sw.IsPresent); break;
            case IDictionary table when depth < 2 && !isKey:
                w.WriteString("type", "table");
                w.WriteStartArray("entries");
                foreach (DictionaryEntry entry in table)
                {
                    w.WriteStartObject();
                    w.WritePropertyName("key");
                    WriteFact(w, entry.Key, depth + 1, true);
                    w.WritePropertyName("value");
                    WriteFact(w, entry.Value, depth + 1, false);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                break;
            default:
                w.WriteString("type", "other");
                if (isKey)
                {
                    string text = Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
                    w.WriteString("text", text.Length > MaxKeyTextChars ? text[..MaxKeyTextChars] : text);
                }
                break;
        }
        w.WriteEndObject();
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
            p["Options"] = SshOptions?.Clone() ?? new Hashtable();
            if (OpenTimeoutSeconds is int connecting) { p["ConnectingTimeout"] = connecting * 1000; }
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
}
