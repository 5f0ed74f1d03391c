# Integration workflow: a waited Entra Connect Delta cycle, and an OnFailure step that IdLE runs
# when the sync step fails. Data only; the host supplies the provider (alias DirectorySync) and
# an AuthSessionBroker that knows the session name 'EntraConnect'. Short poll and timeout so the
# suite runs against the fast simulator in seconds.
@{
    Name           = 'Integration - Entra Connect sync with OnFailure'
    LifecycleEvent = 'Joiner'
    Description    = 'Triggers a Delta sync cycle and waits for it; reports a failure through OnFailureSteps.'

    Steps          = @(
        @{
            Name = 'Sync to Entra ID'
            Type = 'IdLE.Step.TriggerDirectorySync'
            With = @{
                AuthSessionName     = 'EntraConnect'
                PolicyType          = 'Delta'
                Wait                = $true
                TimeoutSeconds      = 120
                PollIntervalSeconds = 1
            }
        }
    )

    OnFailureSteps = @(
        @{
            Name = 'Report failed sync'
            Type = 'IdLE.Step.EmitEvent'
            With = @{ Message = 'Entra Connect sync failed; the account is not in Entra ID yet.' }
        }
    )
}
