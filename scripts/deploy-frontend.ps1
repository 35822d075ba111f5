#!/usr/bin/env pwsh
<#
.SYNOPSIS
Deploys the built site (dist/) to one environment's S3 bucket and CloudFront distribution.

.DESCRIPTION
Environments come from deploy/environments.json. A deploy runs in this order, so an open tab and a new
visitor always find a complete site:

  1. preflight, changing nothing: the dist is complete, every file has a known Content-Type, the aws CLI
     runs, the bucket answers, the CloudFront distribution compresses (Compress, and gzip and Brotli in
     its cache policies) and sends the security headers (HSTS, nosniff, frame-ancestors: a gap warns in
     dev and staging and stops prod), the live deploy is read (deploys/latest.json)
  2. hashed assets            Cache-Control: public, max-age=31536000, immutable; among them
     config.<hash>.json       this environment's {"websocketEndpoint": ...}, named by the HTML it goes with
  3. /config.json             the same, short cache, for older HTML and outside tools
     deploys/<id>.json        the deploy manifest; deploys/latest.json points at it
  4. the HTML                 CSP connect-src rewritten to this environment's endpoint and data-config naming
                              config.<hash>.json, in the same page: the two cannot disagree; max-age=300
     /sw.js, last             the offline shell's service worker (no-cache), its "index" set to the SHA-256
                              of the HTML just uploaded: it installs only over that page, so it goes after it
  5. a CloudFront invalidation of what is not hashed only: /index.html, /, /config.json, /sw.js
  6. prune: hashed objects referenced by neither this deploy nor the previous one, and unreferenced for
     -PruneOlderThanDays days
  7. with -Wait, poll the invalidation until it completes (a timeout is a warning)

A failure before step 4 exits 1 with the live site untouched; a failure from step 4 on puts the previous
HTML, config and manifest pointer back (and invalidates them again), then exits 1. Every aws call goes
through Invoke-Aws, which checks its exit code.

-Rollback makes the previous deploy (the one deploys/latest.json names as previous) live again from its
manifest: its HTML and config.json, then its sw.js (or, for a deploy from before the offline shell, a worker
that retires the shell: it deletes the cached sets and unregisters), then an invalidation. Its hashed assets are still in the bucket
because a prune never deletes the previous deploy's files.

Only prod asks for confirmation. In a non-interactive session (CI, -NonInteractive, redirected input) a
prod deploy without -Confirm:$false fails at once with a message instead of waiting for an answer.

.PARAMETER Environment
A key of deploy/environments.json (the only list of environments); any other name is refused before anything runs.
.PARAMETER Profile
AWS CLI profile. Omitted: no --profile, credentials come from the environment.
.PARAMETER BuildDir
The built site, relative to the current directory. Default: dist.
.PARAMETER AwsCli
The aws executable to call (more than one may be installed). Default: $env:BOS_AWS_CLI when set, else
/usr/bin/aws (Debian's CLI v2) when it exists, else aws from PATH (a login shell may find an older v1 first).
.PARAMETER S3EndpointUrl
--endpoint-url for S3 calls (an S3-compatible server in tests).
.PARAMETER CloudFrontEndpointUrl
--endpoint-url for CloudFront calls (an API double in tests).
.PARAMETER Wait
Poll the invalidation until it completes or -WaitTimeoutSec passes (then warn, exit 0).
.PARAMETER PruneOlderThanDays
Grace period before an unreferenced hashed object is deleted. 0 deletes at once.
.PARAMETER Rollback
Make the previous deploy live again instead of deploying -BuildDir.

.EXAMPLE
pwsh scripts/deploy-frontend.ps1 -Environment dev -Profile buildingos
.EXAMPLE
pwsh scripts/deploy-frontend.ps1 -Environment prod -Confirm:$false -Wait      # CI
.EXAMPLE
pwsh scripts/deploy-frontend.ps1 -Environment staging -WhatIf
.EXAMPLE
pwsh scripts/deploy-frontend.ps1 -Environment prod -Rollback
#>

# Index
#  [SECTION] Parameters and fixed tables
#  [SECTION] Small helpers
#  [SECTION] The aws seam (Invoke-Aws)
#  [SECTION] Local preflight: environment, build directory, HTML
#  [SECTION] Remote preflight: aws, bucket, live deploy
#  [SECTION] Changing steps
#  [SECTION] Restore after a failure
#  [SECTION] Deploy and rollback
#  [SECTION] Main

# [SECTION] Parameters and fixed tables ------------------------------------------------------------------

[CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
param(
    # The environments are deploy/environments.json's keys, the only list (the workflow's `choice` options are
    # checked against it by tests/deploy/Environments.Tests.ps1): checked here, at binding, before anything runs.
    [Parameter(Mandatory)]
    [ArgumentCompleter({
        param($command, $parameter, $word)
        $file = Join-Path (Split-Path -Parent $PSScriptRoot) 'deploy/environments.json'
        @((Get-Content -Raw -LiteralPath $file -ErrorAction SilentlyContinue | ConvertFrom-Json -AsHashtable).Keys) | Where-Object { $_ -like "$word*" }
    })]
    [ValidateScript({
        $file = Join-Path (Split-Path -Parent $PSScriptRoot) 'deploy/environments.json'
        $all = try { Get-Content -Raw -LiteralPath $file -ErrorAction Stop | ConvertFrom-Json -AsHashtable -ErrorAction Stop } catch { throw "cannot read $file`: $($_.Exception.Message)" }
        $known = @($all.Keys)
        if ($known -contains $_) { return $true }          # any case, as ValidateSet did; the keys are lower-case
        throw "environment '$_' is not in $file (known: $($known -join ', '))"
    })]
    [string]$Environment,

    [string]$Profile,

    [string]$BuildDir = 'dist',

    [ValidateNotNullOrEmpty()]
    [string]$AwsCli = $(if ($env:BOS_AWS_CLI) { $env:BOS_AWS_CLI }
                        elseif (Test-Path -LiteralPath '/usr/bin/aws' -PathType Leaf) { '/usr/bin/aws' }
                        else { 'aws' }),

    [string]$S3EndpointUrl,

    [string]$CloudFrontEndpointUrl,

    [switch]$Wait,

    [ValidateRange(1, 86400)]
    [int]$WaitTimeoutSec = 600,

    [ValidateRange(0, 3650)]
    [int]$PruneOlderThanDays = 7,

    [switch]$Rollback
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$Environment = $Environment.ToLowerInvariant()         # -Environment ignores case; the config keys are lower-case
$PSNativeCommandUseErrorActionPreference = $false   # exit codes are checked by hand (Invoke-Aws)

# The only Content-Types the deploy sets; any other extension fails the preflight. Never a charset on
# application/wasm: instantiateStreaming rejects "application/wasm;charset=UTF-8".
$ContentTypes = @{
    '.html'        = 'text/html; charset=utf-8'
    '.js'          = 'text/javascript'
    '.json'        = 'application/json'
    '.css'         = 'text/css'
    '.wasm'        = 'application/wasm'
    '.webmanifest' = 'application/manifest+json'
    '.svg'         = 'image/svg+xml'
    '.ttf'         = 'font/ttf'
    '.woff2'       = 'font/woff2'
    '.png'         = 'image/png'
    '.ico'         = 'image/x-icon'
    '.txt'         = 'text/plain; charset=utf-8'
}
$CacheImmutable = 'public, max-age=31536000, immutable'
$CacheHtml = 'public, max-age=300'
# config.json and the manifests go up in one call, so they share a short cache (CloudFront serves only config.json).
$CacheConfig = 'public, max-age=60'
# The offline shell's service worker keeps its name (browsers look for a new one at the same URL) and is
# revalidated on every use: a cached old worker would keep residents on an old build.
$WorkerKey = 'sw.js'
$CacheWorker = 'no-cache'
$WorkerIndexField = '"index"\s*:\s*"[0-9a-f]{64}"'      # the set's page hash scripts/lib/assemble_site.py writes
# Uploaded as sw.js when the site goes back to (or is deployed with) a build without the offline shell: browsers
# still run the last worker they installed, which would keep serving its cached build. This one takes over at
# once, deletes the shell's sets ("bos-set-*") and unregisters, so the next load comes from the network.
$RetiringWorker = @'
/* sw.js, written by scripts/deploy-frontend.ps1: this deploy has no offline shell, so the last one retires. */
self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf('bos-set-') === 0; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.registration.unregister(); }));
});
'@

$HashedName = '\.[0-9a-f]{8,}\.[A-Za-z0-9]+$'          # app.3f9c2a1b.js
$HashLength = 10                                        # as scripts/lib/assemble_site.py names assets
$ManifestPrefix = 'deploys/'
$LatestKey = 'deploys/latest.json'
$ConfigKey = 'config.json'
# Attributes through which the HTML names its files (the same list scripts/lib/assemble_site.py checks).
$ReferenceAttr = '(?<![\w-])(?:src|href|data-app|data-wasm|data-font|data-font-bold)\s*=\s*(?:"([^"]*)"|''([^'']*)'')'
$CloudFrontCompressMaxBytes = 10000000                   # CloudFront never compresses larger responses
# scripts/build writes name.br and name.gz next to compressible files for the dev server; S3 cannot
# negotiate an encoding, so they are never uploaded: CloudFront compresses at the edge (checked below).
$PrecompressedSuffixes = '.br', '.gz'
$HtmlMaxAgeSec = 300                                     # $CacheHtml's max-age: a cache policy MinTTL above it outlives it
$BootScriptTag = '(?is)<script\b(?=[^>]*\bid\s*=\s*["'']bos-boot["''])[^>]*>'

$RepoRoot = Split-Path -Parent $PSScriptRoot
$EnvironmentsFile = Join-Path $RepoRoot 'deploy/environments.json'

# [SECTION] Small helpers ---------------------------------------------------------------------------------

function Stop-Deploy([string]$Message) {
    throw [System.InvalidOperationException]::new($Message)
}

function Format-UtcTime([datetime]$Time) {
    $Time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", [cultureinfo]::InvariantCulture)
}

# ConvertFrom-Json turns ISO strings into DateTime on some pwsh versions and not on others.
function ConvertTo-UtcTime($Value) {
    if ($Value -is [datetime]) {
        if ($Value.Kind -eq [DateTimeKind]::Unspecified) { return [datetime]::SpecifyKind($Value, 'Utc') }
        return $Value.ToUniversalTime()
    }
    if ($Value -is [datetimeoffset]) { return $Value.UtcDateTime }
    return [datetimeoffset]::Parse([string]$Value, [cultureinfo]::InvariantCulture).UtcDateTime
}

function Get-HexDigest([byte[]]$Bytes, [string]$Algorithm) {
    $digest = if ($Algorithm -eq 'MD5') { [System.Security.Cryptography.MD5]::HashData($Bytes) }
              else { [System.Security.Cryptography.SHA256]::HashData($Bytes) }
    [Convert]::ToHexString($digest).ToLowerInvariant()
}

$Utf8NoBom = [System.Text.UTF8Encoding]::new($false)

function Write-Step([string]$Status, [int]$Percent) {
    Write-Progress -Id 1 -Activity "deploy-frontend $Environment" -Status $Status -PercentComplete $Percent
    Write-Host "==> $Status" -ForegroundColor Cyan
}

# No prompt may appear where nobody can answer it: a prompt there either throws or hangs the job.
function Test-InteractiveSession {
    if (-not [Environment]::UserInteractive) { return $false }
    foreach ($name in 'CI', 'GITHUB_ACTIONS', 'TF_BUILD', 'BUILDKITE', 'JENKINS_URL') {
        if ([Environment]::GetEnvironmentVariable($name)) { return $false }
    }
    if ([Console]::IsInputRedirected) { return $false }
    foreach ($arg in [Environment]::GetCommandLineArgs()) {
        $a = $arg.ToLowerInvariant()
        if ($a.Length -ge 5 -and $a.StartsWith('-noni') -and '-noninteractive'.StartsWith($a)) { return $false }
    }
    return $true
}

# Relative to the current PowerShell location, not the process directory (they differ after Set-Location).
function Resolve-FromCurrentDirectory([string]$Path) {
    [System.IO.Path]::GetFullPath($Path, (Get-Location -PSProvider FileSystem).ProviderPath)
}

# [SECTION] The aws seam (Invoke-Aws) -------------------------------------------------------------------

$script:AwsCallCount = 0

# Every aws call goes through here: global options added, the exit code checked, changing calls guarded
# by ShouldProcess (so -WhatIf prints them instead). Returns stdout; throws on a non-zero exit.
function Invoke-Aws {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    param(
        [Parameter(Mandatory, Position = 0)][string[]]$Arguments,
        [switch]$Changing,            # changes the bucket or the distribution
        [string]$Target,              # for -WhatIf and error messages
        [switch]$AllowFailure         # return $null on a non-zero exit instead of throwing
    )
    $call = [System.Collections.Generic.List[string]]::new()
    $call.AddRange($Arguments)
    $service = $Arguments[0]
    if ($service -ne '--version') {
        if ($service -in 's3', 's3api' -and $S3EndpointUrl) { $call.AddRange([string[]]@('--endpoint-url', $S3EndpointUrl)) }
        if ($service -eq 'cloudfront' -and $CloudFrontEndpointUrl) { $call.AddRange([string[]]@('--endpoint-url', $CloudFrontEndpointUrl)) }
        $call.AddRange([string[]]@('--region', $script:Site.region, '--output', 'json'))
        if ($Profile) { $call.AddRange([string[]]@('--profile', $Profile)) }
    }
    $operation = ($Arguments | Select-Object -First 2) -join ' '
    if ($Changing -and -not $PSCmdlet.ShouldProcess($Target, "aws $operation")) { return $null }

    Write-Verbose "aws $($call -join ' ')"
    $script:AwsCallCount++
    $global:LASTEXITCODE = 0
    $output = $null
    try {
        $ErrorActionPreference = 'Continue'                 # stderr lines are data here, not errors
        $output = & $AwsCli @call 2>&1
    } catch [System.Management.Automation.CommandNotFoundException] {
        Stop-Deploy "cannot run the aws CLI '$AwsCli': not found (pass -AwsCli with the path of the aws executable)"
    }
    $exitCode = $global:LASTEXITCODE
    $stdout = @($output | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] } | ForEach-Object { "$_" }) -join "`n"
    $stderr = @($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object { "$_" }) -join "`n"
    if ($exitCode -ne 0) {
        if ($AllowFailure) {
            Write-Verbose "aws $operation exited $exitCode (allowed): $stderr"
            return $null
        }
        $what = if ($Target) { " ($Target)" } else { '' }
        Stop-Deploy "aws $operation$what failed with exit code ${exitCode}: $($stderr.Trim())"
    }
    return $stdout
}

function ConvertFrom-AwsJson([string]$Text) {
    if ([string]::IsNullOrWhiteSpace($Text)) { return @{} }
    $Text | ConvertFrom-Json -AsHashtable -Depth 64
}

function Send-S3Object([string]$Key, [string]$Path, [string]$ContentType, [string]$CacheControl) {
    $null = Invoke-Aws -Changing -Target "s3://$($script:Site.bucket)/$Key ($ContentType; $CacheControl)" @(
        's3api', 'put-object', '--bucket', $script:Site.bucket, '--key', $Key, '--body', $Path,
        '--content-type', $ContentType, '--cache-control', $CacheControl)
}

function Send-S3Bytes([string]$Key, [byte[]]$Bytes, [string]$ContentType, [string]$CacheControl) {
    $path = Join-Path $script:TempDir ('body-' + [guid]::NewGuid().ToString('n'))
    [System.IO.File]::WriteAllBytes($path, $Bytes)
    Send-S3Object $Key $path $ContentType $CacheControl
}

# Several small objects with one Content-Type and Cache-Control in one call (each aws call costs ~1 s).
function Send-S3Batch([System.Collections.IDictionary]$Objects, [string]$ContentType, [string]$CacheControl) {
    $stage = Join-Path $script:TempDir ('batch-' + [guid]::NewGuid().ToString('n'))
    foreach ($key in $Objects.Keys) {
        $path = Join-Path $stage $key
        $null = [System.IO.Directory]::CreateDirectory((Split-Path -Parent $path))
        [System.IO.File]::WriteAllBytes($path, [byte[]]$Objects[$key])
    }
    $null = Invoke-Aws -Changing -Target "s3://$($script:Site.bucket)/ $(@($Objects.Keys) -join ', ') ($ContentType; $CacheControl)" @(
        's3', 'cp', $stage, "s3://$($script:Site.bucket)/", '--recursive', '--only-show-errors', '--no-progress',
        '--content-type', $ContentType, '--cache-control', $CacheControl)
}

function Read-S3Bytes([string]$Key) {
    $path = Join-Path $script:TempDir ('get-' + [guid]::NewGuid().ToString('n'))
    $null = Invoke-Aws @('s3api', 'get-object', '--bucket', $script:Site.bucket, '--key', $Key, $path)
    if (-not (Test-Path -LiteralPath $path)) { Stop-Deploy "aws s3api get-object wrote no file for s3://$($script:Site.bucket)/$Key" }
    , [System.IO.File]::ReadAllBytes($path)
}

# [SECTION] Local preflight: environment, build directory, HTML ----------------------------------------

function Read-EnvironmentConfig([string]$Name) {
    if (-not (Test-Path -LiteralPath $EnvironmentsFile)) { Stop-Deploy "missing $EnvironmentsFile" }
    $all = Get-Content -Raw -LiteralPath $EnvironmentsFile | ConvertFrom-Json -AsHashtable
    $e = $all[$Name]
    if ($null -eq $e) { Stop-Deploy "environment '$Name' is not in $EnvironmentsFile" }
    foreach ($field in 'bucket', 'distributionId', 'region', 'publicUrl', 'websocketEndpoint') {
        if ([string]::IsNullOrWhiteSpace([string]$e[$field])) { Stop-Deploy "$EnvironmentsFile`: $Name.$field is missing" }
    }
    # It goes into a CSP source list and a JSON file: a plain wss:// URL and nothing else.
    if ($e.websocketEndpoint -notmatch '^wss://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~/-]*)?$') {
        Stop-Deploy "$EnvironmentsFile`: $Name.websocketEndpoint must be a wss:// URL, got '$($e.websocketEndpoint)'"
    }
    $e
}

# Why a file must never reach the bucket, or $null.
function Get-DenyReason([string]$RelPath) {
    $segments = $RelPath -split '/'
    $name = $segments[-1]
    if ($segments | Where-Object { $_.StartsWith('.') }) { return 'dotfile' }
    if ($name -like '*.map') { return 'source map' }
    if ($name -like '*.md') { return 'Markdown' }
    if (($segments | Select-Object -SkipLast 1) | Where-Object { $_ -in 'test', 'tests', '__tests__', 'fixtures', '__fixtures__', '__mocks__' }) {
        return 'test fixture'
    }
    if ($name -match '\.(test|spec)\.[^.]+$') { return 'test fixture' }
    if ($RelPath -eq $ConfigKey) { return 'config.json is written per environment by the deploy' }
    if ($RelPath -match '^config\.[0-9a-f]{8,}\.json$') { return 'config.<hash>.json is written per environment by the deploy' }
    return $null
}

# The deployable files of the build directory, each with its Content-Type; warns on deny-listed files.
function Get-BuildFiles([string]$Root) {
    if (-not (Test-Path -LiteralPath $Root -PathType Container)) { Stop-Deploy "build directory $Root does not exist (build first: scripts/build)" }
    $problems = [System.Collections.Generic.List[string]]::new()
    $files = [System.Collections.Generic.List[object]]::new()
    $siblings = 0
    foreach ($item in Get-ChildItem -LiteralPath $Root -Recurse -File -Force | Sort-Object FullName) {
        $rel = [System.IO.Path]::GetRelativePath($Root, $item.FullName).Replace('\', '/')
        $suffix = [System.IO.Path]::GetExtension($item.Name).ToLowerInvariant()
        if ($suffix -in $PrecompressedSuffixes -and (Test-Path -LiteralPath $item.FullName.Substring(0, $item.FullName.Length - $suffix.Length) -PathType Leaf)) {
            Write-Verbose "leaving out $rel`: a precompressed sibling for the dev server (CloudFront compresses at the edge)"
            $siblings++
            continue
        }
        $deny = Get-DenyReason $rel
        if ($deny) {
            Write-Warning "skipping $rel ($deny): deny-listed, never uploaded"
            continue
        }
        if ($rel.StartsWith($ManifestPrefix)) { $problems.Add("$rel`: $ManifestPrefix is reserved for the deploy manifests"); continue }
        $ext = [System.IO.Path]::GetExtension($rel).ToLowerInvariant()
        if (-not $ContentTypes.ContainsKey($ext)) {
            $problems.Add("$rel`: no Content-Type for '$ext' (known: $(($ContentTypes.Keys | Sort-Object) -join ' '))")
            continue
        }
        $isHtml = $ext -eq '.html'
        $isWorker = $rel -eq $WorkerKey
        if (-not $isHtml -and -not $isWorker -and $item.Name -notmatch $HashedName) {
            $problems.Add("$rel`: not content-hashed; every asset but the HTML must be (name.0123abcd.ext) to be cached as immutable")
            continue
        }
        if ($ext -eq '.wasm' -and $item.Length -gt $CloudFrontCompressMaxBytes) {
            Write-Warning "$rel is $($item.Length) bytes: CloudFront does not compress responses over $CloudFrontCompressMaxBytes bytes"
        }
        $bytes = [System.IO.File]::ReadAllBytes($item.FullName)
        $files.Add([pscustomobject]@{
            Key          = $rel
            Path         = $item.FullName
            IsHtml       = $isHtml
            IsWorker     = $isWorker
            ContentType  = $ContentTypes[$ext]
            CacheControl = if ($isHtml) { $CacheHtml } elseif ($isWorker) { $CacheWorker } else { $CacheImmutable }
            Bytes        = $bytes.Length
            Sha256       = Get-HexDigest $bytes 'SHA256'
            Md5          = Get-HexDigest $bytes 'MD5'
        })
    }
    if ($problems.Count) { Stop-Deploy ("$Root cannot be deployed:`n  " + ($problems -join "`n  ")) }
    if (-not ($files | Where-Object Key -eq 'index.html')) { Stop-Deploy "$Root has no index.html" }
    if ($siblings) { Write-Host "    $siblings precompressed .br/.gz files left out (CloudFront compresses at the edge)" }
    $files
}

# Every file an HTML page names through src/href/data-* must be deployed with it.
function Assert-BuildComplete($Files) {
    $keys = [System.Collections.Generic.HashSet[string]]::new([string[]]@($Files.Key))
    $missing = [System.Collections.Generic.List[string]]::new()
    foreach ($page in $Files | Where-Object IsHtml) {
        $html = [System.IO.File]::ReadAllText($page.Path, $Utf8NoBom)
        $dir = [System.IO.Path]::GetDirectoryName($page.Key).Replace('\', '/')
        foreach ($m in [regex]::Matches($html, $ReferenceAttr)) {
            $ref = if ($m.Groups[1].Success) { $m.Groups[1].Value } else { $m.Groups[2].Value }
            $ref = ($ref -split '[?#]')[0].Trim()
            if (-not $ref -or $ref.StartsWith('//') -or $ref -match '^[A-Za-z][A-Za-z0-9+.-]*:') { continue }
            $key = if ($ref.StartsWith('/')) { $ref.TrimStart('/') }
                   elseif ($dir) { "$dir/$ref" } else { $ref }
            $key = $key -replace '^(\./)+', ''
            if ($key -eq '' -or $key.EndsWith('/')) { $key += 'index.html' }     # href="./" is the page itself
            if (-not $keys.Contains($key)) { $missing.Add("$($page.Key) references $ref, which is not deployable from the build") }
        }
    }
    if ($missing.Count) { Stop-Deploy ("the build is incomplete:`n  " + ($missing -join "`n  ")) }
}

# The local build allows ws://localhost; each environment allows its own wss endpoint and nothing else.
function Set-CspConnectSrc([string]$Html, [string]$Endpoint, [string]$Page) {
    $meta = [regex]::Match($Html, '(?is)<meta\b[^>]*http-equiv\s*=\s*["'']Content-Security-Policy["''][^>]*>')
    if (-not $meta.Success) { Stop-Deploy "$Page has no <meta http-equiv=""Content-Security-Policy"">: cannot set connect-src" }
    $tag = $meta.Value
    $content = [regex]::Match($tag, '(?is)\bcontent\s*=\s*"([^"]*)"')
    if (-not $content.Success) { Stop-Deploy "$Page`: the CSP <meta> has no content=""..."" attribute" }
    $policy = $content.Groups[1].Value
    if ($policy -notmatch '(^|;)\s*connect-src\b') { Stop-Deploy "$Page`: the CSP has no connect-src directive to rewrite" }
    $newPolicy = [regex]::Replace($policy, '(^|;)(\s*)connect-src\b[^;]*', { param($m) "$($m.Groups[1].Value)$($m.Groups[2].Value)connect-src 'self' $Endpoint" })
    $newTag = $tag.Substring(0, $content.Groups[1].Index) + $newPolicy + $tag.Substring($content.Groups[1].Index + $content.Groups[1].Length)
    $Html.Substring(0, $meta.Index) + $newTag + $Html.Substring($meta.Index + $meta.Length)
}

# The page's boot script names the config it was deployed with (boot.js reads data-config), so a page and
# the endpoint its CSP allows always come from the same deploy. $null: the page has no boot script.
function Set-ConfigReference([string]$Html, [string]$ConfigName) {
    $tag = [regex]::Match($Html, $BootScriptTag)
    if (-not $tag.Success) { return $null }
    $old = $tag.Value
    $attr = [regex]::Match($old, '(?is)\sdata-config\s*=\s*(?:"[^"]*"|''[^'']*'')')
    $new = if ($attr.Success) { $old.Substring(0, $attr.Index) + " data-config=""$ConfigName""" + $old.Substring($attr.Index + $attr.Length) }
           else { $old.Substring(0, $old.Length - 1).TrimEnd('/').TrimEnd() + " data-config=""$ConfigName"">" }
    $Html.Substring(0, $tag.Index) + $new + $Html.Substring($tag.Index + $tag.Length)
}

function Get-ShortCommit {
    $commit = $null
    if (Get-Command git -CommandType Application -ErrorAction SilentlyContinue) {
        $out = & git -C $RepoRoot rev-parse --short=7 HEAD 2>$null
        if ($LASTEXITCODE -eq 0 -and "$out" -match '^[0-9a-f]{7,}$') { $commit = "$out".Trim() }
    }
    if (-not $commit -and $env:GITHUB_SHA -match '^[0-9a-f]{7,}') { $commit = $env:GITHUB_SHA.Substring(0, 7) }
    if (-not $commit) {
        Write-Warning "no git commit found for $RepoRoot; the deploy id ends in 'unknown'"
        $commit = 'unknown'
    }
    $commit
}

function New-DeployId([string]$Commit, $Taken) {
    $stamp = (Get-Date).ToUniversalTime()
    $id = '{0}-{1}' -f $stamp.ToString("yyyyMMdd'T'HHmmss'Z'", [cultureinfo]::InvariantCulture), $Commit
    # Two deploys of one commit in one second would share an id (and a CallerReference): take the next second.
    while ($Taken.Contains($id)) {
        Start-Sleep -Milliseconds (1000 - (Get-Date).Millisecond + 5)
        $stamp = (Get-Date).ToUniversalTime()
        $id = '{0}-{1}' -f $stamp.ToString("yyyyMMdd'T'HHmmss'Z'", [cultureinfo]::InvariantCulture), $Commit
    }
    [pscustomobject]@{ Id = $id; Time = $stamp }
}

# [SECTION] Remote preflight: aws, bucket, live deploy ----------------------------------------------------

function Assert-AwsRuns {
    $version = Invoke-Aws @('--version')
    if ("$version" -notmatch 'aws-cli/(\d+)\.') { Stop-Deploy "'$AwsCli --version' did not print an aws-cli version: $version" }
    "$version".Trim()
}

function Assert-BucketAnswers {
    $where = if ($S3EndpointUrl) { $S3EndpointUrl } else { "region $($script:Site.region)" }
    try {
        $null = Invoke-Aws @('s3api', 'head-bucket', '--bucket', $script:Site.bucket)
    } catch {
        Stop-Deploy "bucket $($script:Site.bucket) does not answer through $where`: $($_.Exception.Message)"
    }
}

# Every object in the bucket: key -> @{ LastModified; ETag }.
function Get-BucketListing {
    $listing = ConvertFrom-AwsJson (Invoke-Aws @('s3api', 'list-objects-v2', '--bucket', $script:Site.bucket))
    $objects = @{}
    foreach ($o in @($listing['Contents'])) {
        if ($null -eq $o) { continue }
        $objects[[string]$o['Key']] = @{
            LastModified = ConvertTo-UtcTime $o['LastModified']
            ETag         = ([string]$o['ETag']).Trim('"').ToLowerInvariant()
        }
    }
    $objects
}

function Read-Manifest([string]$Key) {
    $bytes = Read-S3Bytes $Key
    try {
        $m = $Utf8NoBom.GetString($bytes) | ConvertFrom-Json -AsHashtable -Depth 64
    } catch {
        Stop-Deploy "s3://$($script:Site.bucket)/$Key is not valid JSON; fix or delete it: $($_.Exception.Message)"
    }
    foreach ($field in 'deployId', 'files', 'entryPoints', 'config') {
        if (-not $m.ContainsKey($field)) { Stop-Deploy "s3://$($script:Site.bucket)/$Key has no '$field': not a deploy manifest" }
    }
    $m['time'] = Format-UtcTime (ConvertTo-UtcTime $m['time'])
    $refs = @{}
    if ($m['lastReferenced']) { foreach ($k in $m['lastReferenced'].Keys) { $refs[$k] = Format-UtcTime (ConvertTo-UtcTime $m['lastReferenced'][$k]) } }
    $m['lastReferenced'] = $refs
    [pscustomobject]@{ Manifest = $m; Bytes = $bytes }
}

# What is live now, kept so a failure can put it back: HTML pages, config.json and the latest.json pointer.
function Read-LiveState($Listing, [string[]]$HtmlKeys, [string[]]$WorkerKeys = @()) {
    $live = [ordered]@{ Latest = $null; LatestBytes = $null; Objects = @{} }
    if ($Listing.ContainsKey($LatestKey)) {
        $read = Read-Manifest $LatestKey
        $live.Latest = $read.Manifest
        $live.LatestBytes = $read.Bytes
    }
    foreach ($key in @($HtmlKeys) + $ConfigKey + @($WorkerKeys)) {
        if (-not $Listing.ContainsKey($key)) { $live.Objects[$key] = $null; continue }
        # The manifest holds the bytes it uploaded; use them when the live object still matches (ETag = MD5).
        $known = $null
        if ($live.Latest) {
            $text = if ($key -eq $ConfigKey) { $live.Latest['config'] }
                    elseif ($key -in $WorkerKeys) { if ($live.Latest['workers']) { $live.Latest['workers'][$key] } else { $null } }
                    else { $live.Latest['entryPoints'][$key] }
            if ($null -ne $text) {
                $bytes = $Utf8NoBom.GetBytes([string]$text)
                if ((Get-HexDigest $bytes 'MD5') -eq $Listing[$key].ETag) { $known = $bytes }
            }
        }
        if ($null -eq $known) { $known = Read-S3Bytes $key }
        $live.Objects[$key] = $known
    }
    $live
}

# What the distribution does with what the deploy uploads: compression (refused when off: S3 cannot
# negotiate an encoding, so CloudFront's is the only one residents get) and the response headers a <meta>
# CSP cannot set (a gap warns in dev and staging, refuses prod). Reads only: cloudfront:GetDistributionConfig,
# GetCachePolicy, GetResponseHeadersPolicy. The deploys/* behaviour (which should deny viewers) is not checked.
function Read-CloudFrontJson([string[]]$Arguments, [string]$Field) {
    try {
        $json = ConvertFrom-AwsJson (Invoke-Aws $Arguments)
    } catch {
        Stop-Deploy ("$($_.Exception.Message)`n  (the deploy reads the distribution's settings: it needs cloudfront:GetDistributionConfig, " +
            "cloudfront:GetCachePolicy and cloudfront:GetResponseHeadersPolicy, see docs/deploy.md)")
    }
    $value = $json[$Field]
    if (-not $value) { Stop-Deploy "aws $($Arguments[0..1] -join ' ') returned no $Field" }
    $value
}

function Get-SecurityHeaderGaps($PolicyConfig) {
    $gaps = [System.Collections.Generic.List[string]]::new()
    $sec = $PolicyConfig['SecurityHeadersConfig']
    if ($null -eq $sec) { $sec = @{} }
    $custom = @{}
    $customConfig = $PolicyConfig['CustomHeadersConfig']
    if ($customConfig -and $customConfig['Items']) {
        foreach ($h in @($customConfig['Items'])) { if ($h -and $h['Header']) { $custom[([string]$h['Header']).ToLowerInvariant()] = [string]$h['Value'] } }
    }
    $hsts = $sec['StrictTransportSecurity']
    $hstsOk = if ($hsts) { [long]$hsts['AccessControlMaxAgeSec'] -gt 0 } else { $custom['strict-transport-security'] -match '(^|;)\s*max-age\s*=\s*"?[1-9]' }
    if (-not $hstsOk) { $gaps.Add('Strict-Transport-Security (HSTS, max-age > 0)') }
    if (-not $sec['ContentTypeOptions'] -and $custom['x-content-type-options'] -ine 'nosniff') { $gaps.Add('X-Content-Type-Options: nosniff') }
    $csp = @([string]($sec['ContentSecurityPolicy'] ? $sec['ContentSecurityPolicy']['ContentSecurityPolicy'] : ''), [string]$custom['content-security-policy']) -join ';'
    $frame = if ($sec['FrameOptions']) { [string]$sec['FrameOptions']['FrameOption'] } else { [string]$custom['x-frame-options'] }
    if ($csp -notmatch "(^|;)\s*frame-ancestors\s+'none'\s*(;|$)" -and $frame -ine 'DENY') {
        $gaps.Add("Content-Security-Policy: frame-ancestors 'none' (or X-Frame-Options: DENY): a <meta> CSP cannot forbid framing")
    }
    $gaps.ToArray()       # unrolled: no gap, no item
}

function Assert-CloudFrontDelivery {
    $id = $script:Site.distributionId
    $config = Read-CloudFrontJson @('cloudfront', 'get-distribution-config', '--id', $id) 'DistributionConfig'
    $behaviors = [System.Collections.Generic.List[object]]::new()
    $behaviors.Add([pscustomobject]@{ Name = 'the default behaviour'; Default = $true; B = $config['DefaultCacheBehavior'] })
    $others = $config['CacheBehaviors']
    if ($others -and $others['Items']) {
        foreach ($b in @($others['Items'])) {
            if (-not $b -or [string]$b['PathPattern'] -match '^/?deploys/') { continue }
            $behaviors.Add([pscustomobject]@{ Name = "the behaviour for '$($b['PathPattern'])'"; Default = $false; B = $b })
        }
    }
    $cachePolicies = @{}
    $headerPolicies = @{}
    $refusals = [System.Collections.Generic.List[string]]::new()
    $gaps = [System.Collections.Generic.List[string]]::new()
    foreach ($entry in $behaviors) {
        $b = $entry.B
        if (-not $b) { $refusals.Add("$($entry.Name) is missing from the distribution config"); continue }
        if (-not [bool]$b['Compress']) { $refusals.Add("$($entry.Name) has Compress off: app.wasm and app.js would go out uncompressed") }
        $policyId = [string]$b['CachePolicyId']
        if (-not $policyId) {
            $refusals.Add("$($entry.Name) uses legacy cache settings: Brotli needs a cache policy with EnableAcceptEncodingBrotli and EnableAcceptEncodingGzip")
        } else {
            if (-not $cachePolicies.ContainsKey($policyId)) {
                $cachePolicies[$policyId] = (Read-CloudFrontJson @('cloudfront', 'get-cache-policy', '--id', $policyId) 'CachePolicy')['CachePolicyConfig']
            }
            $policy = $cachePolicies[$policyId]
            $params = if ($policy) { $policy['ParametersInCacheKeyAndForwardedToOrigin'] } else { $null }
            foreach ($flag in 'EnableAcceptEncodingGzip', 'EnableAcceptEncodingBrotli') {
                if (-not ($params -and [bool]$params[$flag])) { $refusals.Add("$($entry.Name): its cache policy $policyId has $flag off") }
            }
            if ($entry.Default -and $policy -and [long]$policy['MinTTL'] -gt $HtmlMaxAgeSec) {
                Write-Warning ("$($entry.Name) (it serves the HTML and config.json): cache policy $policyId has MinTTL $($policy['MinTTL']) s, " +
                    "above the HTML's max-age of $HtmlMaxAgeSec s: edges would keep an old page after a deploy")
            }
        }
        $headersId = [string]$b['ResponseHeadersPolicyId']
        if (-not $headersId) {
            $gaps.Add("$($entry.Name) has no response headers policy (no HSTS, nosniff or frame-ancestors)")
            continue
        }
        if (-not $headerPolicies.ContainsKey($headersId)) {
            $headerPolicies[$headersId] = (Read-CloudFrontJson @('cloudfront', 'get-response-headers-policy', '--id', $headersId) 'ResponseHeadersPolicy')['ResponseHeadersPolicyConfig']
        }
        foreach ($gap in Get-SecurityHeaderGaps $headerPolicies[$headersId]) { $gaps.Add("$($entry.Name) (response headers policy $headersId) does not send $gap") }
    }
    if ($refusals.Count) {
        Stop-Deploy ("CloudFront distribution $id would not compress what residents download (S3 cannot; only CloudFront's Compress " +
            "with gzip and Brotli in the cache policy can), so the deploy stops:`n  " + ($refusals -join "`n  "))
    }
    if ($gaps.Count) {
        $text = "CloudFront distribution $id lacks the response headers docs/deploy.md requires:`n  " + ($gaps -join "`n  ")
        if ($Environment -eq 'prod') { Stop-Deploy "$text`n  (a gap is a warning in dev and staging and stops a prod deploy)" }
        Write-Warning $text
    }
    Write-Host ("    CloudFront $id`: Compress with gzip and Brotli on {0} behaviour(s); security headers {1}" -f $behaviors.Count,
        $(if ($gaps.Count) { "with $($gaps.Count) gap(s)" } else { 'in place' }))
}

# [SECTION] Changing steps --------------------------------------------------------------------------------

function New-Invalidation([string[]]$Paths, [string]$CallerReference) {
    $batch = @{ Paths = @{ Quantity = $Paths.Count; Items = $Paths }; CallerReference = $CallerReference } | ConvertTo-Json -Depth 5
    $path = Join-Path $script:TempDir ('invalidation-' + [guid]::NewGuid().ToString('n') + '.json')
    [System.IO.File]::WriteAllText($path, $batch, $Utf8NoBom)
    $out = Invoke-Aws -Changing -Target "distribution $($script:Site.distributionId): $($Paths -join ' ') (CallerReference $CallerReference)" @(
        'cloudfront', 'create-invalidation', '--distribution-id', $script:Site.distributionId, '--invalidation-batch', "file://$path")
    if ($null -eq $out) { return $null }                          # -WhatIf
    $inv = (ConvertFrom-AwsJson $out)['Invalidation']
    if (-not $inv -or -not $inv['Id']) { Stop-Deploy "aws cloudfront create-invalidation returned no invalidation id: $out" }
    [pscustomobject]@{ Id = [string]$inv['Id']; Status = [string]$inv['Status'] }
}

# The CLI waiter can hang (and wants exactly "Completed"); poll ourselves, and a timeout only warns.
function Wait-Invalidation($Invalidation) {
    $interval = [Math]::Clamp([int][Math]::Floor($WaitTimeoutSec / 10), 1, 20)
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $status = $Invalidation.Status
    while ($status -ine 'Completed') {
        if ($clock.Elapsed.TotalSeconds + $interval -gt $WaitTimeoutSec) {
            Write-Warning ("invalidation $($Invalidation.Id) is still '$status' after $WaitTimeoutSec s; the new site is live at the origin and " +
                "the edges will follow (check: aws cloudfront get-invalidation --distribution-id $($script:Site.distributionId) --id $($Invalidation.Id))")
            return $status
        }
        Start-Sleep -Seconds $interval
        $out = Invoke-Aws -AllowFailure @('cloudfront', 'get-invalidation', '--distribution-id', $script:Site.distributionId, '--id', $Invalidation.Id)
        if ($null -eq $out) { Write-Warning "aws cloudfront get-invalidation failed; polling again"; continue }
        $inv = (ConvertFrom-AwsJson $out)['Invalidation']
        if ($inv) { $status = [string]$inv['Status'] }
        Write-Progress -Id 1 -Activity "deploy-frontend $Environment" -Status "invalidation $($Invalidation.Id): $status" -PercentComplete 95
    }
    $status
}

# delete-objects exits 0 even when keys fail: its Errors list is checked too.
function Remove-S3Objects([string[]]$Keys) {
    for ($i = 0; $i -lt $Keys.Count; $i += 1000) {
        $chunk = $Keys[$i..([Math]::Min($i + 999, $Keys.Count - 1))]
        $body = @{ Objects = @($chunk | ForEach-Object { @{ Key = $_ } }); Quiet = $true } | ConvertTo-Json -Depth 5
        $path = Join-Path $script:TempDir ('delete-' + [guid]::NewGuid().ToString('n') + '.json')
        [System.IO.File]::WriteAllText($path, $body, $Utf8NoBom)
        $out = Invoke-Aws -Changing -Target "s3://$($script:Site.bucket): delete $($chunk.Count) unreferenced hashed objects ($($chunk -join ', '))" @(
            's3api', 'delete-objects', '--bucket', $script:Site.bucket, '--delete', "file://$path")
        if ($null -eq $out) { continue }
        $errors = @((ConvertFrom-AwsJson $out)['Errors'] | Where-Object { $_ })
        if ($errors.Count) {
            Stop-Deploy ("aws s3api delete-objects could not delete: " + (($errors | ForEach-Object { "$($_['Key']) ($($_['Code']))" }) -join ', '))
        }
    }
}

# Hashed objects that neither this deploy nor the live one references, and that nothing live has
# referenced (and nobody has written) for the grace period. Manifests and unhashed objects are never pruned.
function Get-PrunePlan($Listing, $Keep, $PreviousRefs, [datetime]$Now) {
    $cutoff = $Now.AddDays(-$PruneOlderThanDays)
    $prune = [System.Collections.Generic.List[string]]::new()
    foreach ($key in $Listing.Keys | Sort-Object) {
        if ($key.StartsWith($ManifestPrefix) -or $Keep.Contains($key) -or ($key -split '/')[-1] -notmatch $HashedName) { continue }
        $lastUsed = $Listing[$key].LastModified
        if ($PreviousRefs.ContainsKey($key)) {
            $ref = ConvertTo-UtcTime $PreviousRefs[$key]
            if ($ref -gt $lastUsed) { $lastUsed = $ref }
        }
        if ($lastUsed -le $cutoff) { $prune.Add($key) }
    }
    , $prune.ToArray()
}

# [SECTION] Restore after a failure -------------------------------------------------------------------------

# Puts back what this run changed among the live keys, the HTML first. Every part is tried even if one fails.
function Restore-LiveSite($Run) {
    if (-not $Run.Touched.Count) { return }
    Write-Host "==> restoring the live site as it was before this run" -ForegroundColor Yellow
    $allOk = $true
    $html = @($Run.Touched.Keys | Where-Object { $_ -like '*.html' })
    $workers = @($Run.Touched.Keys | Where-Object { $_ -like '*.js' })
    $json = @($Run.Touched.Keys | Where-Object { $_ -notlike '*.html' -and $_ -notlike '*.js' })
    $back = [ordered]@{}
    foreach ($key in $json) { if ($null -ne $Run.Touched[$key]) { $back[$key] = $Run.Touched[$key] } }
    $gone = @($json | Where-Object { $null -eq $Run.Touched[$_] })
    # The worker first: it installs only over the page whose hash it names, so either order is safe, and
    # this one puts the site back in the reverse of the upload order.
    $parts = @($workers | ForEach-Object { if ($null -eq $Run.Touched[$_]) { "remove:$_" } else { "worker:$_" } })
    $parts += @($html | ForEach-Object { if ($null -eq $Run.Touched[$_]) { "remove:$_" } else { "put:$_" } })
    if ($back.Count) { $parts += 'json-put' }
    if ($gone.Count) { $parts += 'json-remove' }
    foreach ($part in $parts) {
        $kind, $key = $part -split ':', 2
        try {
            switch ($kind) {
                'remove' { Remove-S3Objects @($key); $done = "removed $key (it did not exist before)" }
                'put' { Send-S3Bytes $key $Run.Touched[$key] $ContentTypes['.html'] $CacheHtml; $done = "restored $key" }
                'worker' { Send-S3Bytes $key $Run.Touched[$key] $ContentTypes['.js'] $CacheWorker; $done = "restored $key" }
                'json-put' { Send-S3Batch $back $ContentTypes['.json'] $CacheConfig; $done = "restored $(@($back.Keys) -join ', ')" }
                'json-remove' { Remove-S3Objects $gone; $done = "removed $($gone -join ', ') (new in this run)" }
            }
            Write-Host "    $done"
        } catch {
            $allOk = $false
            Write-Warning "RESTORE FAILED ($part): $($_.Exception.Message)"
        }
    }
    if ($Run.HtmlLive) {
        try {
            $inv = New-Invalidation $Run.InvalidationPaths "$($Run.Id)-restore"
            Write-Host "    invalidated $($Run.InvalidationPaths -join ' ') ($($inv.Id))"
        } catch {
            $allOk = $false
            Write-Warning ("RESTORE: the invalidation failed ($($_.Exception.Message)); edges may serve this run's HTML for up to " +
                "its max-age (300 s). Its assets stay in the bucket, so those pages still work.")
        }
    }
    if (-not $allOk) { Write-Warning "the live site may be inconsistent: redeploy, or run with -Rollback" }
}

# [SECTION] Deploy and rollback ---------------------------------------------------------------------------

function Write-Summary($Lines) {
    Write-Host ''
    Write-Host 'Deployment Summary:' -ForegroundColor Cyan
    foreach ($k in $Lines.Keys) { Write-Host ("  • {0}: {1}" -f $k, $Lines[$k]) }
}

function Invoke-ProdGate([string]$What) {
    if (-not $script:NeedsConfirmation -or $WhatIfPreference) { return }
    Write-Progress -Id 1 -Activity "deploy-frontend $Environment" -Completed    # or the bar covers the question
    if (-not $PSCmdlet.ShouldProcess("$($script:Site.bucket) / $($script:Site.distributionId) ($Environment)", $What)) {
        Stop-Deploy "not confirmed: nothing was changed"
    }
}

function Invoke-Deploy($Run) {
    $root = Resolve-FromCurrentDirectory $BuildDir
    Write-Step "preflight: $root" 2
    $files = @(Get-BuildFiles $root)
    Assert-BuildComplete $files
    $html = @($files | Where-Object IsHtml)
    $workerFile = @($files | Where-Object IsWorker) | Select-Object -First 1
    $assets = @($files | Where-Object { -not $_.IsHtml -and -not $_.IsWorker })
    # This environment's config, twice: config.<hash>.json (immutable; the HTML names it, so a page and the
    # endpoint its CSP allows always come from one deploy) and /config.json (older pages, outside tools).
    $configText = (@{ websocketEndpoint = $script:Site.websocketEndpoint } | ConvertTo-Json -Compress)
    $configBytes = $Utf8NoBom.GetBytes($configText)
    $configSha = Get-HexDigest $configBytes 'SHA256'
    $hashedConfigKey = "config.$($configSha.Substring(0, $HashLength)).json"
    $hashedConfigPath = Join-Path $script:TempDir $hashedConfigKey
    [System.IO.File]::WriteAllBytes($hashedConfigPath, $configBytes)
    $assets += [pscustomobject]@{
        Key = $hashedConfigKey; Path = $hashedConfigPath; IsHtml = $false; ContentType = $ContentTypes['.json']; CacheControl = $CacheImmutable
        Bytes = $configBytes.Length; Sha256 = $configSha; Md5 = (Get-HexDigest $configBytes 'MD5')
    }
    $files += $assets[-1]
    $rewritten = @{}
    foreach ($page in $html) {
        $text = Set-CspConnectSrc ([System.IO.File]::ReadAllText($page.Path, $Utf8NoBom)) $script:Site.websocketEndpoint $page.Key
        $named = Set-ConfigReference $text $hashedConfigKey
        if ($null -eq $named) {
            if ($page.Key -eq 'index.html') { Write-Warning "index.html has no <script id=""bos-boot"">: it cannot name $hashedConfigKey and will read /config.json" }
        } else { $text = $named }
        $rewritten[$page.Key] = $text
    }
    # The service worker installs only over the page whose SHA-256 it names: the page as uploaded here.
    $workerText = $null
    if ($workerFile) {
        $workerText = [System.IO.File]::ReadAllText($workerFile.Path, $Utf8NoBom)
        if (-not $rewritten.ContainsKey('index.html')) { Stop-Deploy "$WorkerKey needs index.html in the build" }
        $pageSha = Get-HexDigest ($Utf8NoBom.GetBytes($rewritten['index.html'])) 'SHA256'
        if ([regex]::Matches($workerText, $WorkerIndexField).Count -ne 1) {
            Stop-Deploy "$WorkerKey has no ""index"":""<sha256>"" field (scripts/lib/assemble_site.py writes it): it would never install"
        }
        $workerText = [regex]::Replace($workerText, $WorkerIndexField, """index"":""$pageSha""")
    }

    $Run.AwsVersion = Assert-AwsRuns
    Assert-BucketAnswers
    Assert-CloudFrontDelivery
    $listing = Get-BucketListing
    $live = Read-LiveState $listing @($html.Key) @($WorkerKey)
    $previous = $live.Latest
    # A build without the offline shell over a live one: the installed workers must retire, or they keep
    # serving the build they cached.
    if (-not $workerText -and $listing.ContainsKey($WorkerKey)) { $workerText = $RetiringWorker }
    $taken = [System.Collections.Generic.HashSet[string]]::new()
    foreach ($k in $listing.Keys) { if ($k -match '^deploys/(.+)\.json$') { $null = $taken.Add($Matches[1]) } }
    $stamp = New-DeployId (Get-ShortCommit) $taken
    $Run.Id = $stamp.Id
    $now = $stamp.Time
    $nowText = Format-UtcTime $now

    # What this deploy will contain.
    $entryPoints = [ordered]@{}
    $fileRecords = [System.Collections.Generic.List[object]]::new()
    foreach ($a in $assets) {
        $fileRecords.Add([ordered]@{ key = $a.Key; sha256 = $a.Sha256; md5 = $a.Md5; bytes = $a.Bytes; contentType = $a.ContentType; cacheControl = $a.CacheControl })
    }
    foreach ($page in $html) {
        $bytes = $Utf8NoBom.GetBytes($rewritten[$page.Key])
        $entryPoints[$page.Key] = $rewritten[$page.Key]
        $fileRecords.Add([ordered]@{ key = $page.Key; sha256 = (Get-HexDigest $bytes 'SHA256'); md5 = (Get-HexDigest $bytes 'MD5'); bytes = $bytes.Length; contentType = $page.ContentType; cacheControl = $page.CacheControl })
    }
    $fileRecords.Add([ordered]@{ key = $ConfigKey; sha256 = (Get-HexDigest $configBytes 'SHA256'); md5 = (Get-HexDigest $configBytes 'MD5'); bytes = $configBytes.Length; contentType = $ContentTypes['.json']; cacheControl = $CacheConfig })
    $workers = [ordered]@{}
    if ($workerText) {
        $workerBytes = $Utf8NoBom.GetBytes($workerText)
        $workers[$WorkerKey] = $workerText
        $fileRecords.Add([ordered]@{ key = $WorkerKey; sha256 = (Get-HexDigest $workerBytes 'SHA256'); md5 = (Get-HexDigest $workerBytes 'MD5'); bytes = $workerBytes.Length; contentType = $ContentTypes['.js']; cacheControl = $CacheWorker })
    }

    # Assets the live deploy already uploaded with these exact bytes (and so these headers) are skipped.
    $previousFiles = @{}
    if ($previous) { foreach ($f in @($previous['files'])) { $previousFiles[[string]$f['key']] = $f } }
    $toUpload = @($assets | Where-Object { -not ($listing.ContainsKey($_.Key) -and $previousFiles.ContainsKey($_.Key) -and $previousFiles[$_.Key]['sha256'] -eq $_.Sha256) })

    # Prune plan: keep this deploy's files and the live one's (its HTML may be open in a tab right now).
    $keep = [System.Collections.Generic.HashSet[string]]::new()
    foreach ($k in @($files.Key) + @($previousFiles.Keys)) { $null = $keep.Add($k) }
    $previousRefs = if ($previous) { $previous['lastReferenced'] } else { @{} }
    $pruneKeys = Get-PrunePlan $listing $keep $previousRefs $now
    $refs = [ordered]@{}
    foreach ($k in $previousRefs.Keys | Sort-Object) { if ($listing.ContainsKey($k) -and $k -notin $pruneKeys -and -not $keep.Contains($k)) { $refs[$k] = $previousRefs[$k] } }
    foreach ($k in $keep | Sort-Object) { if ($k -match $HashedName) { $refs[$k] = $nowText } }

    $manifest = [ordered]@{
        schema            = 1
        deployId          = $Run.Id
        environment       = $Environment
        bucket            = $script:Site.bucket
        distributionId    = $script:Site.distributionId
        commit            = ($Run.Id -split '-', 2)[1]
        time              = $nowText
        previousDeployId  = if ($previous) { [string]$previous['deployId'] } else { $null }
        websocketEndpoint = $script:Site.websocketEndpoint
        configKey         = $hashedConfigKey
        files             = $fileRecords
        entryPoints       = $entryPoints
        config            = $configText
        workers           = $workers
        lastReferenced    = $refs
    }
    $manifestBytes = $Utf8NoBom.GetBytes(($manifest | ConvertTo-Json -Depth 10))
    $Run.Previous = $manifest.previousDeployId
    $Run.InvalidationPaths = @(@($html.Key | ForEach-Object { "/$_" }) + '/' + "/$ConfigKey" + @($workers.Keys | ForEach-Object { "/$_" }) | Select-Object -Unique)
    $Run.Counts = "$($toUpload.Count) assets uploaded, $($assets.Count - $toUpload.Count) unchanged, $($html.Count) HTML, config.json ($hashedConfigKey)"
    Write-Host ("    {0} files ({1} assets, {2} HTML), deploy id {3}, previous {4}" -f $files.Count, $assets.Count, $html.Count, $Run.Id, ($Run.Previous ?? 'none'))

    Invoke-ProdGate "Deploy $($Run.Id) ($($files.Count) files)"
    $ConfirmPreference = 'None'   # decided: the steps below never prompt (-WhatIf still applies)

    # Assets first: nothing live references them yet.
    $i = 0
    foreach ($a in $toUpload) {
        $i++
        Write-Progress -Id 1 -Activity "deploy-frontend $Environment" -Status "asset $i of $($toUpload.Count): $($a.Key)" -PercentComplete (5 + 50 * $i / [Math]::Max(1, $toUpload.Count))
        Send-S3Object $a.Key $a.Path $a.ContentType $a.CacheControl
    }
    Write-Step "assets: $($toUpload.Count) uploaded, $($assets.Count - $toUpload.Count) already in the bucket" 55

    Write-Step "config.json and manifest deploys/$($Run.Id).json" 60
    $Run.Touched[$ConfigKey] = $live.Objects[$ConfigKey]
    $Run.Touched["$ManifestPrefix$($Run.Id).json"] = $null
    $Run.Touched[$LatestKey] = $live.LatestBytes
    Send-S3Batch ([ordered]@{ $ConfigKey = $configBytes; "$ManifestPrefix$($Run.Id).json" = $manifestBytes; $LatestKey = $manifestBytes }) $ContentTypes['.json'] $CacheConfig

    Write-Step "HTML: $($html.Key -join ', ') (connect-src 'self' $($script:Site.websocketEndpoint))" 70
    foreach ($page in $html) {
        $Run.Touched[$page.Key] = $live.Objects[$page.Key]
        Send-S3Bytes $page.Key ($Utf8NoBom.GetBytes($rewritten[$page.Key])) $page.ContentType $page.CacheControl
        $Run.HtmlLive = -not $WhatIfPreference
    }
    foreach ($key in $workers.Keys) {
        Write-Step "$key (the offline shell's worker, $CacheWorker), after the page it installs over" 75
        $Run.Touched[$key] = $live.Objects[$key]
        Send-S3Bytes $key ($Utf8NoBom.GetBytes([string]$workers[$key])) $ContentTypes['.js'] $CacheWorker
    }

    Write-Step "invalidation: $($Run.InvalidationPaths -join ' ')" 80
    $Run.Invalidation = New-Invalidation $Run.InvalidationPaths $Run.Id

    Write-Step "prune: $($pruneKeys.Count) unreferenced hashed objects (grace $PruneOlderThanDays days)" 90
    if ($pruneKeys.Count) { Remove-S3Objects $pruneKeys }
    $Run.Pruned = $pruneKeys.Count
}

function Invoke-Rollback($Run) {
    Write-Step 'preflight: the live deploy and the one before it' 2
    $Run.AwsVersion = Assert-AwsRuns
    Assert-BucketAnswers
    $listing = Get-BucketListing
    if (-not $listing.ContainsKey($LatestKey)) { Stop-Deploy "nothing to roll back: s3://$($script:Site.bucket)/$LatestKey does not exist" }
    $current = (Read-Manifest $LatestKey).Manifest
    $targetId = [string]$current['previousDeployId']
    if (-not $targetId) { Stop-Deploy "nothing to roll back to: deploy $($current['deployId']) has no previous deploy" }
    $targetKey = "$ManifestPrefix$targetId.json"
    if (-not $listing.ContainsKey($targetKey)) { Stop-Deploy "cannot roll back: the manifest $targetKey is missing" }
    $target = (Read-Manifest $targetKey).Manifest
    $missing = @($target['files'] | Where-Object { $_['key'] -match $HashedName -and -not $listing.ContainsKey([string]$_['key']) } | ForEach-Object { $_['key'] })
    if ($missing.Count) { Stop-Deploy "cannot roll back to $targetId`: its assets are no longer in the bucket: $($missing -join ', ')" }
    $htmlKeys = @($target['entryPoints'].Keys)
    $live = Read-LiveState $listing $htmlKeys @($WorkerKey)
    # Its worker as it was uploaded; a deploy from before the offline shell had none: if one is live now,
    # the retiring worker replaces it (browsers would otherwise keep serving the newer build they cached).
    $workers = [ordered]@{}
    if ($target['workers']) { foreach ($k in $target['workers'].Keys) { $workers[$k] = [string]$target['workers'][$k] } }
    if (-not $workers.Contains($WorkerKey) -and $listing.ContainsKey($WorkerKey)) { $workers[$WorkerKey] = $RetiringWorker }

    $now = (Get-Date).ToUniversalTime()
    $nowText = Format-UtcTime $now
    $Run.Id = '{0}-rollback-to-{1}' -f $now.ToString("yyyyMMdd'T'HHmmss'Z'", [cultureinfo]::InvariantCulture), $targetId
    $Run.Previous = [string]$current['deployId']
    $Run.RolledBackTo = $targetId
    $Run.InvalidationPaths = @(@($htmlKeys | ForEach-Object { "/$_" }) + '/' + "/$ConfigKey" + @($workers.Keys | ForEach-Object { "/$_" }) | Select-Object -Unique)
    $Run.Counts = "HTML $($htmlKeys -join ', ') and config.json of $targetId"

    # latest.json names the restored deploy again; what the rolled-back deploy used counts as referenced until now.
    $pointer = [ordered]@{}
    foreach ($k in $target.Keys) { $pointer[$k] = $target[$k] }
    $refs = [ordered]@{}
    foreach ($k in $current['lastReferenced'].Keys) { $refs[$k] = $current['lastReferenced'][$k] }
    foreach ($f in @($current['files']) + @($target['files'])) { if ($f['key'] -match $HashedName) { $refs[[string]$f['key']] = $nowText } }
    $pointer['lastReferenced'] = $refs
    $pointer['rolledBackFrom'] = $Run.Previous
    $pointer['rolledBackAt'] = $nowText
    $pointerBytes = $Utf8NoBom.GetBytes(($pointer | ConvertTo-Json -Depth 10))
    Write-Host "    live $($Run.Previous) -> $targetId"

    Invoke-ProdGate "Roll back $($Run.Previous) to $targetId"
    $ConfirmPreference = 'None'

    Write-Step "config.json and $LatestKey of $targetId" 40
    $Run.Touched[$ConfigKey] = $live.Objects[$ConfigKey]
    $Run.Touched[$LatestKey] = $live.LatestBytes
    Send-S3Batch ([ordered]@{ $ConfigKey = $Utf8NoBom.GetBytes([string]$target['config']); $LatestKey = $pointerBytes }) $ContentTypes['.json'] $CacheConfig

    Write-Step "HTML of $targetId`: $($htmlKeys -join ', ')" 60
    foreach ($key in $htmlKeys) {
        $Run.Touched[$key] = $live.Objects[$key]
        Send-S3Bytes $key ($Utf8NoBom.GetBytes([string]$target['entryPoints'][$key])) $ContentTypes['.html'] $CacheHtml
        $Run.HtmlLive = -not $WhatIfPreference
    }
    foreach ($key in $workers.Keys) {
        Write-Step "$key of $targetId" 70
        $Run.Touched[$key] = $live.Objects[$key]
        Send-S3Bytes $key ($Utf8NoBom.GetBytes([string]$workers[$key])) $ContentTypes['.js'] $CacheWorker
    }

    Write-Step "invalidation: $($Run.InvalidationPaths -join ' ')" 80
    $Run.Invalidation = New-Invalidation $Run.InvalidationPaths $Run.Id
}

# [SECTION] Main ------------------------------------------------------------------------------------------

$script:TempDir = Join-Path ([System.IO.Path]::GetTempPath()) ('bos-deploy-' + [guid]::NewGuid().ToString('n'))
$run = [pscustomobject]@{
    Id = $null; Previous = $null; RolledBackTo = $null; AwsVersion = $null; Counts = $null
    Touched = [ordered]@{}; HtmlLive = $false; InvalidationPaths = @(); Invalidation = $null; Pruned = 0
}
$exitCode = 0
# Who must confirm: -Confirm decides when given; otherwise prod only. Decided before any cmdlet runs, so
# nothing but the gate below ever prompts (-Confirm would otherwise reach every cmdlet that supports it).
$script:NeedsConfirmation = if ($PSBoundParameters.ContainsKey('Confirm')) { [bool]$PSBoundParameters['Confirm'] } else { $Environment -eq 'prod' }
if ($WhatIfPreference) { $script:NeedsConfirmation = $false }
$ConfirmPreference = if ($script:NeedsConfirmation) { 'High' } else { 'None' }
try {
    # Nobody can answer a prompt in a non-interactive session: fail now, before anything is read.
    if ($script:NeedsConfirmation -and -not (Test-InteractiveSession)) {
        Stop-Deploy ("$Environment needs a confirmation, and this session is non-interactive (CI, -NonInteractive or redirected input). " +
            "To deploy without a prompt, pass -Confirm:`$false; to see what would change, pass -WhatIf.")
    }
    $null = [System.IO.Directory]::CreateDirectory($script:TempDir)   # not New-Item: -WhatIf would skip it
    $script:Site = Read-EnvironmentConfig $Environment

    if ($Rollback) { Invoke-Rollback $run } else { Invoke-Deploy $run }

    if ($Wait -and $run.Invalidation) {
        Write-Step "waiting for invalidation $($run.Invalidation.Id) (up to $WaitTimeoutSec s)" 95
        $run.Invalidation.Status = Wait-Invalidation $run.Invalidation
    }
} catch {
    $exitCode = 1
    $message = $_.Exception.Message
    if ($_.Exception -isnot [System.InvalidOperationException]) { $message += " (at $(($_.ScriptStackTrace -split "`n")[0]))" }   # a bug, not a deploy failure
    Write-Progress -Id 1 -Activity "deploy-frontend $Environment" -Completed
    Write-Host "deploy-frontend: FAILED: $message" -ForegroundColor Red
    if ($run.Touched.Count -and -not $WhatIfPreference) { Restore-LiveSite $run }
    $ErrorActionPreference = 'Continue'
    $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(
        [System.Exception]::new("deploy-frontend ($Environment) failed, exit 1: $message"), 'DeployFailed', 'NotSpecified', $Environment))
} finally {
    if ([System.IO.Directory]::Exists($script:TempDir)) { [System.IO.Directory]::Delete($script:TempDir, $true) }
}
if ($exitCode -ne 0) { exit $exitCode }

Write-Progress -Id 1 -Activity "deploy-frontend $Environment" -Completed
$lines = [ordered]@{
    'Environment' = $Environment
    'S3 Bucket'   = $script:Site.bucket
    'CloudFront'  = $script:Site.distributionId
    'Deploy id'   = $run.Id
}
if ($Rollback) { $lines['Rolled back'] = "$($run.Previous) -> $($run.RolledBackTo)" } else { $lines['Previous'] = $run.Previous ?? 'none' }
$lines['Files'] = $run.Counts
$lines['Cache'] = if ($run.Invalidation) { "invalidated $($run.InvalidationPaths -join ' ') ($($run.Invalidation.Id), $($run.Invalidation.Status))" } else { 'not invalidated' }
if (-not $Rollback) { $lines['Pruned'] = "$($run.Pruned) unreferenced hashed objects" }
$lines['AWS CLI'] = "$($run.AwsVersion) ($script:AwsCallCount calls)"
$lines['URL'] = $script:Site.publicUrl
if ($WhatIfPreference) { $lines['WhatIf'] = 'nothing was changed' }
Write-Summary $lines
exit 0
