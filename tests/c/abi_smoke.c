/*
 * A C program written against the committed header, linked to the built library: proves that
 * include/idle_entraconnect.h is valid C (and, compiled as C++, valid C++), that its names and
 * values match the library, and that a plain C caller can drive every object of the ABI.
 * The Rust tests (tests/ffi_c_caller.rs) cover the edge cases exhaustively; this one covers
 * the header itself.
 */
#include "idle_entraconnect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed;
static int failed;

static void check(int ok, const char *what)
{
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("FAILED: %s\n", what);
    }
}

/* What a scripted session answers, and what it was asked. */
typedef struct {
    const char *answer;
    uint32_t status;
    int calls;
    char command[64];
    char parameters[256];
} script;

/* The last sink a callback received, kept against the rules to prove it is refused later. */
static idle_ec_sink *kept_sink;

static uint32_t scripted(void *userdata, const char *command, const char *parameters_json, idle_ec_sink *sink)
{
    script *s = (script *)userdata;
    kept_sink = sink;
    s->calls++;
    snprintf(s->command, sizeof s->command, "%s", command);
    snprintf(s->parameters, sizeof s->parameters, "%s", parameters_json);
    idle_ec_sink_write(sink, (const uint8_t *)s->answer, strlen(s->answer));
    return s->status;
}

static idle_ec_session session_for(script *s)
{
    idle_ec_session table;
    table.userdata = s;
    table.invoke = scripted;
    return table;
}

static int contains(const char *haystack, const char *needle)
{
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

/* A session whose InvokeCommand calls the same provider again (issue 20: this recursed until
 * the process died). The nested call must be refused without reaching the session. */
typedef struct {
    idle_ec_provider *provider;
    int depth;
    int max_depth;
    idle_ec_status inner_status;
    int inner_is_reentrant;
} reentrant_state;

static uint32_t reentrant(void *userdata, const char *command, const char *parameters_json, idle_ec_sink *sink)
{
    reentrant_state *r = (reentrant_state *)userdata;
    const char *answer = "{\"output\":[],\"errors\":[{\"message\":\"nested call refused\"}]}";
    idle_ec_session table;
    char *out = NULL;
    (void)command;
    (void)parameters_json;
    r->depth++;
    if (r->depth > r->max_depth) {
        r->max_depth = r->depth;
    }
    if (r->depth < 20) {
        table.userdata = r;
        table.invoke = reentrant;
        r->inner_status = idle_ec_provider_get_sync_cycle_state(r->provider, &table, &out);
        r->inner_is_reentrant = contains(out, "IdLE.DirectorySync.ReentrantCall");
        idle_ec_string_free(out);
    }
    r->depth--;
    idle_ec_sink_write(sink, (const uint8_t *)answer, strlen(answer));
    return 0;
}

/* The hostile cases of issue 20 that a C caller can reach. */
static void hostile(void)
{
    idle_ec_status status;
    char *out = NULL;

    /* A 1 MB multi-line policy type: the refusal is one short line, not an echo of the input. */
    {
        const char *head = "{\"policyType\":\"";
        const char *line = "Fake\\r\\n[ERROR] forged log line ";
        const char *tail = "\"}";
        size_t lines = 1024 * 1024 / strlen(line) + 1;
        size_t size = strlen(head) + lines * strlen(line) + strlen(tail) + 1;
        char *config = (char *)malloc(size);
        size_t i;
        size_t at = 0;
        idle_ec_wait *wait = NULL;
        check(config != NULL, "allocating a 1 MB configuration");
        if (config != NULL) {
            memcpy(config, head, strlen(head));
            at = strlen(head);
            for (i = 0; i < lines; i++) {
                memcpy(config + at, line, strlen(line));
                at += strlen(line);
            }
            memcpy(config + at, tail, strlen(tail) + 1);
            status = idle_ec_wait_new(config, &wait, &out);
            check(status == IDLE_EC_STATUS_INVALID_ARGUMENT && wait == NULL, "a 1 MB multi-line PolicyType is refused");
            check(out != NULL && strlen(out) < 1000, "the refusal is short");
            check(out != NULL && strchr(out, '\n') == NULL && strstr(out, "\\n") == NULL && strstr(out, "\\r") == NULL,
                  "the refusal is one line");
            idle_ec_string_free(out);
            out = NULL;
            free(config);
        }
    }

    /* A PolicyType with a NUL, as JSON carries it, is refused. */
    {
        idle_ec_wait *wait = NULL;
        status = idle_ec_wait_new("{\"policyType\":\"Delta\\u0000; Remove-Item /tmp/x\"}", &wait, &out);
        check(status == IDLE_EC_STATUS_INVALID_ARGUMENT && wait == NULL, "a PolicyType with a NUL is refused");
        idle_ec_string_free(out);
        out = NULL;
    }

    /* Secrets: the caller's values and credential patterns are masked before the text is cut. */
    {
        status = idle_ec_text_scrub(
            "{\"text\":\"Login as svc with Password=Hunter2; note tok-0123456789-secret\\r\\nnext line\","
            "\"maxChars\":200,\"redact\":[\"tok-0123456789-secret\"]}",
            &out);
        check(status == IDLE_EC_STATUS_OK, "text_scrub");
        check(out != NULL && !contains(out, "Hunter2") && !contains(out, "tok-0123456789") && contains(out, "[redacted]"),
              "text_scrub masks a password pattern and a given value");
        check(out != NULL && strchr(out, '\n') == NULL && strchr(out, '\r') == NULL, "text_scrub flattens to one line");
        idle_ec_string_free(out);
        out = NULL;
        check(idle_ec_text_scrub("{\"text\":\"x\",\"maxChars\":0}", &out) == IDLE_EC_STATUS_INVALID_ARGUMENT,
              "text_scrub refuses a zero maxChars");
        idle_ec_string_free(out);
        out = NULL;
        check(idle_ec_text_scrub(NULL, &out) == IDLE_EC_STATUS_NULL_ARGUMENT, "text_scrub refuses NULL");
        idle_ec_string_free(out);
        out = NULL;
    }

    /* Re-entry: refused with a classified error instead of recursing. */
    {
        idle_ec_provider *provider = NULL;
        reentrant_state r;
        idle_ec_session table;
        memset(&r, 0, sizeof r);
        check(idle_ec_provider_new(NULL, &provider, NULL) == IDLE_EC_STATUS_OK, "provider for the re-entry case");
        r.provider = provider;
        table.userdata = &r;
        table.invoke = reentrant;
        status = idle_ec_provider_get_sync_cycle_state(provider, &table, &out);
        check(status == IDLE_EC_STATUS_OPERATION_FAILED, "the outer call ends with the session's error");
        check(r.max_depth == 1, "the nested call never reached the session");
        check(r.inner_status == IDLE_EC_STATUS_INVALID_ARGUMENT && r.inner_is_reentrant,
              "the nested call is refused as IdLE.DirectorySync.ReentrantCall");
        idle_ec_string_free(out);
        out = NULL;
        idle_ec_provider_free(provider);
    }
}

/* The decisions the interop layer asks for: failures worded by the core, the AuthSession kind,
 * the RemoteSessionOptions; each with its NULL arguments. */
static void interop_decisions(void)
{
    char *out = NULL;
    idle_ec_status status;

    status = idle_ec_failure_describe("providerUsedAfterDispose", "{\"method\":\"StartSyncCycle\"}", &out);
    check(status == IDLE_EC_STATUS_OK && contains(out, "\"errorId\":\"IdLE.DirectorySync.ProviderDisposed\""),
          "failure_describe words a disposed provider");
    idle_ec_string_free(out);
    out = NULL;
    status = idle_ec_failure_describe("waitMachineUsedAfterDispose", NULL, &out);
    check(status == IDLE_EC_STATUS_OK && contains(out, "WaitMachineDisposed"), "failure_describe takes NULL facts");
    idle_ec_string_free(out);
    out = NULL;
    status = idle_ec_failure_describe("noSuchKind", NULL, &out);
    check(status == IDLE_EC_STATUS_INVALID_ARGUMENT && contains(out, "InvalidArgument"), "failure_describe refuses an unknown kind");
    idle_ec_string_free(out);
    out = NULL;
    check(idle_ec_failure_describe(NULL, NULL, &out) == IDLE_EC_STATUS_NULL_ARGUMENT, "failure_describe refuses a NULL kind");
    idle_ec_string_free(out);
    out = NULL;
    check(idle_ec_failure_describe("coreSilent", NULL, NULL) == IDLE_EC_STATUS_NULL_ARGUMENT,
          "failure_describe refuses a NULL out-pointer");

    status = idle_ec_auth_session_resolve(
        "{\"method\":\"GetSyncCycleState\",\"next\":true,\"computerName\":{\"text\":\" sync01 \"},\"session\":\"credential\"}",
        &out);
    check(status == IDLE_EC_STATUS_OK && contains(out, "\"computerName\":\"sync01\""),
          "auth_session_resolve opens a credential session to the trimmed name");
    idle_ec_string_free(out);
    out = NULL;
    status = idle_ec_auth_session_resolve("{\"method\":\"GetSyncCycleState\",\"next\":false,\"session\":\"credential\"}", &out);
    check(status == IDLE_EC_STATUS_INVALID_ARGUMENT && contains(out, "AuthSessionInvalid"),
          "auth_session_resolve refuses a credential without a ComputerName");
    idle_ec_string_free(out);
    out = NULL;
    check(idle_ec_auth_session_resolve(NULL, &out) == IDLE_EC_STATUS_NULL_ARGUMENT, "auth_session_resolve refuses NULL facts");
    idle_ec_string_free(out);
    out = NULL;
    check(idle_ec_auth_session_resolve("{}", NULL) == IDLE_EC_STATUS_NULL_ARGUMENT, "auth_session_resolve refuses a NULL out-pointer");

    status = idle_ec_remote_session_options_check("null", &out);
    check(status == IDLE_EC_STATUS_OK && contains(out, "\"Transport\":\"WinRM\""), "remote_session_options_check: defaults");
    idle_ec_string_free(out);
    out = NULL;
    status = idle_ec_remote_session_options_check(
        "{\"type\":\"table\",\"entries\":[{\"key\":{\"type\":\"string\",\"text\":\"Transport\"},\"value\":{\"type\":\"string\",\"text\":\"SSH\"}},"
        "{\"key\":{\"type\":\"string\",\"text\":\"SshOptions\"},\"value\":{\"type\":\"table\",\"entries\":["
        "{\"key\":{\"type\":\"string\",\"text\":\"ProxyCommand\"},\"value\":{\"type\":\"string\",\"text\":\"sh -c id\"}}]}}]}",
        &out);
    check(status == IDLE_EC_STATUS_INVALID_ARGUMENT && contains(out, "ProxyCommand"),
          "remote_session_options_check refuses an ssh option that runs a program");
    idle_ec_string_free(out);
    out = NULL;
    check(idle_ec_remote_session_options_check(NULL, &out) == IDLE_EC_STATUS_NULL_ARGUMENT,
          "remote_session_options_check refuses NULL options");
    idle_ec_string_free(out);
    out = NULL;
    check(idle_ec_remote_session_options_check("null", NULL) == IDLE_EC_STATUS_NULL_ARGUMENT,
          "remote_session_options_check refuses a NULL out-pointer");
}

int main(void)
{
    idle_ec_provider *provider = NULL;
    char *json = NULL;
    idle_ec_status status;

    check(idle_ec_abi_version() == IDLE_EC_ABI_VERSION, "ABI version matches the header");
    check(idle_ec_version() != NULL && strlen(idle_ec_version()) > 0, "version string");

    check(idle_ec_provider_new(NULL, NULL, NULL) == IDLE_EC_STATUS_NULL_ARGUMENT, "provider_new without out-pointer");
    status = idle_ec_provider_new(NULL, &provider, NULL);
    check(status == IDLE_EC_STATUS_OK && provider != NULL, "provider_new with defaults");

    {
        script s = { "{\"output\":[{\"Result\":\"Success\"}],\"errors\":[]}", 0, 0, "", "" };
        idle_ec_session table = session_for(&s);
        status = idle_ec_provider_start_sync_cycle(provider, "delta", &table, &json);
        check(status == IDLE_EC_STATUS_OK, "trigger succeeds");
        check(contains(json, "\"Started\":true"), "trigger result says Started");
        check(s.calls == 1 && strcmp(s.command, "Start-ADSyncSyncCycle") == 0, "trigger runs Start-ADSyncSyncCycle once");
        check(contains(s.parameters, "\"Delta\""), "trigger sends the normalised policy type");
        idle_ec_string_free(json);
        json = NULL;
    }
    {
        script s = { "{}", 0, 0, "", "" };
        idle_ec_session table = session_for(&s);
        status = idle_ec_provider_start_sync_cycle(provider, "Weekly", &table, &json);
        check(status == IDLE_EC_STATUS_INVALID_ARGUMENT, "an unknown policy type is an invalid argument");
        check(s.calls == 0, "an invalid argument never reaches the session");
        check(contains(json, "Delta") && contains(json, "Initial"), "the error names the allowed values");
        idle_ec_string_free(json);
        json = NULL;
    }
    {
        script s = { "{\"output\":[],\"errors\":[{\"message\":\"System.InvalidOperationException: Connector: contoso.onmicrosoft.com - AAD is busy.\",\"terminating\":false}]}", 0, 0, "", "" };
        idle_ec_session table = session_for(&s);
        status = idle_ec_provider_start_sync_cycle(provider, "Initial", &table, &json);
        check(status == IDLE_EC_STATUS_OPERATION_FAILED, "a written busy error fails the trigger");
        check(contains(json, "IdLE.DirectorySync.CycleBusy"), "the busy error is classified");
        idle_ec_string_free(json);
        json = NULL;
    }
    {
        script s = { "{\"output\":[{\"SyncCycleInProgress\":\"True\",\"StagingModeEnabled\":false}],\"errors\":[]}", 0, 0, "", "" };
        idle_ec_session table = session_for(&s);
        status = idle_ec_provider_get_sync_cycle_state(provider, &table, &json);
        check(status == IDLE_EC_STATUS_OK, "state read succeeds");
        check(contains(json, "\"State\":\"InProgress\""), "state is InProgress");
        check(strcmp(s.command, "Get-ADSyncScheduler") == 0, "state runs Get-ADSyncScheduler");
        idle_ec_string_free(json);
        json = NULL;
        check(idle_ec_sink_write(kept_sink, (const uint8_t *)"x", 1) == IDLE_EC_STATUS_INVALID_ARGUMENT,
              "a sink kept after its callback returned is refused");
    }
    {
        script s = { "the transport is down", 1, 0, "", "" };
        idle_ec_session table = session_for(&s);
        status = idle_ec_provider_get_sync_cycle_state(provider, &table, &json);
        check(status == IDLE_EC_STATUS_OPERATION_FAILED, "a failing callback fails the operation");
        check(contains(json, "IdLE.DirectorySync.RemoteExecutionFailed"), "a failing callback is a remote execution failure");
        idle_ec_string_free(json);
        json = NULL;
    }
    {
        idle_ec_session empty;
        empty.userdata = NULL;
        empty.invoke = NULL;
        status = idle_ec_provider_get_sync_cycle_state(provider, &empty, &json);
        check(status == IDLE_EC_STATUS_CALLBACK_FAILED, "a table without a callback is refused");
        idle_ec_string_free(json);
        json = NULL;
    }
    status = idle_ec_provider_get_sync_cycle_state(NULL, NULL, &json);
    check(status == IDLE_EC_STATUS_NULL_ARGUMENT && json != NULL, "NULL provider: status and failure JSON");
    idle_ec_string_free(json);
    json = NULL;
    {
        const char bad_utf8[] = { 'D', (char)0xC3, (char)0x28, 0 };
        script s = { "{}", 0, 0, "", "" };
        idle_ec_session table = session_for(&s);
        status = idle_ec_provider_start_sync_cycle(provider, bad_utf8, &table, &json);
        check(status == IDLE_EC_STATUS_INVALID_UTF8 && s.calls == 0, "invalid UTF-8 is refused before any callback");
        idle_ec_string_free(json);
        json = NULL;
    }
    idle_ec_provider_free(provider);
    idle_ec_provider_free(NULL);

    {
        idle_ec_wait *wait = NULL;
        char *error = NULL;
        check(idle_ec_wait_new("{\"policyType\":\"Delta\",\"timeoutSeconds\":0}", &wait, &error) == IDLE_EC_STATUS_INVALID_ARGUMENT,
              "a zero timeout is refused");
        /* Named as the step's With key, which is what a PowerShell user wrote. */
        check(wait == NULL && contains(error, "TimeoutSeconds"), "the refusal names the key");
        idle_ec_string_free(error);
        error = NULL;
        status = idle_ec_wait_new("{\"policyType\":\"Delta\",\"wait\":true}", &wait, &error);
        check(status == IDLE_EC_STATUS_OK && wait != NULL, "wait_new");
        status = idle_ec_wait_handle(wait, 0, "{\"kind\":\"start\"}", &json);
        check(status == IDLE_EC_STATUS_OK && contains(json, "\"action\""), "the machine answers the start with a decision");
        idle_ec_string_free(json);
        json = NULL;
        status = idle_ec_wait_handle(wait, 1, "not json", &json);
        check(status == IDLE_EC_STATUS_OK && contains(json, "\"fail\""), "junk input is answered with a fail decision");
        idle_ec_string_free(json);
        json = NULL;
        idle_ec_wait_free(wait);
        idle_ec_wait_free(NULL);
    }
    idle_ec_string_free(NULL);

    interop_decisions();

    hostile();

    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
