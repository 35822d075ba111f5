# Helpers for the deploy tests: servers (s3rver, the CloudFront double), fixture builds, ways to run
# scripts/deploy-frontend.ps1 (in this process or as `pwsh -File`), an aws wrapper that injects failures,
# and read-only looks at s3rver's data directory. Everything a helper starts, Stop-TestServer stops.
#
# Index
#   [SECTION] Servers
#   [SECTION] s3rver's data directory (read-only looks, no aws call)
#   [SECTION] aws through the real CLI (for assertions)
#   [SECTION] Running the deploy script
#   [SECTION] Fixture builds
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../../..')).Path
$script:DeployScript = Join-Path $script:RepoRoot 'scripts/deploy-frontend.ps1'
$script:FixtureRoot = Join-Path $script:RepoRoot 'tests/deploy/fixtures'
$script:RealAws = if ($env:BOS_AWS_CLI) { $env:BOS_AWS_CLI } else { '/usr/bin/aws' }
# The pwsh on PATH (a dotnet global tool reports `dotnet` as its process path).
$script:Pwsh = @(Get-Command pwsh -CommandType Application -ErrorAction SilentlyContinue)[0].Source ?? (Join-Path $PSHOME 'pwsh')

function Get-DeployScriptPath { $script:DeployScript }
function Get-RealAws { $script:RealAws }

function New-TestTempDir([string]$Prefix = 'bos-deploy-test') {
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) ("$Prefix-" + [guid]::NewGuid().ToString('n').Substring(0, 12))
    $null = New-Item -ItemType Directory -Path $dir
    $dir
}

# The aws CLI talks to s3rver and the double with these (s3rver's fixed credentials).
function Set-TestAwsEnvironment {
    $env:AWS_ACCESS_KEY_ID = 'S3RVER'
    $env:AWS_SECRET_ACCESS_KEY = 'S3RVER'
    $env:AWS_DEFAULT_REGION = 'us-east-1'
    $env:AWS_EC2_METADATA_DISABLED = 'true'
    $env:AWS_CONFIG_FILE = '/dev/null'
    $env:AWS_SHARED_CREDENTIALS_FILE = '/dev/null'
    Remove-Item Env:AWS_PROFILE -ErrorAction SilentlyContinue
}

# [SECTION] Servers ------------------------------------------------------------------------------------------

# Starts a node server that prints "... listening on HOST:PORT" and waits for that line.
function Start-NodeServer([string]$Name, [string[]]$Arguments, [string]$LogDir) {
    $out = Join-Path $LogDir "$Name.out.log"
    $err = Join-Path $LogDir "$Name.err.log"
    $p = Start-Process -FilePath 'node' -ArgumentList $Arguments -RedirectStandardOutput $out -RedirectStandardError $err -PassThru -NoNewWindow
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    while ($clock.Elapsed.TotalSeconds -lt 20) {
        $text = if (Test-Path $out) { Get-Content -Raw $out } else { '' }
        if ($text -match 'listening on [0-9.]+:(\d+)') {
            return [pscustomobject]@{ Name = $Name; Process = $p; Port = [int]$Matches[1]; Url = "http://127.0.0.1:$($Matches[1])"; LogDir = $LogDir }
        }
        if ($p.HasExited) { break }
        Start-Sleep -Milliseconds 100
    }
    $log = (Get-Content -Raw $out -ErrorAction SilentlyContinue) + (Get-Content -Raw $err -ErrorAction SilentlyContinue)
    if (-not $p.HasExited) { $p.Kill($true) }
    throw "$Name did not start: $log"
}

# s3rver on 127.0.0.1, a free port, a fresh data directory, with the given buckets.
function Start-S3rver([string[]]$Buckets) {
    $dir = New-TestTempDir 'bos-s3rver'
    $data = Join-Path $dir 'data'
    $null = New-Item -ItemType Directory -Path $data
    $bin = Join-Path $script:RepoRoot 'node_modules/s3rver/bin/s3rver.js'
    if (-not (Test-Path $bin)) { throw "s3rver is not installed ($bin): run scripts/bootstrap" }
    $arguments = @($bin, '-d', $data, '-a', '127.0.0.1', '-p', '0', '--silent')
    foreach ($b in $Buckets) { $arguments += @('--configure-bucket', $b) }
    $server = Start-NodeServer 's3rver' $arguments $dir
    $server | Add-Member -NotePropertyName DataDir -NotePropertyValue $data
    $server | Add-Member -NotePropertyName Root -NotePropertyValue $dir
    $server
}

function Start-CloudFrontDouble {
    $dir = New-TestTempDir 'bos-cf-double'
    $server = Start-NodeServer 'cloudfront-double' @((Join-Path $PSScriptRoot 'cloudfront-double.mjs')) $dir
    $server | Add-Member -NotePropertyName Root -NotePropertyValue $dir
    $server
}

function Stop-TestServer($Server) {
    if (-not $Server) { return }
    try {
        if (-not $Server.Process.HasExited) {
            $Server.Process.Kill($true)
            $null = $Server.Process.WaitForExit(10000)
        }
    } finally {
        Remove-Item -LiteralPath $Server.Root -Recurse -Force -ErrorAction SilentlyContinue
    }
}

# ConvertFrom-Json enumerates the array (Invoke-RestMethod would hand back one Object[]).
function Get-CloudFrontRequests($Double) { @((Invoke-WebRequest -Uri "$($Double.Url)/__double/requests").Content | ConvertFrom-Json) }
function Reset-CloudFrontDouble($Double) { $null = Invoke-RestMethod -Method Post -Uri "$($Double.Url)/__double/reset" }
# Replaces the double's distribution, cache policies or response headers policies (see cloudfront-double.mjs).
function Set-CloudFrontDoubleSettings($Double, [hashtable]$Settings) {
    $null = Invoke-RestMethod -Method Post -Uri "$($Double.Url)/__double/config" -Body ($Settings | ConvertTo-Json -Depth 10) -ContentType 'application/json'
}
function Set-CloudFrontDouble($Double, [int]$CompleteAfterPolls) {
    $body = @{ completeAfterPolls = $CompleteAfterPolls } | ConvertTo-Json
    $null = Invoke-RestMethod -Method Post -Uri "$($Double.Url)/__double/config" -Body $body -ContentType 'application/json'
}

# [SECTION] s3rver's data directory (read-only looks, no aws call) --------------------------------------------

function Get-ObjectPath($S3, [string]$Bucket, [string]$Key) { Join-Path $S3.DataDir "$Bucket/$Key._S3rver_object" }

function Get-StoredBytes($S3, [string]$Bucket, [string]$Key) {
    $path = Get-ObjectPath $S3 $Bucket $Key
    if (Test-Path -LiteralPath $path) { , [System.IO.File]::ReadAllBytes($path) } else { $null }
}

function Get-StoredText($S3, [string]$Bucket, [string]$Key) {
    $bytes = Get-StoredBytes $S3 $Bucket $Key
    if ($null -eq $bytes) { $null } else { [System.Text.Encoding]::UTF8.GetString($bytes) }
}

function Get-StoredKeys($S3, [string]$Bucket) {
    $root = Join-Path $S3.DataDir $Bucket
    @(Get-ChildItem -LiteralPath $root -Recurse -File -Force -Filter '*._S3rver_object' |
        ForEach-Object { [System.IO.Path]::GetRelativePath($root, $_.FullName).Replace('\', '/') -replace '\._S3rver_object$', '' } |
        Sort-Object)
}

# Every file of the data directory (objects and their metadata) with its SHA-256: equal snapshots mean a
# byte-identical bucket.
function Get-StoreSnapshot($S3) {
    $snap = [ordered]@{}
    foreach ($f in Get-ChildItem -LiteralPath $S3.DataDir -Recurse -File -Force | Sort-Object FullName) {
        $snap[[System.IO.Path]::GetRelativePath($S3.DataDir, $f.FullName)] = (Get-FileHash -LiteralPath $f.FullName -Algorithm SHA256).Hash
    }
    $snap
}

# Backdates an object's Last-Modified (s3rver reports the object file's mtime).
function Set-StoredAge($S3, [string]$Bucket, [string]$Key, [int]$Days) {
    $path = Get-ObjectPath $S3 $Bucket $Key
    (Get-Item -LiteralPath $path).LastWriteTimeUtc = (Get-Date).ToUniversalTime().AddDays(-$Days)
}

# [SECTION] aws through the real CLI (for assertions) -------------------------------------------------------

function Invoke-TestAws([string]$EndpointUrl, [string[]]$Arguments) {
    $out = & $script:RealAws @Arguments --endpoint-url $EndpointUrl --region us-east-1 --output json 2>&1
    if ($LASTEXITCODE -ne 0) { throw "aws $($Arguments -join ' ') failed: $out" }
    ($out -join "`n") | ConvertFrom-Json -AsHashtable
}

# head-object for many keys, a few at a time (each CLI start costs about a second).
function Get-ObjectHeads($S3, [string]$Bucket, [string[]]$Keys) {
    $aws = $script:RealAws
    $url = $S3.Url
    $results = $Keys | ForEach-Object -ThrottleLimit 4 -Parallel {
        $out = & $using:aws s3api head-object --bucket $using:Bucket --key $_ --endpoint-url $using:url --region us-east-1 --output json 2>&1
        [pscustomobject]@{ Key = $_; ExitCode = $LASTEXITCODE; Json = ($out -join "`n") }
    }
    $heads = @{}
    foreach ($r in $results) {
        if ($r.ExitCode -ne 0) { throw "head-object $($r.Key) failed: $($r.Json)" }
        $heads[$r.Key] = $r.Json | ConvertFrom-Json -AsHashtable
    }
    $heads
}

# [SECTION] Running the deploy script ------------------------------------------------------------------------

# In this process (fast; the way most tests run it). Returns the exit code and every stream as text.
function Invoke-DeployInProcess([hashtable]$Parameters) {
    $global:LASTEXITCODE = 0
    $ProgressPreference = 'SilentlyContinue'
    $lines = & $script:DeployScript @Parameters *>&1 | ForEach-Object { "$_" }
    [pscustomobject]@{ ExitCode = $global:LASTEXITCODE; Output = ($lines -join "`n") }
}

# As a separate `pwsh -NoProfile -NonInteractive -File` process: the contract as outsiders call it.
# -TerminalAnswer runs it on a pseudo-terminal instead (no -NonInteractive, no CI variables), as an
# operator would, and types that answer at the confirmation prompt.
function Invoke-DeployProcess([string[]]$Arguments, [string]$WorkingDirectory = $script:RepoRoot, [hashtable]$Environment = @{}, [string]$TerminalAnswer) {
    if ($TerminalAnswer) {
        $psi = [System.Diagnostics.ProcessStartInfo]::new('python3')
        $command = @((Join-Path $PSScriptRoot 'answer-prompt.py'), $TerminalAnswer, '150', $script:Pwsh, '-NoProfile', '-File', $script:DeployScript)
        foreach ($name in 'CI', 'GITHUB_ACTIONS', 'TF_BUILD', 'BUILDKITE', 'JENKINS_URL') { $null = $psi.Environment.Remove($name) }
    } else {
        $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Pwsh)
        $command = @('-NoProfile', '-NonInteractive', '-File', $script:DeployScript)
    }
    foreach ($a in $command + $Arguments) { $psi.ArgumentList.Add($a) }
    $psi.WorkingDirectory = $WorkingDirectory
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    $psi.UseShellExecute = $false
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
    $p = [System.Diagnostics.Process]::Start($psi)
    $p.StandardInput.Close()
    $stdout = $p.StandardOutput.ReadToEndAsync()
    $stderr = $p.StandardError.ReadToEndAsync()
    if (-not $p.WaitForExit(420000)) { $p.Kill($true); throw "deploy-frontend.ps1 did not finish in 420 s (a hang: a loaded two-core machine needs up to ~200 s for a first deploy)" }
    $p.WaitForExit()
    [pscustomobject]@{ ExitCode = $p.ExitCode; Stdout = $stdout.Result; Stderr = $stderr.Result; Output = $stdout.Result + "`n" + $stderr.Result }
}

# An aws stand-in for -AwsCli: logs every call, passes it to the real CLI, except that it fails call
# number FailAtCall, or the first call (or every call, with -Always) whose arguments match FailMatch.
function New-FaultyAws([string]$Dir, [int]$FailAtCall = 0, [string]$FailMatch = '', [switch]$Always) {
    $null = New-Item -ItemType Directory -Force -Path $Dir
    $path = Join-Path $Dir 'aws'
    $state = Join-Path $Dir 'calls'
    $log = Join-Path $Dir 'calls.log'
    $matchQuoted = "'" + $FailMatch.Replace("'", "'\''") + "'"
    $script = @"
#!/usr/bin/env bash
# Generated by DeployTestKit.psm1 (New-FaultyAws).
n=`$(( `$(cat '$state' 2>/dev/null || echo 0) + 1 ))
echo "`$n" > '$state'
printf '%s\n' "`$*" >> '$log'
fail_match=$matchQuoted
if [ "`$n" = "$FailAtCall" ]; then echo "injected failure (call `$n)" >&2; exit 255; fi
if [ -n "`$fail_match" ] && [[ "`$*" =~ `$fail_match ]]; then
  if [ "$([int][bool]$Always)" = 1 ] || [ ! -e '$state.fired' ]; then
    touch '$state.fired'; echo "injected failure (call `$n matches `$fail_match)" >&2; exit 255
  fi
fi
exec '$($script:RealAws)' "`$@"
"@
    [System.IO.File]::WriteAllText($path, $script.Replace("`r`n", "`n"))
    & chmod +x $path
    [pscustomobject]@{ Path = $path; Log = $log }
}

function Get-AwsCalls($Faulty) {
    if (Test-Path -LiteralPath $Faulty.Log) { @(Get-Content -LiteralPath $Faulty.Log) } else { @() }
}

# [SECTION] Fixture builds -------------------------------------------------------------------------------

$script:BinaryLeaves = @{
    site = @{
        'app.wasm'             = [byte[]](0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00)
        'NotoSans-Regular.ttf' = [byte[]](0x00, 0x01, 0x00, 0x00, 0x00, 0x0c, 0x52)
        'NotoSans-Bold.ttf'    = [byte[]](0x00, 0x01, 0x00, 0x00, 0x00, 0x0c, 0x42)
        'NotoSans-Regular.woff2' = [byte[]](0x77, 0x4f, 0x46, 0x32, 0x00, 0x01)
        'icon-192.png'         = [byte[]](0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)
        'favicon.ico'          = [byte[]](0x00, 0x00, 0x01, 0x00, 0x01, 0x00)
    }
    mini = @{
        'app.wasm' = [byte[]](0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00)
    }
}
$script:TextOrder = @('licenses.txt', 'icon.svg', 'manifest.webmanifest', 'style.css', 'app.js', 'boot.js')

function Get-ShortHash([byte[]]$Bytes) {
    [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($Bytes)).ToLowerInvariant().Substring(0, 10)
}

# Builds a dist/ like scripts/lib/assemble_site.py does (content hashes, references rewritten) from
# tests/deploy/fixtures/<Template>. -Change appends a marker to the named source files (new hashes);
# -WithJunk adds files the deploy must never upload; -WithSiblings adds the .br/.gz files scripts/build
# writes next to compressible files (marker bytes). Returns the directory and the old->new name map.
function New-FixtureDist([string]$Destination, [string]$Template = 'site', [string[]]$Change = @(), [string]$Marker = 'v2', [switch]$WithJunk, [switch]$WithSiblings) {
    $src = Join-Path $script:FixtureRoot $Template
    $contents = [ordered]@{}
    foreach ($f in Get-ChildItem -LiteralPath $src -File) { $contents[$f.Name] = [System.IO.File]::ReadAllBytes($f.FullName) }
    foreach ($k in $script:BinaryLeaves[$Template].Keys) { $contents[$k] = $script:BinaryLeaves[$Template][$k] }
    foreach ($name in $Change) {
        $append = switch -Wildcard ($name) {
            '*.js' { "`n// $Marker`n" } '*.css' { "`n/* $Marker */`n" } '*.html' { "`n<!-- $Marker -->`n" }
            '*.svg' { "`n<!-- $Marker -->`n" } default { "`n$Marker`n" }
        }
        $contents[$name] = [byte[]]($contents[$name] + [System.Text.Encoding]::UTF8.GetBytes($append))
    }
    $renamed = [ordered]@{}
    $rewrite = {
        param([byte[]]$Bytes)
        $text = [System.Text.Encoding]::UTF8.GetString($Bytes)
        foreach ($old in $renamed.Keys | Sort-Object Length -Descending) {
            $text = [regex]::Replace($text, '(?<![\w.-])' + [regex]::Escape($old) + '(?![\w-])', $renamed[$old])
        }
        [System.Text.Encoding]::UTF8.GetBytes($text)
    }
    $hashName = { param($name, $bytes) $stem = [System.IO.Path]::GetFileNameWithoutExtension($name); "$stem.$(Get-ShortHash $bytes)$([System.IO.Path]::GetExtension($name))" }
    foreach ($name in @($script:BinaryLeaves[$Template].Keys | Sort-Object)) { $renamed[$name] = & $hashName $name $contents[$name] }
    foreach ($name in $script:TextOrder) {
        if (-not $contents.Contains($name)) { continue }
        $contents[$name] = & $rewrite $contents[$name]
        $renamed[$name] = & $hashName $name $contents[$name]
    }
    $contents['index.html'] = & $rewrite $contents['index.html']
    $renamed['index.html'] = 'index.html'

    $null = New-Item -ItemType Directory -Force -Path $Destination
    foreach ($name in $renamed.Keys) { [System.IO.File]::WriteAllBytes((Join-Path $Destination $renamed[$name]), $contents[$name]) }
    if ($WithSiblings) {
        foreach ($name in 'index.html', 'app.js', 'app.wasm', 'style.css') {
            if (-not $renamed.Contains($name)) { continue }
            foreach ($ext in '.br', '.gz') { [System.IO.File]::WriteAllText((Join-Path $Destination "$($renamed[$name])$ext"), "precompressed $ext") }
        }
    }
    if ($WithJunk) {
        $junk = [ordered]@{
            "$($renamed['app.js']).map" = '{"version":3}'
            'README.md'                 = '# not for the bucket'
            '.DS_Store'                 = 'junk'
            '.git/HEAD'                 = 'ref: refs/heads/main'
            'tests/fixture.json'        = '{}'
            '__tests__/app.js'          = '// test'
            'app.test.js'               = '// test'
        }
        foreach ($k in $junk.Keys) {
            $p = Join-Path $Destination $k
            $null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $p)
            [System.IO.File]::WriteAllText($p, $junk[$k])
        }
    }
    [pscustomobject]@{ Path = $Destination; Names = $renamed }
}

# The name the deploy gives this environment's config (config.<first 10 hex of its SHA-256>.json).
function Get-HashedConfigKey([string]$Endpoint) {
    $bytes = [System.Text.UTF8Encoding]::new($false).GetBytes((@{ websocketEndpoint = $Endpoint } | ConvertTo-Json -Compress))
    'config.' + (Get-ShortHash $bytes) + '.json'
}

Export-ModuleMember -Function *
