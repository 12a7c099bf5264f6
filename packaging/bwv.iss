; Inno Setup 6 script: per-machine installer for BWV Workstation (Windows x64).
; Build after PyInstaller (see packaging/README.md):
;     iscc /DAppVersion=<version from pyproject.toml> packaging\bwv.iss
; build_windows.ps1 passes the version read from pyproject.toml; the default below must
; equal pyproject's version (tests/test_packaging.py checks it).
; All paths are relative to this script.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "BWV Workstation"
#define AppExe "BWV Workstation.exe"
#define CliExe "bwv.exe"

[Setup]
; The AppId identifies the product to Windows for upgrades and uninstall: never change it.
AppId={{D10BB78A-F81F-42C4-8E5F-1436C16CDE43}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=BWV Workstation contributors
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; per-machine: installed by IT for every user, into Program Files
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
LicenseFile=..\LICENSE
OutputDir=..\dist
OutputBaseFilename=bwv-workstation-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayName={#AppName} {#AppVersion}
UninstallDisplayIcon={app}\{#AppExe}
; a newer build replaces the files of an older one in place (same AppId)
CloseApplications=yes

[InstallDelete]
; an upgrade replaces the program's own folder whole: files an older build had and this one
; has not (a Qt or VLC plugin, a native library, a retired model) would otherwise stay and be
; loaded beside the new ones. Only {app}\_internal: users' data and the policy are elsewhere.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
; the whole PyInstaller folder: executables, _internal\ (Python, Qt, FFmpeg, libvlc, models),
; LICENSE, THIRD_PARTY_LICENSES, MODELS.md, CREDITS.md and the CycloneDX SBOM
Source: "..\dist\bwv\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
; the default machine policy (fail closed: the case store is required, exports need a
; supervisor's approval); IT edits or replaces it, an upgrade or uninstall never touches it
Source: "policy.json"; DestDir: "{commonappdata}\{#AppName}"; Flags: onlyifdoesntexist uninsneveruninstall

[Dirs]
; where IT puts the machine policy (policy.json): readable, not writable, by users
Name: "{commonappdata}\{#AppName}"; Permissions: users-readexec admins-full system-full

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\{#AppName} self-test"; Filename: "{cmd}"; Parameters: "/k ""{app}\{#CliExe}"" selftest"
; the licence list has no extension: open it with Notepad, not Windows' "open with" prompt
Name: "{group}\Licences"; Filename: "{win}\notepad.exe"; Parameters: """{app}\THIRD_PARTY_LICENSES"""
Name: "{group}\Credits"; Filename: "{win}\notepad.exe"; Parameters: """{app}\CREDITS.md"""

[Run]
; the policy folder: [Dirs] Permissions only add rules, and ProgramData's inherited rule lets
; every user create files in its subfolders (a policy.toml beside the policy, an audit.key
; before the program makes one). Inheritance off, then explicit rules by well-known SID
; (Administrators, SYSTEM full; Users read), and the files in it reset to inherit those
Filename: "{sys}\icacls.exe"; \
    Parameters: """{commonappdata}\{#AppName}"" /inheritance:r /grant:r *S-1-5-32-544:(OI)(CI)F *S-1-5-18:(OI)(CI)F *S-1-5-32-545:(OI)(CI)RX"; \
    Flags: runhidden waituntilterminated; StatusMsg: "Securing the machine policy folder..."
Filename: "{sys}\icacls.exe"; Parameters: """{commonappdata}\{#AppName}\*"" /reset /T /C"; \
    Flags: runhidden waituntilterminated
; prove the installation is healthy before first use (silent installs: skipped unless /SELFTEST)
Filename: "{app}\{#CliExe}"; Parameters: "selftest"; Flags: runhidden waituntilterminated; \
    Check: WantSelfTest; StatusMsg: "Running the self-test..."

[Code]
function WantSelfTest: Boolean;
begin
  Result := not WizardSilent or (ExpandConstant('{param:SELFTEST|0}') = '1');
end;
