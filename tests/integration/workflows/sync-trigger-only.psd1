# Integration workflow: trigger an Entra Connect Delta cycle without waiting. Data only.
@{
    Name           = 'Integration - Entra Connect sync, trigger only'
    LifecycleEvent = 'Joiner'
    Steps          = @(
        @{
            Name = 'Trigger sync'
            Type = 'IdLE.Step.TriggerDirectorySync'
            With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta' }
        }
    )
}
