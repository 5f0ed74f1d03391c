# Example IdLE workflow: after the account work of a joiner, run an Entra Connect delta sync
# cycle and wait until it has finished, so later steps find the user in Entra ID.
# Data only. The host supplies the provider (alias DirectorySync) and an AuthSessionBroker that
# knows the session name 'EntraConnect' (see examples/idle-host.ps1).
@{
    Name           = 'Joiner - with Entra Connect sync'
    LifecycleEvent = 'Joiner'
    Description    = 'Triggers an Entra Connect delta sync cycle and waits for it to finish.'

    Steps          = @(
        # ... the joiner's on-premises AD steps come first ...

        @{
            Name = 'Sync to Entra ID'
            Type = 'IdLE.Step.TriggerDirectorySync'
            With = @{
                AuthSessionName = 'EntraConnect'
                PolicyType      = 'Delta'
                Wait            = $true
                TimeoutSeconds  = 900
            }
        }

        # ... cloud steps (licences, groups) that need the synced user come after ...
    )
}
