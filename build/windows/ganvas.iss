; Inno Setup script: wraps the PyInstaller onedir bundle (build/dist/Ganvas) as one setup .exe.
; build/build.py runs it on Windows with the values below set on the command line:
;   iscc /DAppName=Ganvas /DAppVersion=0.1.0 /DSourceDir=...\build\dist\Ganvas
;        /DOutputDir=...\build\dist /DOutputBaseFilename=Ganvas-0.1.0-windows-x64-setup
;        /DIconFile=...\resources\icons\ganvas.ico build\windows\ganvas.iss
; Installs per user by default (no admin prompt); the setup offers "all users" as well.

#ifndef AppName
  #define AppName "Ganvas"
#endif
#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\dist\" + AppName
#endif
#ifndef OutputDir
  #define OutputDir "..\dist"
#endif
#ifndef OutputBaseFilename
  #define OutputBaseFilename AppName + "-" + AppVersion + "-windows-x64-setup"
#endif
#ifndef IconFile
  #define IconFile "..\..\resources\icons\ganvas.ico"
#endif
#define AppExe AppName + ".exe"

[Setup]
; AppId identifies the app across versions (upgrades, uninstall): never change it
AppId={{6F1C8A52-3B7E-4C0D-9A41-2E5B7D9C3F18}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppName}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename={#OutputBaseFilename}
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2
SolidCompression=yes
LZMANumBlockThreads=4
WizardStyle=modern

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; an upgrade replaces the bundled libraries wholesale, so no file of an older torch/Qt stays
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
