#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# Where the provider looks for its native library on every platform (runtimes/<rid>/native/<file>),
# tested on this one machine through NativeLibraryLocator.Choose(OS, architecture, isMusl) of the
# interop assembly the packaged provider module loads; and that the package carries its libraries
# exactly where the locator looks.

BeforeDiscovery {
    $script:Platforms = @(
        @{ Os = 'Windows'; Arch = 'X64'; Musl = $false; Rid = 'win-x64'; File = 'idle_entraconnect.dll' }
        @{ Os = 'Windows'; Arch = 'Arm64'; Musl = $false; Rid = 'win-arm64'; File = 'idle_entraconnect.dll' }
        @{ Os = 'Linux'; Arch = 'X64'; Musl = $false; Rid = 'linux-x64'; File = 'libidle_entraconnect.so' }
        @{ Os = 'Linux'; Arch = 'Arm64'; Musl = $false; Rid = 'linux-arm64'; File = 'libidle_entraconnect.so' }
        @{ Os = 'Linux'; Arch = 'X64'; Musl = $true; Rid = 'linux-musl-x64'; File = 'libidle_entraconnect.so' }
        @{ Os = 'Linux'; Arch = 'Arm64'; Musl = $true; Rid = 'linux-musl-arm64'; File = 'libidle_entraconnect.so' }
        @{ Os = 'OSX'; Arch = 'X64'; Musl = $false; Rid = 'osx-x64'; File = 'libidle_entraconnect.dylib' }
        @{ Os = 'OSX'; Arch = 'Arm64'; Musl = $false; Rid = 'osx-arm64'; File = 'libidle_entraconnect.dylib' }
    )
    # musl is a Linux matter: elsewhere the flag changes nothing.
    $script:MuslElsewhere = @($script:Platforms | Where-Object { $_.Os -ne 'Linux' } | ForEach-Object {
            $case = $_.Clone(); $case.Musl = $true; $case
        })
}

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $script:Modules = Initialize-IdleEcTestModules
    $script:Locator = [IdLE.EntraConnect.Interop.NativeLibraryLocator]

    function Get-Choice {
        param([string] $Os, [string] $Arch, [bool] $Musl)
        $platform = [System.Runtime.InteropServices.OSPlatform]::$Os
        $script:Locator::Choose($platform, [System.Runtime.InteropServices.Architecture] $Arch, $Musl)
    }
}

Describe 'NativeLibraryLocator.Choose' {
    It '<Os> <Arch> (musl: <Musl>) looks in runtimes/<Rid>/native/ for <File>' -TestCases ($script:Platforms + $script:MuslElsewhere) {
        $choice = Get-Choice -Os $Os -Arch $Arch -Musl $Musl
        $choice.RuntimeIdentifier | Should -BeExactly $Rid
        $choice.FileName | Should -BeExactly $File
        $choice.RelativePath | Should -BeExactly "runtimes/$Rid/native/$File"
    }

    It 'names an architecture it has no short name for by its own name' {
        (Get-Choice -Os Windows -Arch X86 -Musl $false).RuntimeIdentifier | Should -BeExactly 'win-x86'
        (Get-Choice -Os Linux -Arch Arm -Musl $false).RuntimeIdentifier | Should -BeExactly 'linux-arm'
        (Get-Choice -Os Linux -Arch S390x -Musl $false).RuntimeIdentifier | Should -BeExactly 'linux-s390x'
    }

    It 'names an OS it does not know by its own name, with the shared-object file name' {
        $choice = Get-Choice -Os FreeBSD -Arch X64 -Musl $false
        $choice.RuntimeIdentifier | Should -BeExactly 'freebsd-x64'
        $choice.FileName | Should -BeExactly 'libidle_entraconnect.so'
    }

    It 'is what the locator uses for this process' {
        $os = if ($IsWindows) { 'Windows' } elseif ($IsMacOS) { 'OSX' } else { 'Linux' }
        $rid = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
        $musl = $IsLinux -and ($rid -match 'musl' -or $rid -like 'alpine*')
        $arch = [System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture
        $choice = Get-Choice -Os $os -Arch $arch -Musl $musl
        $script:Locator::RuntimeIdentifier | Should -BeExactly $choice.RuntimeIdentifier
        $script:Locator::LibraryFileName | Should -BeExactly $choice.FileName
        $expected = [System.IO.Path]::Combine((Split-Path $script:Modules.ProviderManifest), 'runtimes', $choice.RuntimeIdentifier, 'native', $choice.FileName)
        if ([string]::IsNullOrWhiteSpace($env:IDLE_ENTRACONNECT_NATIVE_PATH)) {
            $script:Locator::LibraryPath | Should -Be $expected
        }
    }
}

Describe 'The packaged provider' {
    # The platform table reaches the run phase as a test case (BeforeDiscovery's variables do not).
    It 'carries win-x64 and linux-x64, each where the locator looks' -TestCases @(@{ Platforms = $script:Platforms }) {
        $moduleDir = Split-Path $script:Modules.ProviderManifest
        $runtimes = [System.IO.Path]::Combine($moduleDir, 'runtimes')
        $carried = @([System.IO.Directory]::GetDirectories($runtimes) | ForEach-Object { [System.IO.Path]::GetFileName($_) } | Sort-Object)
        $carried | Should -Contain 'win-x64'
        $carried | Should -Contain 'linux-x64'
        foreach ($platform in ($Platforms | Where-Object { $carried -contains $_.Rid })) {
            $choice = Get-Choice -Os $platform.Os -Arch $platform.Arch -Musl $platform.Musl
            [System.IO.Path]::Combine($moduleDir, $choice.RelativePath) | Should -Exist
        }
        # Nothing carried that no platform would ever load.
        $reachable = @($Platforms | ForEach-Object { $_.Rid })
        @($carried | Where-Object { $reachable -notcontains $_ }) | Should -BeNullOrEmpty
    }

    It 'carries a Windows x64 DLL and a Linux x64 shared object, not copies of one another' {
        $moduleDir = Split-Path $script:Modules.ProviderManifest
        $dll = [System.IO.File]::ReadAllBytes([System.IO.Path]::Combine($moduleDir, (Get-Choice -Os Windows -Arch X64 -Musl $false).RelativePath))
        $so = [System.IO.File]::ReadAllBytes([System.IO.Path]::Combine($moduleDir, (Get-Choice -Os Linux -Arch X64 -Musl $false).RelativePath))
        # PE: 'MZ', then at the offset in 0x3C 'PE\0\0' and machine 0x8664 (x64).
        [System.Text.Encoding]::ASCII.GetString($dll, 0, 2) | Should -Be 'MZ'
        $pe = [System.BitConverter]::ToInt32($dll, 0x3C)
        [System.Text.Encoding]::ASCII.GetString($dll, $pe, 4) | Should -Be "PE`0`0"
        [System.BitConverter]::ToUInt16($dll, $pe + 4) | Should -Be 0x8664
        # ELF: 0x7F 'ELF', 64-bit, machine 62 (x86-64).
        [System.Text.Encoding]::ASCII.GetString($so, 1, 3) | Should -Be 'ELF'
        $so[0] | Should -Be 0x7F
        $so[4] | Should -Be 2
        [System.BitConverter]::ToUInt16($so, 18) | Should -Be 62
    }
}
