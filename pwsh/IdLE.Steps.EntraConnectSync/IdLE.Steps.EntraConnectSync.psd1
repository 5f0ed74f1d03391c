@{
    RootModule           = 'IdLE.Steps.EntraConnectSync.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = 'ea449c72-6a7e-49df-9012-ded19f897fd4'
    Author               = 'IdLE Entra Connect contributors'
    CompanyName          = 'IdLE community'
    Copyright            = '(c) IdLE Entra Connect contributors. Apache License 2.0.'
    Description          = 'IdLE step pack: IdLE.Step.TriggerDirectorySync triggers an Entra Connect sync cycle and, optionally, waits until it has really finished.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    # The wait machine lives in the provider module's native core; one copy per process.
    RequiredModules      = @(
        @{ ModuleName = 'IdLE.Provider.EntraConnectSync'; ModuleVersion = '0.1.0'; GUID = '17f26773-008e-4209-8d2d-e60a48af32c5' }
    )
    FunctionsToExport    = @('Invoke-IdleStepTriggerDirectorySync', 'Get-IdleStepMetadataCatalog')
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    FileList             = @(
        'IdLE.Steps.EntraConnectSync.psd1'
        'IdLE.Steps.EntraConnectSync.psm1'
        'StepMetadataCatalog.psd1'
    )
    PrivateData          = @{
        PSData = @{
            Tags         = @(
                'IdLE', 'IdentityLifecycle', 'EntraConnect', 'ADSync', 'AzureADConnect', 'DirectorySync', 'EntraID', 'Step', 'Windows', 'Linux',
                # The Gallery's discovery tags (Find-PSResource -CommandName reads them); Publish-PSResource
                # copies Tags, it does not derive these. A Pester test checks they match the exports.
                'PSEdition_Core', 'PSIncludes_Function', 'PSFunction_Invoke-IdleStepTriggerDirectorySync', 'PSCommand_Invoke-IdleStepTriggerDirectorySync', 'PSFunction_Get-IdleStepMetadataCatalog', 'PSCommand_Get-IdleStepMetadataCatalog')
            LicenseUri   = 'https://github.com/idle-community/IdLE.DirectorySync.EntraConnect/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/idle-community/IdLE.DirectorySync.EntraConnect'
            ReleaseNotes = 'https://github.com/idle-community/IdLE.DirectorySync.EntraConnect/blob/main/CHANGELOG.md'
        }
    }
}
