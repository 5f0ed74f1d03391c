<#
.SYNOPSIS
Writes the .nuspec of a PowerShell Gallery package for a built module folder.

.DESCRIPTION
Reads the module manifest as data (the parser's safe value extraction; nothing in it runs) and
writes a nuspec whose metadata is what the PowerShell Gallery expects of a module package:
id = module name, version, authors, owners, description, copyright, projectUrl, releaseNotes,
a license expression, the Gallery's tags (PSModule, PSEdition_<edition>, PSIncludes_Function,
PSFunction_<name> and PSCommand_<name> per exported function, and the manifest's PSData tags,
which alone name the platforms (Windows, Linux, MacOS) the package promises) and one dependency
per RequiredModules entry. The <files> element lists every file under ContentRoot with the same
relative path, so the module files land at the package root.

Runs on the PowerShell engine alone (no Utility or Management cmdlets), so the repository's
console host can run it where pwsh is absent.

.PARAMETER ContentRoot
The module folder to package (the manifest is <ContentRoot>/<ModuleName>.psd1).

.PARAMETER ModuleName
The module name; also the package id.

.PARAMETER Version
The package version (VERSION; may carry a prerelease suffix).

.PARAMETER OutputPath
Where to write the nuspec.

.PARAMETER LicenseExpression
The SPDX license expression. Default Apache-2.0.

.EXAMPLE
New-GalleryNuspec.ps1 -ContentRoot out/gallery-work/X/content -ModuleName X -Version 0.1.0 -OutputPath out/gallery-work/X/X.nuspec
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ContentRoot,
    [Parameter(Mandatory)] [string] $ModuleName,
    [Parameter(Mandatory)] [string] $Version,
    [Parameter(Mandatory)] [string] $OutputPath,
    [string] $LicenseExpression = 'Apache-2.0'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$ContentRoot = [System.IO.Path]::GetFullPath($ContentRoot)
$OutputPath = [System.IO.Path]::GetFullPath($OutputPath)
$manifestPath = [System.IO.Path]::Combine($ContentRoot, "$ModuleName.psd1")
if (-not [System.IO.File]::Exists($manifestPath)) {
    throw "New-GalleryNuspec: the manifest '$manifestPath' does not exist."
}

$tokens = $null
$parseErrors = $null
$ast = [System.Management.Automation.Language.Parser]::ParseFile($manifestPath, [ref] $tokens, [ref] $parseErrors)
if ($parseErrors.Count -gt 0) {
    throw "New-GalleryNuspec: '$manifestPath' does not parse: $($parseErrors[0].Message)"
}
$manifest = $ast.Find({ param($node) $node -is [System.Management.Automation.Language.HashtableAst] }, $false).SafeGetValue()

function Get-ManifestList {
    param([object] $Value)
    $list = [System.Collections.Generic.List[string]]::new()
    foreach ($item in @($Value)) {
        if ($null -ne $item -and -not [string]::IsNullOrWhiteSpace([string] $item)) { $list.Add([string] $item) }
    }
    return , $list
}

foreach ($key in 'Author', 'Description', 'ModuleVersion') {
    if (-not $manifest.ContainsKey($key) -or [string]::IsNullOrWhiteSpace([string] $manifest[$key])) {
        throw "New-GalleryNuspec: the manifest of $ModuleName has no $key; the Gallery requires it."
    }
}
$moduleVersion = [string] $manifest['ModuleVersion']
if ($Version -ne $moduleVersion -and -not $Version.StartsWith("$moduleVersion-")) {
    throw "New-GalleryNuspec: the package version '$Version' does not match the manifest's ModuleVersion '$moduleVersion'."
}

$functions = Get-ManifestList $manifest['FunctionsToExport']
$cmdlets = Get-ManifestList $manifest['CmdletsToExport']
foreach ($name in @($functions) + @($cmdlets)) {
    if ($name.Contains('*') -or $name.Contains('?')) {
        throw "New-GalleryNuspec: the manifest of $ModuleName exports '$name'; the Gallery tags need explicit names, not wildcards."
    }
}

$psData = @{}
if ($manifest.ContainsKey('PrivateData') -and $manifest['PrivateData'] -is [hashtable] -and $manifest['PrivateData'].ContainsKey('PSData')) {
    $psData = $manifest['PrivateData']['PSData']
}

# The Gallery's tags, in a stable order, without duplicates (case-insensitive).
$tags = [System.Collections.Generic.List[string]]::new()
$seen = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
$addTag = {
    param([string] $Tag)
    if ([string]::IsNullOrWhiteSpace($Tag)) { return }
    if ($Tag -match '\s') { throw "New-GalleryNuspec: the tag '$Tag' contains white space; Gallery tags cannot." }
    if ($seen.Add($Tag)) { $tags.Add($Tag) }
}
& $addTag 'PSModule'
$editions = Get-ManifestList $manifest['CompatiblePSEditions']
if ($editions.Count -eq 0) { $editions.Add('Core') }
foreach ($edition in $editions) { & $addTag "PSEdition_$edition" }
if ($functions.Count -gt 0) { & $addTag 'PSIncludes_Function' }
if ($cmdlets.Count -gt 0) { & $addTag 'PSIncludes_Cmdlet' }
foreach ($name in $functions) {
    & $addTag "PSFunction_$name"
    & $addTag "PSCommand_$name"
}
foreach ($name in $cmdlets) {
    & $addTag "PSCmdlet_$name"
    & $addTag "PSCommand_$name"
}
foreach ($tag in (Get-ManifestList $psData['Tags'])) { & $addTag $tag }

# Dependencies from RequiredModules: ModuleVersion is a minimum, RequiredVersion exact,
# MaximumVersion an inclusive maximum (NuGet range syntax).
$dependencies = [System.Collections.Generic.List[object]]::new()
foreach ($required in @($manifest['RequiredModules'])) {
    if ($null -eq $required) { continue }
    if ($required -is [string]) {
        $dependencies.Add([pscustomobject]@{ Id = $required; Range = $null })
        continue
    }
    $id = [string] $required['ModuleName']
    $range = $null
    if ($required.ContainsKey('RequiredVersion')) {
        $range = "[$($required['RequiredVersion'])]"
    }
    elseif ($required.ContainsKey('ModuleVersion') -and $required.ContainsKey('MaximumVersion')) {
        $range = "[$($required['ModuleVersion']), $($required['MaximumVersion'])]"
    }
    elseif ($required.ContainsKey('ModuleVersion')) {
        $range = "[$($required['ModuleVersion']), )"
    }
    elseif ($required.ContainsKey('MaximumVersion')) {
        $range = "(, $($required['MaximumVersion'])]"
    }
    $dependencies.Add([pscustomobject]@{ Id = $id; Range = $range })
}

# Every file of the module, at the same relative path from the package root.
$files = [System.Collections.Generic.List[string]]::new()
foreach ($file in [System.IO.Directory]::GetFiles($ContentRoot, '*', [System.IO.SearchOption]::AllDirectories)) {
    $files.Add([System.IO.Path]::GetRelativePath($ContentRoot, $file).Replace('\', '/'))
}
$files.Sort([System.StringComparer]::Ordinal)

$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.IndentChars = '  '
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$settings.NewLineChars = "`n"
$ns = 'http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd'
$writer = [System.Xml.XmlWriter]::Create($OutputPath, $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('package', $ns)
    $writer.WriteStartElement('metadata', $ns)
    $writer.WriteElementString('id', $ns, $ModuleName)
    $writer.WriteElementString('version', $ns, $Version)
    $writer.WriteElementString('authors', $ns, [string] $manifest['Author'])
    if ($manifest.ContainsKey('CompanyName') -and -not [string]::IsNullOrWhiteSpace([string] $manifest['CompanyName'])) {
        $writer.WriteElementString('owners', $ns, [string] $manifest['CompanyName'])
    }
    $writer.WriteElementString('requireLicenseAcceptance', $ns, 'false')
    $writer.WriteStartElement('license', $ns)
    $writer.WriteAttributeString('type', 'expression')
    $writer.WriteString($LicenseExpression)
    $writer.WriteEndElement()
    if ($psData.ContainsKey('ProjectUri')) {
        $writer.WriteElementString('projectUrl', $ns, [string] $psData['ProjectUri'])
    }
    if ($psData.ContainsKey('IconUri')) {
        $writer.WriteElementString('iconUrl', $ns, [string] $psData['IconUri'])
    }
    $writer.WriteElementString('description', $ns, [string] $manifest['Description'])
    if ($psData.ContainsKey('ReleaseNotes')) {
        $writer.WriteElementString('releaseNotes', $ns, [string] $psData['ReleaseNotes'])
    }
    if ($manifest.ContainsKey('Copyright')) {
        $writer.WriteElementString('copyright', $ns, [string] $manifest['Copyright'])
    }
    $writer.WriteElementString('tags', $ns, ($tags -join ' '))
    if ($dependencies.Count -gt 0) {
        $writer.WriteStartElement('dependencies', $ns)
        foreach ($dependency in $dependencies) {
            $writer.WriteStartElement('dependency', $ns)
            $writer.WriteAttributeString('id', $dependency.Id)
            if ($null -ne $dependency.Range) { $writer.WriteAttributeString('version', $dependency.Range) }
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement() # metadata
    $writer.WriteStartElement('files', $ns)
    foreach ($relative in $files) {
        $writer.WriteStartElement('file', $ns)
        $writer.WriteAttributeString('src', $relative)
        $writer.WriteAttributeString('target', $relative)
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement() # files
    $writer.WriteEndElement() # package
    $writer.WriteEndDocument()
}
finally {
    $writer.Dispose()
}

$PSCmdlet.WriteVerbose("Wrote $OutputPath ($($files.Count) files, $($tags.Count) tags, $($dependencies.Count) dependencies).")
