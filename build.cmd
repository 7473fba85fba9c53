@echo off
rem Microsoft.ML.Autoencoders build driver for Windows: the same verbs as build.sh.
rem   build.cmd            restore and build (Release)
rem   build.cmd test       run every test project
rem   build.cmd sample [NAME] [args]   run a sample (default MnistDeepAutoencoder); set MNIST_DIR or fetch MNIST first
rem   build.cmd bench      side-by-side benchmark (needs bash: run build.sh bench from Git Bash or WSL)
rem   build.cmd pack       NuGet packages into artifacts\packages
setlocal
cd /d "%~dp0"
set DOTNET_CLI_TELEMETRY_OPTOUT=1
set DOTNET_NOLOGO=1
if "%CONFIGURATION%"=="" set CONFIGURATION=Release
set VERB=%1
if "%VERB%"=="" set VERB=build
if not "%1"=="" shift

if /i "%VERB%"=="build" (
  dotnet build Microsoft.ML.Autoencoders.sln -c %CONFIGURATION%
  exit /b %ERRORLEVEL%
)
if /i "%VERB%"=="test" (
  dotnet build Microsoft.ML.Autoencoders.sln -c %CONFIGURATION% || exit /b 1
  dotnet test Microsoft.ML.Autoencoders.sln -c %CONFIGURATION% --no-build
  exit /b %ERRORLEVEL%
)
if /i "%VERB%"=="sample" (
  set NAME=MnistDeepAutoencoder
  if not "%1"=="" set NAME=%1
  where bash >nul 2>nul && bash build/fetch-mnist.sh
  dotnet run --project samples\%NAME% -c %CONFIGURATION% -- %2 %3 %4 %5 %6 %7 %8 %9
  exit /b %ERRORLEVEL%
)
if /i "%VERB%"=="bench" (
  bash build/bench.sh %*
  exit /b %ERRORLEVEL%
)
if /i "%VERB%"=="pack" (
  dotnet pack src\Microsoft.ML.Autoencoders\Microsoft.ML.Autoencoders.csproj -c %CONFIGURATION% -o artifacts\packages || exit /b 1
  dotnet pack src\Microsoft.ML.Autoencoders.Engine\Microsoft.ML.Autoencoders.Engine.csproj -c %CONFIGURATION% -o artifacts\packages
  exit /b %ERRORLEVEL%
)
echo Unknown verb "%VERB%". Verbs: build, test, sample, bench, pack.
exit /b 1
