# Step metadata for IdLE's planner: capabilities the step needs and the keys its With accepts.
# Data only: loaded without executing anything.
@{
    'IdLE.Step.TriggerDirectorySync' = @{
        RequiredCapabilities = @('IdLE.DirectorySync.Trigger', 'IdLE.DirectorySync.Status')
        WithSchema           = @{
            RequiredKeys = @('AuthSessionName', 'PolicyType')
            OptionalKeys = @(
                'Provider'
                'Wait'
                'TimeoutSeconds'
                'PollIntervalSeconds'
                'AuthSessionOptions'
                'StartGraceSeconds'
                'WaitForRunningCycle'
                'FailOnRunErrors'
                'ComputerName'
            )
        }
    }
}
