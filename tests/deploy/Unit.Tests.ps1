# Unit tests of scripts/deploy-frontend.ps1 with a mocked `aws` (Pester creates a function named aws; the
# script calls it through -AwsCli aws). The mock answers like the CLI, records every call's arguments ($args:
# a native command has no parameters) and sets $global:LASTEXITCODE itself, because mocks do not.
#
# Index
#   [SECTION] The aws mock                 answers like the CLI, records every call
#   [SECTION] Deploying with a mocked aws  order, headers, config, CSP, invalidation, prune, failures
#   [SECTION] Preflight failures           nothing changes
#   [SECTION] The prod guard               confirmation, -WhatIf, unknown environments

# [SECTION] The aws mock -------------------------------------------------------------------------------------

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'support/DeployTestKit.psm1') -Force
    $script:Deploy = Get-DeployScriptPath
    $script:Work = New-TestTempDir 'bos-deploy-unit'
    $script:Fixture = New-FixtureDist (Join-Path $Work 'dist') -WithJunk
    $script:Dist = $Fixture.Path
    # scripts/build writes precompressed siblings for the dev server; the deploy must leave them out.
    foreach ($name in 'app.js', 'app.wasm', 'index.html') {
        $f = Join-Path $Dist $Fixture.Names[$name]
        foreach ($ext in '.br', '.gz') { [System.IO.File]::WriteAllBytes("$f$ext", [byte[]](1, 2, 3)) }
    }
    $ProgressPreference = 'SilentlyContinue'
    # Mock needs a command to stand in for; this machine may have no aws on PATH.
    if (-not (Get-Command aws -ErrorAction SilentlyContinue)) { function global:aws { throw 'aws must be mocked here' } }

    function Get-Md5Hex([byte[]]$Bytes) { [Convert]::ToHexString([System.Security.Cryptography.MD5]::HashData($Bytes)).ToLowerInvariant() }

    # A live deploy as a previous run would have left it: its manifest, HTML, config, and one old orphan.
    function New-LiveBucket {
        $html = '<!doctype html><meta http-equiv="Content-Security-Policy" content="connect-src ''self'' wss://websocket-api-dev.buildingos.com"><script src="app.1111111111.js"></script>'
        $config = '{"websocketEndpoint":"wss://websocket-api-dev.buildingos.com"}'
        $manifest = [ordered]@{
            schema = 1; deployId = '20261101T000000Z-aaaaaaa'; environment = 'dev'; time = '2026-11-01T00:00:00Z'; previousDeployId = $null
            files = @(@{ key = 'app.1111111111.js'; sha256 = 'x' }, @{ key = 'index.html'; sha256 = 'y' }, @{ key = 'config.json'; sha256 = 'z' })
            entryPoints = @{ 'index.html' = $html }; config = $config; lastReferenced = @{}
        } | ConvertTo-Json -Depth 6
        $utf8 = [System.Text.UTF8Encoding]::new($false)
        $objects = @{
            'deploys/latest.json'                    = $utf8.GetBytes($manifest)
            'deploys/20261101T000000Z-aaaaaaa.json'  = $utf8.GetBytes($manifest)
            'index.html'                             = $utf8.GetBytes($html)
            'config.json'                            = $utf8.GetBytes($config)
            'app.1111111111.js'                      = $utf8.GetBytes('old')
            'orphan.2222222222.js'                   = $utf8.GetBytes('orphan')
            'legacy-page.html'                       = $utf8.GetBytes('legacy')
        }
        $old = (Get-Date).ToUniversalTime().AddDays(-30).ToString('yyyy-MM-ddTHH:mm:ss+00:00')
        $listing = foreach ($k in $objects.Keys) { @{ Key = $k; LastModified = $old; ETag = '"' + (Get-Md5Hex $objects[$k]) + '"'; Size = $objects[$k].Length } }
        @{ Objects = $objects; Listing = @($listing); LiveHtml = $html }
    }

    function Reset-AwsMock([switch]$Empty) {
        $live = if ($Empty) { @{ Objects = @{}; Listing = @(); LiveHtml = $null } } else { New-LiveBucket }
        $global:AwsMock = @{
            Calls = [System.Collections.Generic.List[string]]::new()
            Puts = [System.Collections.Generic.List[object]]::new()     # @{ Key; Body; Args }
            Batches = [System.Collections.Generic.List[object]]::new()  # invalidation batches
            Objects = $live.Objects; Listing = $live.Listing; LiveHtml = $live.LiveHtml
            FailMatch = ''; InvalidationStatus = 'InProgress'; DeleteErrors = @()
            CloudFront = New-CloudFrontSettings
        }
    }

    # The distribution as the CLI prints it (get-distribution-config, get-cache-policy,
    # get-response-headers-policy): what docs/deploy.md asks for, unless a test changes it.
    function New-CloudFrontSettings {
        @{
            Default = @{ TargetOriginId = 'site'; Compress = $true; CachePolicyId = 'policy-site'; ResponseHeadersPolicyId = 'headers-site' }
            Behaviors = @(
                @{ PathPattern = 'deploys/*'; Compress = $false; CachePolicyId = 'policy-none' }
            )
            Policies = @{
                'policy-site' = @{ Name = 'site'; MinTTL = 0; ParametersInCacheKeyAndForwardedToOrigin = @{ EnableAcceptEncodingGzip = $true; EnableAcceptEncodingBrotli = $true } }
                'policy-none' = @{ Name = 'none'; MinTTL = 0; ParametersInCacheKeyAndForwardedToOrigin = @{ EnableAcceptEncodingGzip = $false; EnableAcceptEncodingBrotli = $false } }
            }
            Headers = @{
                'headers-site' = @{ Name = 'security'; SecurityHeadersConfig = @{
                    StrictTransportSecurity = @{ Override = $true; IncludeSubdomains = $true; AccessControlMaxAgeSec = 63072000 }
                    ContentTypeOptions = @{ Override = $true }
                    ContentSecurityPolicy = @{ Override = $true; ContentSecurityPolicy = "frame-ancestors 'none'" } } }
            }
        }
    }

    # The mock's answer to a CloudFront read, or $null for any other call.
    function Get-CloudFrontAnswer([string[]]$A) {
        $cf = $global:AwsMock.CloudFront
        $id = Get-ArgValue $A '--id'
        switch ((@($A | Select-Object -First 2) -join ' ')) {
            'cloudfront get-distribution-config' {
                return (@{ ETag = 'E1'; DistributionConfig = @{ CallerReference = 'x'; DefaultCacheBehavior = $cf.Default
                    CacheBehaviors = @{ Quantity = $cf.Behaviors.Count; Items = $cf.Behaviors } } } | ConvertTo-Json -Depth 12)
            }
            'cloudfront get-cache-policy' {
                if (-not $cf.Policies.ContainsKey($id)) { $global:LASTEXITCODE = 254; return '' }
                return (@{ ETag = 'E2'; CachePolicy = @{ Id = $id; CachePolicyConfig = $cf.Policies[$id] } } | ConvertTo-Json -Depth 12)
            }
            'cloudfront get-response-headers-policy' {
                if (-not $cf.Headers.ContainsKey($id)) { $global:LASTEXITCODE = 254; return '' }
                return (@{ ETag = 'E3'; ResponseHeadersPolicy = @{ Id = $id; ResponseHeadersPolicyConfig = $cf.Headers[$id] } } | ConvertTo-Json -Depth 12)
            }
        }
        $null
    }

    function Get-ArgValue([string[]]$A, [string]$Name) { $i = [array]::IndexOf($A, $Name); if ($i -ge 0) { $A[$i + 1] } else { $null } }

    # Only subcommands and keys, in call order: "s3api put-object app.x.js", "cloudfront create-invalidation".
    function Get-CallSummary {
        foreach ($line in $global:AwsMock.Calls) {
            $a = $line -split ' '
            $key = Get-ArgValue $a '--key'
            ("$($a[0]) $($a[1]) $key").Trim()
        }
    }

    function Invoke-MockedDeploy([hashtable]$Extra = @{}) {
        $params = @{ Environment = 'dev'; BuildDir = $Dist; AwsCli = 'aws'; S3EndpointUrl = 'http://127.0.0.1:9'; CloudFrontEndpointUrl = 'http://127.0.0.1:8' }
        foreach ($k in $Extra.Keys) { $params[$k] = $Extra[$k] }
        $global:LASTEXITCODE = 0
        $out = & $Deploy @params *>&1 | ForEach-Object { "$_" }
        [pscustomobject]@{ ExitCode = $global:LASTEXITCODE; Output = ($out -join "`n") }
    }

    $script:ChangingOps = 'put-object|delete-object|delete-objects|copy-object|create-invalidation|^s3 (cp|sync|rm|mv)'
}

AfterAll {
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Variable -Scope Global -Name AwsMock -ErrorAction SilentlyContinue
}

# [SECTION] Deploying with a mocked aws ----------------------------------------------------------------------

Describe 'deploy-frontend.ps1 with a mocked aws' {
    BeforeEach {
        Reset-AwsMock
        Mock aws {
            $m = $global:AwsMock
            $a = [string[]]@($args | ForEach-Object { "$_" })
            $line = $a -join ' '
            $m.Calls.Add($line)
            $global:LASTEXITCODE = 0
            if ($m.FailMatch -and $line -match $m.FailMatch) { $global:LASTEXITCODE = 255; Write-Error 'injected failure' -ErrorAction Continue; return }
            $arg = { param($n) $i = [array]::IndexOf($a, $n); if ($i -ge 0) { $a[$i + 1] } }
            switch ((@($a | Select-Object -First 2) -join ' ')) {
                '--version' { 'aws-cli/2.9.19 Python/3.11.2 Linux/6 source/x86_64.debian.12 prompt/off' }
                's3api head-bucket' { '' }
                's3api list-objects-v2' { if ($m.Listing.Count) { @{ Contents = $m.Listing } | ConvertTo-Json -Depth 5 } else { '' } }
                's3api get-object' {
                    $key = & $arg '--key'
                    if (-not $m.Objects.ContainsKey($key)) { $global:LASTEXITCODE = 254; return }
                    [System.IO.File]::WriteAllBytes($a[6], $m.Objects[$key])
                    '{"ContentLength": 1}'
                }
                's3api put-object' {
                    $m.Puts.Add(@{ Key = (& $arg '--key'); Body = [System.IO.File]::ReadAllBytes((& $arg '--body')); Args = $a })
                    '{"ETag": "\"0\""}'
                }
                's3 cp' {
                    $stage = $a[2]
                    foreach ($f in Get-ChildItem -LiteralPath $stage -Recurse -File) {
                        $key = [System.IO.Path]::GetRelativePath($stage, $f.FullName).Replace('\', '/')
                        $m.Puts.Add(@{ Key = $key; Body = [System.IO.File]::ReadAllBytes($f.FullName); Args = $a })
                    }
                }
                's3api delete-objects' {
                    $body = Get-Content -Raw ((& $arg '--delete') -replace '^file://', '') | ConvertFrom-Json
                    $m.Puts.Add(@{ Key = 'DELETE'; Body = $null; Args = $a; Deleted = @($body.Objects.Key) })
                    if ($m.DeleteErrors.Count) { @{ Errors = $m.DeleteErrors } | ConvertTo-Json -Depth 4 } else { '{}' }
                }
                'cloudfront create-invalidation' {
                    $batch = Get-Content -Raw ((& $arg '--invalidation-batch') -replace '^file://', '') | ConvertFrom-Json -AsHashtable
                    $m.Batches.Add($batch)
                    @{ Invalidation = @{ Id = "IUNIT$($m.Batches.Count)"; Status = 'InProgress' } } | ConvertTo-Json -Depth 4
                }
                'cloudfront get-invalidation' { @{ Invalidation = @{ Id = (& $arg '--id'); Status = $m.InvalidationStatus } } | ConvertTo-Json -Depth 4 }
                { $_ -in 'cloudfront get-distribution-config', 'cloudfront get-cache-policy', 'cloudfront get-response-headers-policy' } { Get-CloudFrontAnswer $a }
                default { $global:LASTEXITCODE = 2; Write-Error "unexpected aws call: $line" -ErrorAction Continue }
            }
        }
    }

    It 'uploads the hashed assets, then config.json and the manifests, then the HTML, then invalidates, then prunes' {
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $calls = @(Get-CallSummary)
        $assetPuts = @(0..($calls.Count - 1) | Where-Object { $calls[$_] -match '^s3api put-object .+\.[0-9a-f]{10}\.' })
        $cp = [array]::IndexOf($calls, 's3 cp')
        $html = [array]::IndexOf($calls, 's3api put-object index.html')
        $inv = [array]::IndexOf($calls, 'cloudfront create-invalidation')
        $prune = [array]::IndexOf($calls, 's3api delete-objects')
        $assetPuts.Count | Should -Be $Fixture.Names.Count     # every asset but the HTML, and config.<hash>.json
        $cp | Should -BeGreaterThan ($assetPuts | Measure-Object -Maximum).Maximum
        $html | Should -BeGreaterThan $cp
        $inv | Should -BeGreaterThan $html
        $prune | Should -BeGreaterThan $inv
        @($global:AwsMock.Puts | Where-Object Key -eq 'DELETE').Deleted | Should -Be @('orphan.2222222222.js')
        # The live deploy's asset (its HTML may be open in a tab) and unhashed objects are never pruned.
        @($global:AwsMock.Puts | Where-Object Key -eq 'DELETE').Deleted | Should -Not -Contain 'app.1111111111.js'
    }

    It 'sets Content-Type and Cache-Control from the fixed map on every object' {
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $expected = @{
            '.js' = 'text/javascript'; '.wasm' = 'application/wasm'; '.css' = 'text/css'; '.svg' = 'image/svg+xml'
            '.webmanifest' = 'application/manifest+json'; '.ttf' = 'font/ttf'; '.woff2' = 'font/woff2'; '.png' = 'image/png'
            '.ico' = 'image/x-icon'; '.txt' = 'text/plain; charset=utf-8'; '.html' = 'text/html; charset=utf-8'; '.json' = 'application/json'
        }
        $seen = @{}
        foreach ($p in $global:AwsMock.Puts | Where-Object Key -ne 'DELETE') {
            $ext = [System.IO.Path]::GetExtension($p.Key)
            $seen[$ext] = $true
            Get-ArgValue $p.Args '--content-type' | Should -BeExactly $expected[$ext] -Because $p.Key
            $cache = Get-ArgValue $p.Args '--cache-control'
            switch -Regex ($p.Key) {
                '^index\.html$' { $cache | Should -BeExactly 'public, max-age=300' }
                '^(config\.json|deploys/.+\.json)$' { $cache | Should -BeExactly 'public, max-age=60' }
                default { $cache | Should -BeExactly 'public, max-age=31536000, immutable' -Because $p.Key }
            }
        }
        @($seen.Keys | Sort-Object) | Should -Be @($expected.Keys | Sort-Object)
    }

    It 'writes this environment''s config.json and a manifest naming the files, hashes, commit and previous deploy' {
        $r = Invoke-MockedDeploy @{ Environment = 'staging' }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $config = $global:AwsMock.Puts | Where-Object Key -eq 'config.json'
        [System.Text.Encoding]::UTF8.GetString($config.Body) | Should -BeExactly '{"websocketEndpoint":"wss://websocket-api-staging.buildingos.com"}'
        $latest = [System.Text.Encoding]::UTF8.GetString(($global:AwsMock.Puts | Where-Object Key -eq 'deploys/latest.json').Body) | ConvertFrom-Json -AsHashtable
        $own = $global:AwsMock.Puts | Where-Object Key -eq "deploys/$($latest.deployId).json"
        $own | Should -Not -BeNullOrEmpty
        $latest.previousDeployId | Should -Be '20261101T000000Z-aaaaaaa'
        $latest.commit | Should -Be (& git -C (Split-Path (Split-Path $Deploy)) rev-parse --short=7 HEAD)
        $wasm = $latest.files | Where-Object { $_.key -eq $Fixture.Names['app.wasm'] }
        $wasm.sha256 | Should -Be ((Get-FileHash (Join-Path $Dist $Fixture.Names['app.wasm']) -Algorithm SHA256).Hash.ToLowerInvariant())
    }

    It 'rewrites the CSP connect-src to this environment''s endpoint only' {
        $r = Invoke-MockedDeploy @{ Environment = 'staging' }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $html = [System.Text.Encoding]::UTF8.GetString(($global:AwsMock.Puts | Where-Object Key -eq 'index.html').Body)
        $html | Should -Match ([regex]::Escape("; connect-src 'self' wss://websocket-api-staging.buildingos.com; manifest-src 'self';"))
        $html | Should -Not -Match 'ws://localhost|ws://127\.0\.0\.1'
        # Everything else in the page is as built.
        $built = Get-Content -Raw (Join-Path $Dist 'index.html')
        $html = $html -replace ' data-config="config\.[0-9a-f]{10}\.json"', ''
        $html.Replace("connect-src 'self' wss://websocket-api-staging.buildingos.com", "connect-src 'self' ws://localhost:* ws://127.0.0.1:*") | Should -BeExactly $built
    }

    It 'skips deny-listed files (source maps, Markdown, dotfiles, test fixtures) with a warning' {
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 0 -Because $r.Output
        foreach ($junk in "$($Fixture.Names['app.js']).map", 'README.md', '.DS_Store', '.git/HEAD', 'tests/fixture.json', '__tests__/app.js', 'app.test.js') {
            $r.Output | Should -Match ([regex]::Escape("skipping $junk ("))
            @($global:AwsMock.Puts.Key) | Should -Not -Contain $junk
        }
    }

    It 'invalidates only /index.html, / and /config.json with the deploy id as CallerReference' {
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $global:AwsMock.Batches.Count | Should -Be 1
        $batch = $global:AwsMock.Batches[0]
        @($batch.Paths.Items) | Should -Be @('/index.html', '/', '/config.json')
        $batch.Paths.Quantity | Should -Be 3
        $batch.CallerReference | Should -Match '^\d{8}T\d{6}Z-[0-9a-f]{7}$'
        $latest = [System.Text.Encoding]::UTF8.GetString(($global:AwsMock.Puts | Where-Object Key -eq 'deploys/latest.json').Body) | ConvertFrom-Json
        $batch.CallerReference | Should -BeExactly $latest.deployId
    }

    It 'passes --profile only when -Profile is given, each endpoint only to its service, and never calls STS' {
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $global:AwsMock.Calls | Should -Not -Match '--profile'
        $global:AwsMock.Calls | Should -Not -Match '^sts '
        foreach ($c in $global:AwsMock.Calls | Where-Object { $_ -match '^s3' }) { $c | Should -Match '--endpoint-url http://127\.0\.0\.1:9( |$)' }
        foreach ($c in $global:AwsMock.Calls | Where-Object { $_ -match '^cloudfront' }) { $c | Should -Match '--endpoint-url http://127\.0\.0\.1:8( |$)' }
        foreach ($c in $global:AwsMock.Calls | Where-Object { $_ -ne '--version' }) { $c | Should -Match '--region us-east-1' }

        Reset-AwsMock
        $r = Invoke-MockedDeploy @{ Profile = 'buildingos' }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        foreach ($c in $global:AwsMock.Calls | Where-Object { $_ -ne '--version' }) { $c | Should -Match '--profile buildingos( |$)' }
    }

    It '-WhatIf makes no changing call' {
        $r = Invoke-MockedDeploy @{ WhatIf = $true }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $global:AwsMock.Calls | Should -Not -Match $ChangingOps
        $global:AwsMock.Calls.Count | Should -BeGreaterThan 0
        $r.Output | Should -Match 'nothing was changed'
    }

    It 'a non-zero exit code from aws before the HTML stops the deploy: exit 1, the HTML and the invalidation never happen' {
        $global:AwsMock.FailMatch = '^s3api put-object .*--key app\.[0-9a-f]+\.wasm'
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match 'exit code 255'
        $calls = @(Get-CallSummary)
        $calls | Should -Not -Contain 's3api put-object index.html'
        $calls | Should -Not -Contain 's3 cp'
        $calls | Should -Not -Contain 'cloudfront create-invalidation'
    }

    It 'a failure after the HTML upload re-uploads the previous HTML, then exits 1' {
        $global:AwsMock.FailMatch = '^s3api delete-objects'
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 1
        $htmlPuts = @($global:AwsMock.Puts | Where-Object Key -eq 'index.html')
        $htmlPuts.Count | Should -Be 2
        [System.Text.Encoding]::UTF8.GetString($htmlPuts[1].Body) | Should -BeExactly $global:AwsMock.LiveHtml
        $restored = $global:AwsMock.Puts | Where-Object Key -eq 'deploys/latest.json' | Select-Object -Last 1
        [System.Text.Encoding]::UTF8.GetString($restored.Body) | Should -BeExactly ([System.Text.Encoding]::UTF8.GetString($global:AwsMock.Objects['deploys/latest.json']))
        @($global:AwsMock.Batches.CallerReference)[-1] | Should -Match '-restore$'
    }

    It 'delete-objects reporting per-key errors (with exit code 0) fails the run' {
        $global:AwsMock.DeleteErrors = @(@{ Key = 'orphan.2222222222.js'; Code = 'AccessDenied'; Message = 'no' })
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match 'could not delete: orphan\.2222222222\.js \(AccessDenied\)'
    }

    It '-Wait polls get-invalidation itself, and a timeout is only a warning' {
        $r = Invoke-MockedDeploy @{ Wait = $true; WaitTimeoutSec = 2 }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match "is still 'InProgress' after 2 s"
        @(Get-CallSummary) | Should -Contain 'cloudfront get-invalidation'
        $global:AwsMock.Calls | Should -Not -Match 'wait invalidation-completed'

        Reset-AwsMock
        $global:AwsMock.InvalidationStatus = 'Completed'
        $r = Invoke-MockedDeploy @{ Wait = $true; WaitTimeoutSec = 30 }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'IUNIT1, Completed'
    }

    It '-BuildDir is relative to the current PowerShell location' {
        Push-Location $Work
        try {
            [Environment]::CurrentDirectory | Should -Not -Be $Work -Because 'the test must tell the two apart'
            $r = Invoke-MockedDeploy @{ BuildDir = 'dist' }
        } finally { Pop-Location }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        @($global:AwsMock.Puts.Key) | Should -Contain $Fixture.Names['app.wasm']
    }

    It 'counts the grace period from the last time a live deploy referenced an object, not from its upload' {
        $utf8 = [System.Text.UTF8Encoding]::new($false)
        $latest = [System.Text.Encoding]::UTF8.GetString($global:AwsMock.Objects['deploys/latest.json']) | ConvertFrom-Json -AsHashtable
        $latest.lastReferenced = @{
            'recent.3333333333.js' = (Get-Date).ToUniversalTime().AddDays(-2).ToString('yyyy-MM-ddTHH:mm:ssZ')
            'stale.4444444444.js'  = (Get-Date).ToUniversalTime().AddDays(-9).ToString('yyyy-MM-ddTHH:mm:ssZ')
        }
        $global:AwsMock.Objects['deploys/latest.json'] = $utf8.GetBytes(($latest | ConvertTo-Json -Depth 6))
        $global:AwsMock.Listing = @($global:AwsMock.Listing | Where-Object { $_.Key -ne 'deploys/latest.json' })
        $old = (Get-Date).ToUniversalTime().AddDays(-30).ToString('yyyy-MM-ddTHH:mm:ss+00:00')
        $global:AwsMock.Listing += @{ Key = 'deploys/latest.json'; LastModified = $old; ETag = '"0"' }
        foreach ($k in 'recent.3333333333.js', 'stale.4444444444.js') { $global:AwsMock.Listing += @{ Key = $k; LastModified = $old; ETag = '"0"' } }
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $deleted = @($global:AwsMock.Puts | Where-Object Key -eq 'DELETE').Deleted
        $deleted | Should -Contain 'stale.4444444444.js'
        $deleted | Should -Contain 'orphan.2222222222.js'
        $deleted | Should -Not -Contain 'recent.3333333333.js'
        # The new manifest carries the history on, for the next prune.
        $new = [System.Text.Encoding]::UTF8.GetString(($global:AwsMock.Puts | Where-Object Key -eq 'deploys/latest.json').Body) | ConvertFrom-Json -AsHashtable
        $new.lastReferenced.Keys | Should -Contain 'recent.3333333333.js'
        $new.lastReferenced.Keys | Should -Not -Contain 'stale.4444444444.js'
        $new.lastReferenced['app.1111111111.js'] | Should -Be $new.time
    }

    It 'names config.<hash>.json in the HTML and uploads it, immutable and before the HTML, with the bytes of /config.json' {
        $r = Invoke-MockedDeploy @{ Environment = 'staging' }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $expected = '{"websocketEndpoint":"wss://websocket-api-staging.buildingos.com"}'
        $utf8 = [System.Text.UTF8Encoding]::new($false)
        $key = 'config.' + [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($utf8.GetBytes($expected))).ToLowerInvariant().Substring(0, 10) + '.json'
        $hashed = @($global:AwsMock.Puts | Where-Object Key -eq $key)
        $hashed.Count | Should -Be 1
        $utf8.GetString($hashed[0].Body) | Should -BeExactly $expected
        Get-ArgValue $hashed[0].Args '--cache-control' | Should -BeExactly 'public, max-age=31536000, immutable'
        Get-ArgValue $hashed[0].Args '--content-type' | Should -BeExactly 'application/json'
        $utf8.GetString(($global:AwsMock.Puts | Where-Object Key -eq 'config.json').Body) | Should -BeExactly $expected
        # The page that allows this endpoint in its CSP is the page that names this config.
        $html = $utf8.GetString(($global:AwsMock.Puts | Where-Object Key -eq 'index.html').Body)
        $html | Should -Match ('<script id="bos-boot"[^>]* data-config="' + [regex]::Escape($key) + '">')
        $html | Should -Match ([regex]::Escape("connect-src 'self' wss://websocket-api-staging.buildingos.com;"))
        $calls = @(Get-CallSummary)
        [array]::IndexOf($calls, "s3api put-object $key") | Should -BeLessThan ([array]::IndexOf($calls, 's3api put-object index.html'))
        $latest = $utf8.GetString(($global:AwsMock.Puts | Where-Object Key -eq 'deploys/latest.json').Body) | ConvertFrom-Json -AsHashtable
        $latest.configKey | Should -BeExactly $key
        @($latest.files.key) | Should -Contain $key
    }

    It 'leaves the precompressed .br/.gz siblings out: CloudFront compresses at the edge' {
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match '6 precompressed \.br/\.gz files left out'
        @($global:AwsMock.Puts.Key | Where-Object { $_ -match '\.(br|gz)$' }) | Should -HaveCount 0
        $r.Output | Should -Not -Match 'skipping .*\.(br|gz) '
    }

    It 'reads the distribution, its cache policy and its response headers policy before changing anything (not the deploys/* behaviour)' {
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $calls = @($global:AwsMock.Calls)
        $config = @(0..($calls.Count - 1) | Where-Object { $calls[$_] -match '^cloudfront get-distribution-config --id E1234567890DEV ' })
        $config.Count | Should -Be 1
        @($calls | Where-Object { $_ -match '^cloudfront get-cache-policy --id policy-site ' }).Count | Should -Be 1
        @($calls | Where-Object { $_ -match '^cloudfront get-response-headers-policy --id headers-site ' }).Count | Should -Be 1
        $calls | Should -Not -Match 'get-cache-policy --id policy-none'
        $firstChange = @(0..($calls.Count - 1) | Where-Object { $calls[$_] -match $ChangingOps })[0]
        $config[0] | Should -BeLessThan $firstChange
        $r.Output | Should -Match 'Compress with gzip and Brotli on 1 behaviour\(s\); security headers in place'
    }

    It 'refuses to deploy, in any environment and before any change, when <Case>' -TestCases @(
        @{ Case = 'Compress is off'; Env = 'dev'; Change = { $global:AwsMock.CloudFront.Default.Compress = $false }; Message = 'the default behaviour has Compress off' }
        @{ Case = 'the cache policy has gzip off'; Env = 'staging'; Change = { $global:AwsMock.CloudFront.Policies['policy-site'].ParametersInCacheKeyAndForwardedToOrigin.EnableAcceptEncodingGzip = $false }; Message = 'policy-site has EnableAcceptEncodingGzip off' }
        @{ Case = 'the cache policy has Brotli off'; Env = 'dev'; Change = { $global:AwsMock.CloudFront.Policies['policy-site'].ParametersInCacheKeyAndForwardedToOrigin.EnableAcceptEncodingBrotli = $false }; Message = 'policy-site has EnableAcceptEncodingBrotli off' }
        @{ Case = 'a behaviour uses legacy cache settings (no Brotli)'; Env = 'dev'; Change = { $global:AwsMock.CloudFront.Default.Remove('CachePolicyId'); $global:AwsMock.CloudFront.Default.ForwardedValues = @{ QueryString = $false } }; Message = 'uses legacy cache settings' }
        @{ Case = 'another behaviour (*.wasm) has Compress off'; Env = 'prod'; Change = { $global:AwsMock.CloudFront.Behaviors += @{ PathPattern = '*.wasm'; Compress = $false; CachePolicyId = 'policy-site'; ResponseHeadersPolicyId = 'headers-site' } }; Message = "the behaviour for '\*\.wasm' has Compress off" }
    ) {
        & $Change
        $extra = @{ Environment = $Env }
        if ($Env -eq 'prod') { $extra.Confirm = $false }
        $r = Invoke-MockedDeploy $extra
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match 'would not compress what residents download'
        $r.Output | Should -Match $Message
        $global:AwsMock.Calls | Should -Not -Match $ChangingOps
    }

    It 'a missing security header (<Case>) warns in dev and staging, and the deploy goes on' -TestCases @(
        @{ Case = 'HSTS'; Change = { $global:AwsMock.CloudFront.Headers['headers-site'].SecurityHeadersConfig.Remove('StrictTransportSecurity') }; Message = 'Strict-Transport-Security' }
        @{ Case = 'nosniff'; Change = { $global:AwsMock.CloudFront.Headers['headers-site'].SecurityHeadersConfig.Remove('ContentTypeOptions') }; Message = 'X-Content-Type-Options: nosniff' }
        @{ Case = 'framing'; Change = { $global:AwsMock.CloudFront.Headers['headers-site'].SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy = "default-src 'self'" }; Message = "frame-ancestors 'none' \(or X-Frame-Options: DENY\)" }
        @{ Case = 'no policy at all'; Change = { $global:AwsMock.CloudFront.Default.Remove('ResponseHeadersPolicyId') }; Message = 'has no response headers policy' }
    ) {
        foreach ($env in 'dev', 'staging') {
            Reset-AwsMock
            & $Change
            $r = Invoke-MockedDeploy @{ Environment = $env }
            $r.ExitCode | Should -Be 0 -Because $r.Output
            $r.Output | Should -Match 'lacks the response headers docs/deploy.md requires'
            $r.Output | Should -Match $Message
            @($global:AwsMock.Puts.Key) | Should -Contain 'index.html'
        }
    }

    It 'the same gap stops a prod deploy before any change' {
        $global:AwsMock.CloudFront.Headers['headers-site'].SecurityHeadersConfig.Remove('StrictTransportSecurity')
        $r = Invoke-MockedDeploy @{ Environment = 'prod'; Confirm = $false }
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match 'Strict-Transport-Security'
        $r.Output | Should -Match 'stops a prod deploy'
        $global:AwsMock.Calls | Should -Not -Match $ChangingOps
    }

    It 'accepts X-Frame-Options: DENY instead of frame-ancestors, and the headers as custom headers (prod)' {
        $cf = $global:AwsMock.CloudFront
        $cf.Headers['headers-site'].SecurityHeadersConfig.Remove('ContentSecurityPolicy')
        $cf.Headers['headers-site'].SecurityHeadersConfig.FrameOptions = @{ Override = $true; FrameOption = 'DENY' }
        $cf.Headers['headers-custom'] = @{ Name = 'custom'; CustomHeadersConfig = @{ Quantity = 3; Items = @(
            @{ Header = 'Strict-Transport-Security'; Value = 'max-age=63072000; includeSubDomains'; Override = $true }
            @{ Header = 'X-Content-Type-Options'; Value = 'nosniff'; Override = $true }
            @{ Header = 'Content-Security-Policy'; Value = "frame-ancestors 'none'"; Override = $true }) } }
        $cf.Behaviors += @{ PathPattern = '*.wasm'; Compress = $true; CachePolicyId = 'policy-site'; ResponseHeadersPolicyId = 'headers-custom' }
        $r = Invoke-MockedDeploy @{ Environment = 'prod'; Confirm = $false }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'on 2 behaviour\(s\); security headers in place'
        # X-Frame-Options: SAMEORIGIN would still allow framing by the same site: not enough.
        Reset-AwsMock
        $global:AwsMock.CloudFront.Headers['headers-site'].SecurityHeadersConfig.Remove('ContentSecurityPolicy')
        $global:AwsMock.CloudFront.Headers['headers-site'].SecurityHeadersConfig.FrameOptions = @{ Override = $true; FrameOption = 'SAMEORIGIN' }
        $r = Invoke-MockedDeploy @{ Environment = 'prod'; Confirm = $false }
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match "frame-ancestors 'none'"
    }

    It 'warns when the HTML behaviour''s cache policy MinTTL outlives the HTML''s max-age' {
        $global:AwsMock.CloudFront.Policies['policy-site'].MinTTL = 3600
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'MinTTL 3600 s, above the HTML''s max-age of 300 s'
    }

    It 'stops with the IAM permissions it needs when the distribution cannot be read' {
        $global:AwsMock.FailMatch = '^cloudfront get-distribution-config'
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match 'cloudfront:GetDistributionConfig, cloudfront:GetCachePolicy and cloudfront:GetResponseHeadersPolicy'
        $global:AwsMock.Calls | Should -Not -Match $ChangingOps
    }

    It 'docs/deploy.md''s IAM list names every action the deploy calls' {
        $global:AwsMock.InvalidationStatus = 'Completed'
        $r = Invoke-MockedDeploy @{ Wait = $true; WaitTimeoutSec = 10 }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $doc = Get-Content -Raw (Join-Path (Split-Path (Split-Path $Deploy)) 'docs/deploy.md')
        $s3 = @{ 'head-bucket' = 's3:ListBucket'; 'list-objects-v2' = 's3:ListBucket'; 'get-object' = 's3:GetObject'; 'put-object' = 's3:PutObject'; 'cp' = 's3:PutObject'; 'delete-objects' = 's3:DeleteObject' }
        $actions = foreach ($c in $global:AwsMock.Calls) {
            $a = $c -split ' '
            if ($a[0] -in 's3', 's3api') { $s3[$a[1]] }
            elseif ($a[0] -eq 'cloudfront') { 'cloudfront:' + (($a[1] -split '-' | ForEach-Object { $_.Substring(0, 1).ToUpperInvariant() + $_.Substring(1) }) -join '') }
        }
        $actions = @($actions | Sort-Object -Unique)
        $actions | Should -Contain 'cloudfront:GetDistributionConfig'
        $actions | Should -Contain 'cloudfront:GetInvalidation'
        foreach ($action in $actions) { $doc | Should -Match ([regex]::Escape("``$action``")) -Because "the deploy calls $action" }
    }

    It 'a first deploy into an empty bucket prunes nothing and names no previous deploy' {
        Reset-AwsMock -Empty
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 0 -Because $r.Output
        @(Get-CallSummary) | Should -Not -Contain 's3api delete-objects'
        $latest = [System.Text.Encoding]::UTF8.GetString(($global:AwsMock.Puts | Where-Object Key -eq 'deploys/latest.json').Body) | ConvertFrom-Json
        $latest.previousDeployId | Should -BeNullOrEmpty
    }
}

# [SECTION] Preflight failures -------------------------------------------------------------------------------

Describe 'preflight failures change nothing' {
    BeforeEach {
        Reset-AwsMock
        Mock aws { $global:AwsMock.Calls.Add(($args -join ' ')); $global:LASTEXITCODE = 0; if ($args[0] -eq '--version') { 'aws-cli/2.9.19' } }
        $script:Broken = Join-Path $Work ('broken-' + [guid]::NewGuid().ToString('n').Substring(0, 6))
        Copy-Item -Recurse $Dist $Broken
    }

    It 'an extension missing from the Content-Type map fails before any aws call' {
        Set-Content (Join-Path $Broken 'tool.0123456789.exe') 'x'
        $r = Invoke-MockedDeploy @{ BuildDir = $Broken }
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match "tool\.0123456789\.exe: no Content-Type for '\.exe'"
        $global:AwsMock.Calls.Count | Should -Be 0
    }

    It 'a .gz or .br file that is not the sibling of a built file is unknown, and fails' {
        Set-Content (Join-Path $Broken 'data.0123456789.bin.gz') 'x'
        $r = Invoke-MockedDeploy @{ BuildDir = $Broken }
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match "data\.0123456789\.bin\.gz: no Content-Type for '\.gz'"
        $global:AwsMock.Calls.Count | Should -Be 0
    }

    It 'a config.<hash>.json in the build is skipped: the deploy writes it per environment' {
        Set-Content (Join-Path $Broken 'config.0123456789.json') '{"websocketEndpoint":"wss://evil.example"}'
        $r = Invoke-MockedDeploy @{ BuildDir = $Broken; WhatIf = $true }
        $r.Output | Should -Match 'skipping config\.0123456789\.json \(config\.<hash>\.json is written per environment'
    }

    It 'an asset without a content hash fails' {
        Set-Content (Join-Path $Broken 'robots.txt') 'User-agent: *'
        $r = Invoke-MockedDeploy @{ BuildDir = $Broken }
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match 'robots\.txt: not content-hashed'
        $global:AwsMock.Calls.Count | Should -Be 0
    }

    It 'a file the HTML references but the build lacks fails' {
        Remove-Item (Join-Path $Broken $Fixture.Names['NotoSans-Bold.ttf'])
        $r = Invoke-MockedDeploy @{ BuildDir = $Broken }
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match ("index\.html references " + [regex]::Escape($Fixture.Names['NotoSans-Bold.ttf']))
        $global:AwsMock.Calls.Count | Should -Be 0
    }

    It 'a missing build directory fails' {
        $r = Invoke-MockedDeploy @{ BuildDir = (Join-Path $Work 'no-such-dist') }
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match 'does not exist'
    }

    It 'an aws executable that cannot be found fails with a clear message' {
        $r = Invoke-MockedDeploy @{ AwsCli = (Join-Path $Work 'no-such-aws') }
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match "cannot run the aws CLI '.*no-such-aws': not found"
    }

    It '-AwsCli omitted: $env:BOS_AWS_CLI is the default, and -AwsCli still wins over it' {
        $saved = $env:BOS_AWS_CLI
        try {
            $env:BOS_AWS_CLI = Join-Path $Work 'aws-from-env'
            $params = @{ Environment = 'dev'; BuildDir = $Dist; S3EndpointUrl = 'http://127.0.0.1:9'; CloudFrontEndpointUrl = 'http://127.0.0.1:8' }
            $global:LASTEXITCODE = 0
            $out = (& $Deploy @params *>&1 | ForEach-Object { "$_" }) -join "`n"
            $global:LASTEXITCODE | Should -Be 1
            $out | Should -Match "cannot run the aws CLI '.*aws-from-env': not found"
            $r = Invoke-MockedDeploy @{ AwsCli = (Join-Path $Work 'aws-from-parameter') }
            $r.Output | Should -Match "cannot run the aws CLI '.*aws-from-parameter': not found"
            $global:AwsMock.Calls.Count | Should -Be 0
        } finally {
            $env:BOS_AWS_CLI = $saved
        }
    }
}

# [SECTION] The prod guard -----------------------------------------------------------------------------------

Describe 'the prod guard' {
    BeforeEach {
        Reset-AwsMock
        # The script runs under Set-StrictMode, and so does this mock when it calls it: no index past the end.
        Mock aws {
            $global:AwsMock.Calls.Add(($args -join ' ')); $global:LASTEXITCODE = 0
            $answer = Get-CloudFrontAnswer ([string[]]@($args | ForEach-Object { "$_" }))
            if ($null -ne $answer) { return $answer }
            switch ((@($args | Select-Object -First 2) -join ' ')) {
                '--version' { 'aws-cli/2.9.19' }
                'cloudfront create-invalidation' { '{"Invalidation":{"Id":"IPROD","Status":"InProgress"}}' }
                default { '' }
            }
        }
        $script:SavedCi = $env:CI
        $env:CI = 'true'    # non-interactive whatever host runs the tests
    }
    AfterEach { $env:CI = $SavedCi }

    It 'refuses prod without -Confirm:$false in a non-interactive session, before any aws call' {
        $r = Invoke-MockedDeploy @{ Environment = 'prod' }
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match 'prod needs a confirmation'
        $r.Output | Should -Match ([regex]::Escape('pass -Confirm:$false'))
        $global:AwsMock.Calls.Count | Should -Be 0
    }

    It 'deploys prod with -Confirm:$false, to the prod bucket and distribution' {
        $r = Invoke-MockedDeploy @{ Environment = 'prod'; Confirm = $false }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $global:AwsMock.Calls | Where-Object { $_ -match 'put-object' } | Should -Match '--bucket buildingos-frontend-prod '
        $global:AwsMock.Calls | Where-Object { $_ -match 'create-invalidation' } | Should -Match '--distribution-id E1234567890PROD '
    }

    It 'prod -WhatIf asks nothing and changes nothing' {
        $r = Invoke-MockedDeploy @{ Environment = 'prod'; WhatIf = $true }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $global:AwsMock.Calls | Should -Not -Match $ChangingOps
    }

    It 'dev and staging never ask (<Name>)' -TestCases @(@{ Name = 'dev' }, @{ Name = 'staging' }) {
        $r = Invoke-MockedDeploy @{ Environment = $Name }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Not -Match 'confirmation'
    }

    It 'an explicit -Confirm in a non-interactive session fails instead of waiting for an answer' {
        $r = Invoke-MockedDeploy @{ Environment = 'dev'; Confirm = $true }
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match 'dev needs a confirmation'
    }

    It 'rejects an environment that deploy/environments.json does not name' {
        { & $Deploy -Environment qa -BuildDir $Dist -AwsCli aws } | Should -Throw "*environment 'qa' is not in*environments.json*"
        $global:AwsMock.Calls.Count | Should -Be 0
    }
}
