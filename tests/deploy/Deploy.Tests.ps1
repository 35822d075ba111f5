# End-to-end: scripts/deploy-frontend.ps1 with the real aws CLI (v2, /usr/bin/aws) against s3rver on 127.0.0.1
# and the CloudFront API double. The tests run in order and build on each other: deploy, redeploy, rollback,
# prune, -WhatIf. Objects are checked with `aws s3api head-object`, contents in s3rver's data directory.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'support/DeployTestKit.psm1') -Force
    Set-TestAwsEnvironment
    $ProgressPreference = 'SilentlyContinue'
    $script:Work = New-TestTempDir 'bos-deploy-e2e'
    $script:S3 = Start-S3rver @('buildingos-frontend-dev')
    $script:CF = Start-CloudFrontDouble
    $script:Bucket = 'buildingos-frontend-dev'
    $script:V1 = New-FixtureDist (Join-Path $Work 'v1') -WithJunk -WithSiblings
    $script:V2 = New-FixtureDist (Join-Path $Work 'v2') -Change 'app.js' -Marker 'v2'
    $script:V3 = New-FixtureDist (Join-Path $Work 'v3') -Change 'app.js', 'style.css' -Marker 'v3'
    $script:Common = @{ AwsCli = (Get-RealAws); S3EndpointUrl = $S3.Url; CloudFrontEndpointUrl = $CF.Url }
    $script:CommonArgs = @('-AwsCli', (Get-RealAws), '-S3EndpointUrl', $S3.Url, '-CloudFrontEndpointUrl', $CF.Url)

    function Invoke-Dev([hashtable]$Extra) {
        $p = @{ Environment = 'dev' } + $Common
        foreach ($k in $Extra.Keys) { $p[$k] = $Extra[$k] }
        Invoke-DeployInProcess $p
    }
    function Get-Latest { Get-StoredText $S3 $Bucket 'deploys/latest.json' | ConvertFrom-Json -AsHashtable }
    function Get-Creates { @(Get-CloudFrontRequests $CF | Where-Object op -eq 'CreateInvalidation') }
    # What a deploy of this fixture puts in the bucket, deny-listed files and .br/.gz siblings left out.
    $script:DevEndpoint = 'wss://websocket-api-dev.buildingos.com'
    $script:ConfigKey = Get-HashedConfigKey $DevEndpoint
    function Get-SiteKeys($Fixture) { @($Fixture.Names.Values) + 'config.json' + $ConfigKey }
    # The endpoint the page's CSP allows, and the one in the config the page names (data-config).
    function Get-PagePair([string]$Html) {
        $csp = [regex]::Match($Html, "connect-src 'self' (\S+?);").Groups[1].Value
        $name = [regex]::Match($Html, 'data-config="([^"]+)"').Groups[1].Value
        $config = if ($name) { Get-StoredText $S3 $Bucket $name } else { $null }
        [pscustomobject]@{ Csp = $csp; ConfigName = $name; Config = $config; Endpoint = if ($config) { ($config | ConvertFrom-Json).websocketEndpoint } else { $null } }
    }
}

AfterAll {
    Stop-TestServer $S3
    Stop-TestServer $CF
    if ($Work) { Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'deploy-frontend.ps1 against s3rver and the CloudFront double' {
    It 'deploys a fixture dist when run as `pwsh -File` with -BuildDir relative to the current directory' {
        $r = Invoke-DeployProcess (@('-Environment', 'dev', '-BuildDir', 'v1') + $CommonArgs) -WorkingDirectory $Work
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Stdout | Should -Match 'Deployment Summary'
        $r.Stdout | Should -Match 'URL: https://buildingos-dev\.yourdomain\.com'
        $r.Stdout | Should -Match '8 precompressed \.br/\.gz files left out'
        $r.Stdout | Should -Match 'Compress with gzip and Brotli on 1 behaviour\(s\); security headers in place'
        $script:Id1 = (Get-Latest).deployId
        $script:Html1 = Get-StoredText $S3 $Bucket 'index.html'
        $Id1 | Should -Match '^\d{8}T\d{6}Z-[0-9a-f]{7}$'
    }

    It 'stores every object with the Content-Type and Cache-Control of the fixed map (aws s3api head-object)' {
        $keys = Get-StoredKeys $S3 $Bucket
        $heads = Get-ObjectHeads $S3 $Bucket $keys
        $types = @{
            '.html' = 'text/html; charset=utf-8'; '.js' = 'text/javascript'; '.json' = 'application/json'; '.css' = 'text/css'
            '.wasm' = 'application/wasm'; '.webmanifest' = 'application/manifest+json'; '.svg' = 'image/svg+xml'; '.ttf' = 'font/ttf'
            '.woff2' = 'font/woff2'; '.png' = 'image/png'; '.ico' = 'image/x-icon'; '.txt' = 'text/plain; charset=utf-8'
        }
        foreach ($key in $keys) {
            $h = $heads[$key]
            $h.ContentType | Should -BeExactly $types[[System.IO.Path]::GetExtension($key)] -Because $key
            $expectedCache = switch -Regex ($key) {
                '^index\.html$' { 'public, max-age=300' }
                '^(config\.json|deploys/.*)$' { 'public, max-age=60' }
                default { 'public, max-age=31536000, immutable' }
            }
            $h.CacheControl | Should -BeExactly $expectedCache -Because $key
        }
        $heads[$V1.Names['app.wasm']].ContentType | Should -BeExactly 'application/wasm'
    }

    It 'puts exactly the site, config.json and the manifests in the bucket: deny-listed files never reach it' {
        $expected = @(Get-SiteKeys $V1) + "deploys/$Id1.json" + 'deploys/latest.json' | Sort-Object
        Get-StoredKeys $S3 $Bucket | Should -Be $expected
    }

    It 'serves the HTML with only this environment''s WebSocket endpoint in connect-src, and its config.json' {
        $html = Get-StoredText $S3 $Bucket 'index.html'
        $html | Should -Match ([regex]::Escape("connect-src 'self' wss://websocket-api-dev.buildingos.com;"))
        $html | Should -Not -Match 'ws://localhost|ws://127\.0\.0\.1'
        Get-StoredText $S3 $Bucket 'config.json' | Should -BeExactly '{"websocketEndpoint":"wss://websocket-api-dev.buildingos.com"}'
        $m = Get-Latest
        $m.previousDeployId | Should -BeNullOrEmpty
        @($m.files.key | Sort-Object) | Should -Be @(Get-SiteKeys $V1 | Sort-Object)
        $m.entryPoints['index.html'] | Should -BeExactly $html
    }

    It 'read the distribution, its cache policy and its response headers policy through the real CLI, before any change' {
        $requests = @(Get-CloudFrontRequests $CF)
        $ops = @($requests.op)
        $ops | Should -Contain 'GetDistributionConfig'
        ($requests | Where-Object op -eq 'GetDistributionConfig').distributionId | Should -Be 'E1234567890DEV'
        @($requests | Where-Object op -eq 'GetCachePolicy').id | Should -Be @('658327ea-f89d-4fab-a63d-7e88639e58f6')   # not deploys/*'s
        @($requests | Where-Object op -eq 'GetResponseHeadersPolicy').id | Should -Be @('bos-security-headers')
        [array]::IndexOf($ops, 'GetResponseHeadersPolicy') | Should -BeLessThan ([array]::IndexOf($ops, 'CreateInvalidation'))
    }

    It 'the page names config.<hash>.json, immutable, holding the endpoint its CSP allows, and /config.json has the same bytes' {
        $pair = Get-PagePair (Get-StoredText $S3 $Bucket 'index.html')
        $pair.ConfigName | Should -BeExactly $ConfigKey
        $pair.Endpoint | Should -BeExactly $DevEndpoint
        $pair.Csp | Should -BeExactly $pair.Endpoint
        $pair.Config | Should -BeExactly (Get-StoredText $S3 $Bucket 'config.json')
        $h = (Get-ObjectHeads $S3 $Bucket @($ConfigKey))[$ConfigKey]
        $h.CacheControl | Should -BeExactly 'public, max-age=31536000, immutable'
        $h.ContentType | Should -BeExactly 'application/json'
        (Get-Latest).configKey | Should -BeExactly $ConfigKey
    }

    It 'invalidates only /index.html, / and /config.json, with the deploy id as CallerReference' {
        $creates = Get-Creates
        $creates.Count | Should -Be 1
        $creates[0].distributionId | Should -Be 'E1234567890DEV'
        @($creates[0].paths) | Should -Be @('/index.html', '/', '/config.json')
        $creates[0].callerReference | Should -BeExactly $Id1
    }

    It 'redeploys a changed asset keeping the old one (an open tab still loads it), and prunes only what is unreferenced for the grace period' {
        # Hashed objects no deploy references: one written 30 days ago, one just now; and an unhashed one.
        foreach ($k in 'old-orphan.0123456789.js', 'fresh-orphan.abcdef0123.js', 'legacy.txt') {
            $null = Invoke-TestAws $S3.Url @('s3api', 'put-object', '--bucket', $Bucket, '--key', $k, '--body', (Join-Path $V1.Path 'index.html'))
        }
        Set-StoredAge $S3 $Bucket 'old-orphan.0123456789.js' 30
        Set-StoredAge $S3 $Bucket 'legacy.txt' 30
        $r = Invoke-Dev @{ BuildDir = $V2.Path }          # default grace: 7 days
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $changed = @($V2.Names.Keys | Where-Object { $_ -ne 'index.html' -and $V2.Names[$_] -ne $V1.Names[$_] })
        $changed | Should -Contain 'app.js'
        # Assets: the site's files but index.html, plus config.<hash>.json (the same endpoint: unchanged).
        $assetCount = $V2.Names.Count - 1 + 1
        $r.Output | Should -Match "$($changed.Count) assets uploaded, $($assetCount - $changed.Count) unchanged"
        $keys = Get-StoredKeys $S3 $Bucket
        $keys | Should -Contain $V1.Names['app.js']       # the previous deploy's: its HTML may be open in a tab
        $keys | Should -Contain $V2.Names['app.js']
        $keys | Should -Not -Contain 'old-orphan.0123456789.js'
        $keys | Should -Contain 'fresh-orphan.abcdef0123.js'
        $keys | Should -Contain 'legacy.txt'              # unhashed: never pruned
        $r.Output | Should -Match 'Pruned: 1 unreferenced'
        Get-StoredText $S3 $Bucket 'index.html' | Should -Match ([regex]::Escape($V2.Names['boot.js']))
        $m = Get-Latest
        $m.previousDeployId | Should -BeExactly $Id1
        $script:Id2 = $m.deployId
        $keys | Should -Contain "deploys/$Id2.json"
        (Get-Creates)[-1].callerReference | Should -BeExactly $Id2
    }

    It 'rolls back to the previous deploy''s HTML and config, invalidates them, and -Wait sees it complete' {
        Set-CloudFrontDouble $CF -CompleteAfterPolls 1
        $r = Invoke-Dev @{ Rollback = $true; Wait = $true; WaitTimeoutSec = 20 }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        Get-StoredText $S3 $Bucket 'index.html' | Should -BeExactly $Html1
        Get-StoredText $S3 $Bucket 'config.json' | Should -BeExactly '{"websocketEndpoint":"wss://websocket-api-dev.buildingos.com"}'
        (Get-Latest).deployId | Should -BeExactly $Id1
        (Get-Latest).rolledBackFrom | Should -BeExactly $Id2
        # The restored page still names a config that exists and agrees with its CSP.
        $pair = Get-PagePair (Get-StoredText $S3 $Bucket 'index.html')
        $pair.Endpoint | Should -BeExactly $pair.Csp
        $last = (Get-Creates)[-1]
        $last.callerReference | Should -Match "^\d{8}T\d{6}Z-rollback-to-$Id1$"
        @($last.paths) | Should -Be @('/index.html', '/', '/config.json')
        @(Get-CloudFrontRequests $CF | Where-Object op -eq 'GetInvalidation').Count | Should -BeGreaterThan 0
        $r.Output | Should -Match 'Completed'
        # v2's assets stay: pages opened before the rollback still load them.
        Get-StoredKeys $S3 $Bucket | Should -Contain $V2.Names['app.js']
    }

    It 'with -PruneOlderThanDays 0 prunes everything the new and the live deploy do not reference; a -Wait timeout is only a warning' {
        Set-CloudFrontDouble $CF -CompleteAfterPolls -1
        $r = Invoke-Dev @{ BuildDir = $V3.Path; PruneOlderThanDays = 0; Wait = $true; WaitTimeoutSec = 2 }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match "is still 'InProgress' after 2 s"
        $id3 = (Get-Latest).deployId
        (Get-Latest).previousDeployId | Should -BeExactly $Id1        # live after the rollback
        # v1 (live until this run) and v3 stay; v2's own assets and the fresh orphan go; unhashed stays.
        $expected = @(@(Get-SiteKeys $V3) + @(Get-SiteKeys $V1) | Sort-Object -Unique) + 'legacy.txt' + 'deploys/latest.json' +
            @($Id1, $Id2, $id3 | ForEach-Object { "deploys/$_.json" }) | Sort-Object
        Get-StoredKeys $S3 $Bucket | Should -Be $expected
        Get-StoredKeys $S3 $Bucket | Should -Not -Contain $V2.Names['app.js']
    }

    It 'refuses to deploy when the distribution does not compress (<Case>), leaving the bucket byte-identical' -TestCases @(
        @{ Case = 'Compress off'; Settings = @{ distribution = @{ defaultBehavior = @{ compress = $false; cachePolicyId = '658327ea-f89d-4fab-a63d-7e88639e58f6'; responseHeadersPolicyId = 'bos-security-headers' }; behaviors = @() } }; Message = 'has Compress off' }
        @{ Case = 'Brotli off in the cache policy'; Settings = @{ cachePolicies = @{ '658327ea-f89d-4fab-a63d-7e88639e58f6' = @{ name = 'gzip-only'; minTTL = 0; gzip = $true; brotli = $false } } }; Message = 'has EnableAcceptEncodingBrotli off' }
        @{ Case = 'legacy cache settings'; Settings = @{ distribution = @{ defaultBehavior = @{ compress = $true; cachePolicyId = $null; responseHeadersPolicyId = 'bos-security-headers' }; behaviors = @() } }; Message = 'uses legacy cache settings' }
    ) {
        Reset-CloudFrontDouble $CF
        Set-CloudFrontDoubleSettings $CF $Settings
        $before = Get-StoreSnapshot $S3
        try {
            $r = Invoke-Dev @{ BuildDir = $V1.Path }
        } finally { Reset-CloudFrontDouble $CF }
        $r.ExitCode | Should -Be 1 -Because $r.Output
        $r.Output | Should -Match 'would not compress what residents download'
        $r.Output | Should -Match $Message
        ((Get-StoreSnapshot $S3) | ConvertTo-Json) | Should -BeExactly ($before | ConvertTo-Json)
    }

    It 'a distribution without the security headers is a warning in dev (-WhatIf shows it, changes nothing)' {
        Reset-CloudFrontDouble $CF
        Set-CloudFrontDoubleSettings $CF @{ responseHeadersPolicies = @{ 'bos-security-headers' = @{ hsts = $null; contentTypeOptions = $false; frameOption = 'SAMEORIGIN'; csp = $null; custom = @() } } }
        $before = Get-StoreSnapshot $S3
        try {
            $r = Invoke-Dev @{ BuildDir = $V1.Path; WhatIf = $true }
        } finally { Reset-CloudFrontDouble $CF }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        foreach ($h in 'Strict-Transport-Security', 'X-Content-Type-Options: nosniff', "frame-ancestors 'none'") { $r.Output | Should -Match ([regex]::Escape($h)) }
        $r.Output | Should -Match 'security headers with 3 gap\(s\)'
        ((Get-StoreSnapshot $S3) | ConvertTo-Json) | Should -BeExactly ($before | ConvertTo-Json)
    }

    It '-WhatIf leaves the bucket byte-identical and creates no invalidation' {
        $before = Get-StoreSnapshot $S3
        $creates = (Get-Creates).Count
        $r = Invoke-Dev @{ BuildDir = $V1.Path; WhatIf = $true; PruneOlderThanDays = 0 }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'WhatIf: nothing was changed'
        $after = Get-StoreSnapshot $S3
        ($after | ConvertTo-Json) | Should -BeExactly ($before | ConvertTo-Json)
        (Get-Creates).Count | Should -Be $creates
    }

    It 'the real dist/ passes the preflight (-WhatIf), if a build is present' {
        $real = Join-Path (Split-Path (Split-Path $PSScriptRoot)) 'dist'
        if (-not (Test-Path (Join-Path $real 'index.html'))) { Set-ItResult -Skipped -Because 'no dist/ (scripts/build makes it)'; return }
        # Other work may rebuild dist/ right now: copy it, and use the copy only if it is complete.
        $copy = Join-Path $Work 'real-dist'
        $complete = $false
        foreach ($attempt in 1..3) {
            Remove-Item -LiteralPath $copy -Recurse -Force -ErrorAction SilentlyContinue
            Copy-Item -LiteralPath $real -Destination $copy -Recurse -ErrorAction SilentlyContinue
            $html = Get-Content -Raw (Join-Path $copy 'index.html') -ErrorAction SilentlyContinue
            $refs = [regex]::Matches("$html", '(?:src|href|data-app|data-wasm|data-font|data-font-bold)="([^"#?:]+)"') | ForEach-Object { $_.Groups[1].Value }
            if ($html -and -not ($refs | Where-Object { -not (Test-Path (Join-Path $copy $_)) })) { $complete = $true; break }
            Start-Sleep -Seconds 2
        }
        if (-not $complete) { Set-ItResult -Skipped -Because 'dist/ is being rebuilt'; return }
        $r = Invoke-Dev @{ BuildDir = $copy; WhatIf = $true }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Not -Match 'skipping'
    }
}
