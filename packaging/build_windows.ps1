# Build the Windows bundle and installer (run from the repository root in PowerShell):
#   $env:BWV_VLC_DIR = "C:\Program Files\VideoLAN\VLC"   # VLC 3.0.21 64-bit
#   powershell -ExecutionPolicy Bypass -File packaging\build_windows.ps1
# Needs: Python 3.11 x64 venv in .venv with the project and its `package` extra, Inno Setup 6 (iscc).
$ErrorActionPreference = "Stop"
Set-Location (Split-Path -Parent $PSScriptRoot)
$py = ".venv\Scripts\python.exe"
if (-not $env:BWV_VLC_DIR) { throw "set BWV_VLC_DIR to the VLC 3.0.x install folder" }
$version = & $py -c "import tomllib;print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])"
& $py -m PyInstaller --noconfirm --distpath dist --workpath build\pyinstaller packaging\bwv.spec
if ($LASTEXITCODE) { throw "PyInstaller failed" }
& $py packaging\third_party_licenses.py --out dist\bwv\THIRD_PARTY_LICENSES
& $py packaging\sbom.py --out dist\bwv\bwv-sbom.cdx.json
Copy-Item LICENSE dist\bwv\LICENSE
Copy-Item resources\models\MODELS.md dist\bwv\MODELS.md
Copy-Item resources\CREDITS.md dist\bwv\CREDITS.md
& dist\bwv\bwv.exe selftest
if ($LASTEXITCODE) { throw "the bundle's self-test failed" }
$iscc = (Get-Command iscc -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
& $iscc "/DAppVersion=$version" packaging\bwv.iss
if ($LASTEXITCODE) { throw "Inno Setup failed" }
Write-Host "built dist\bwv-workstation-$version-setup.exe"
