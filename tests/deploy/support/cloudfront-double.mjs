// A CloudFront API double for the deploy tests: the calls the deploy makes, in CloudFront's REST-XML
// (API 2020-05-31), on 127.0.0.1. No CloudFront emulator exists offline; this one records every request so
// tests can assert the paths and the CallerReference, and which settings the preflight read.
//
//   node cloudfront-double.mjs [--port 0]      prints "cloudfront-double listening on 127.0.0.1:PORT"
//
//   POST /2020-05-31/distribution/{id}/invalidation           CreateInvalidation (201, Location header)
//   GET  /2020-05-31/distribution/{id}/invalidation/{invId}   GetInvalidation
//   GET  /2020-05-31/distribution/{id}/config                 GetDistributionConfig (ETag header)
//   GET  /2020-05-31/cache-policy/{id}                        GetCachePolicy
//   GET  /2020-05-31/response-headers-policy/{id}             GetResponseHeadersPolicy
//   GET  /__double/requests                                   what was asked, as JSON
//   POST /__double/config   {"completeAfterPolls": N}         Completed after N gets; -1 = never (default 1)
//                           {"distribution": {...}}           replaces the distribution every id answers with
//                           {"cachePolicies": {...}}          replaces the cache policies (by id)
//                           {"responseHeadersPolicies": {...}} replaces the response headers policies (by id)
//   POST /__double/reset                                      forget everything, back to the defaults
//
// A CallerReference seen before with the same paths returns the same invalidation (as CloudFront does);
// with other paths it is a 409 InvalidationBatchAlreadyExists.
//
// The distribution, as JSON (defaults below): every distribution id answers with it.
//   { "defaultBehavior": { "compress": true, "cachePolicyId": "ID" | null, "responseHeadersPolicyId": "ID" | null },
//     "behaviors": [ { "pathPattern": "deploys/*", ...the same fields } ] }
//   A behavior whose cachePolicyId is null uses legacy cache settings (ForwardedValues).
// A cache policy: { "minTTL": 0, "gzip": true, "brotli": true }.
// A response headers policy: { "hsts": { "maxAge": 63072000, "includeSubdomains": true } | null,
//   "contentTypeOptions": true, "frameOption": "DENY" | "SAMEORIGIN" | null,
//   "csp": "frame-ancestors 'none'" | null, "custom": [ { "header": "...", "value": "..." } ] }
import http from "node:http";

const NS = "http://cloudfront.amazonaws.com/doc/2020-05-31/";
// What docs/deploy.md asks for: compression with both encodings, and HSTS, nosniff and frame-ancestors.
const DEFAULTS = {
  distribution: {
    defaultBehavior: { compress: true, cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6", responseHeadersPolicyId: "bos-security-headers" },
    behaviors: [{ pathPattern: "deploys/*", compress: false, cachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", responseHeadersPolicyId: null }],
  },
  cachePolicies: {
    "658327ea-f89d-4fab-a63d-7e88639e58f6": { name: "Managed-CachingOptimized", minTTL: 1, gzip: true, brotli: true },
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": { name: "Managed-CachingDisabled", minTTL: 0, gzip: false, brotli: false },
  },
  responseHeadersPolicies: {
    "bos-security-headers": {
      hsts: { maxAge: 63072000, includeSubdomains: true }, contentTypeOptions: true, frameOption: null,
      csp: "frame-ancestors 'none'", custom: [],
    },
  },
};

let state;
function reset() {
  state = {
    requests: [], invalidations: new Map(), byCallerRef: new Map(), completeAfterPolls: 1, next: 1,
    ...JSON.parse(JSON.stringify(DEFAULTS)),
  };
}
reset();

const xmlEscape = (s) => String(s).replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c]);
const xmlUnescape = (s) => s.replace(/&(lt|gt|amp|apos|quot);/g, (_, e) => ({ lt: "<", gt: ">", amp: "&", apos: "'", quot: '"' })[e]);

function invalidationXml(inv) {
  const status = state.completeAfterPolls >= 0 && inv.polls >= state.completeAfterPolls ? "Completed" : "InProgress";
  const items = inv.paths.map((p) => `<Path>${xmlEscape(p)}</Path>`).join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Invalidation xmlns="${NS}"><Id>${inv.id}</Id><Status>${status}</Status>` +
    `<CreateTime>${inv.createTime}</CreateTime><InvalidationBatch><Paths><Quantity>${inv.paths.length}</Quantity>` +
    `<Items>${items}</Items></Paths><CallerReference>${xmlEscape(inv.callerReference)}</CallerReference>` +
    `</InvalidationBatch></Invalidation>`;
}

const b = (v) => (v ? "true" : "false");

function behaviorXml(tag, beh) {
  const policies = beh.cachePolicyId
    ? `<CachePolicyId>${xmlEscape(beh.cachePolicyId)}</CachePolicyId>`
    : "<ForwardedValues><QueryString>false</QueryString><Cookies><Forward>none</Forward></Cookies></ForwardedValues>" +
      "<MinTTL>0</MinTTL><DefaultTTL>86400</DefaultTTL><MaxTTL>31536000</MaxTTL>";
  const headers = beh.responseHeadersPolicyId ? `<ResponseHeadersPolicyId>${xmlEscape(beh.responseHeadersPolicyId)}</ResponseHeadersPolicyId>` : "";
  const path = beh.pathPattern ? `<PathPattern>${xmlEscape(beh.pathPattern)}</PathPattern>` : "";
  return `<${tag}>${path}<TargetOriginId>site-bucket</TargetOriginId><ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy>` +
    `<Compress>${b(beh.compress)}</Compress>${policies}${headers}</${tag}>`;
}

function distributionConfigXml(id) {
  const d = state.distribution;
  const items = (d.behaviors || []).map((x) => behaviorXml("CacheBehavior", x)).join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<DistributionConfig xmlns="${NS}"><CallerReference>double-${xmlEscape(id)}</CallerReference>` +
    `<DefaultRootObject>index.html</DefaultRootObject>${behaviorXml("DefaultCacheBehavior", d.defaultBehavior)}` +
    `<CacheBehaviors><Quantity>${(d.behaviors || []).length}</Quantity>${items ? `<Items>${items}</Items>` : ""}</CacheBehaviors>` +
    `<Comment>double</Comment><Enabled>true</Enabled></DistributionConfig>`;
}

function cachePolicyXml(id, p) {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<CachePolicy xmlns="${NS}"><Id>${xmlEscape(id)}</Id><LastModifiedTime>2026-01-01T00:00:00Z</LastModifiedTime>` +
    `<CachePolicyConfig><Name>${xmlEscape(p.name || id)}</Name><DefaultTTL>86400</DefaultTTL><MaxTTL>31536000</MaxTTL><MinTTL>${Number(p.minTTL) || 0}</MinTTL>` +
    `<ParametersInCacheKeyAndForwardedToOrigin><EnableAcceptEncodingGzip>${b(p.gzip)}</EnableAcceptEncodingGzip>` +
    `<EnableAcceptEncodingBrotli>${b(p.brotli)}</EnableAcceptEncodingBrotli>` +
    "<HeadersConfig><HeaderBehavior>none</HeaderBehavior></HeadersConfig><CookiesConfig><CookieBehavior>none</CookieBehavior></CookiesConfig>" +
    "<QueryStringsConfig><QueryStringBehavior>none</QueryStringBehavior></QueryStringsConfig>" +
    "</ParametersInCacheKeyAndForwardedToOrigin></CachePolicyConfig></CachePolicy>";
}

function responseHeadersPolicyXml(id, p) {
  let sec = "";
  if (p.hsts) {
    sec += `<StrictTransportSecurity><Override>true</Override><IncludeSubdomains>${b(p.hsts.includeSubdomains)}</IncludeSubdomains>` +
      `<Preload>false</Preload><AccessControlMaxAgeSec>${Number(p.hsts.maxAge) || 0}</AccessControlMaxAgeSec></StrictTransportSecurity>`;
  }
  if (p.contentTypeOptions) sec += "<ContentTypeOptions><Override>true</Override></ContentTypeOptions>";
  if (p.frameOption) sec += `<FrameOptions><Override>true</Override><FrameOption>${xmlEscape(p.frameOption)}</FrameOption></FrameOptions>`;
  if (p.csp) sec += `<ContentSecurityPolicy><Override>true</Override><ContentSecurityPolicy>${xmlEscape(p.csp)}</ContentSecurityPolicy></ContentSecurityPolicy>`;
  const custom = (p.custom || []).map((h) => `<ResponseHeadersPolicyCustomHeader><Header>${xmlEscape(h.header)}</Header>` +
    `<Value>${xmlEscape(h.value)}</Value><Override>true</Override></ResponseHeadersPolicyCustomHeader>`).join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ResponseHeadersPolicy xmlns="${NS}"><Id>${xmlEscape(id)}</Id><LastModifiedTime>2026-01-01T00:00:00Z</LastModifiedTime>` +
    `<ResponseHeadersPolicyConfig><Name>${xmlEscape(id)}</Name>${sec ? `<SecurityHeadersConfig>${sec}</SecurityHeadersConfig>` : ""}` +
    `<CustomHeadersConfig><Quantity>${(p.custom || []).length}</Quantity>${custom ? `<Items>${custom}</Items>` : ""}</CustomHeadersConfig>` +
    "</ResponseHeadersPolicyConfig></ResponseHeadersPolicy>";
}

function sendError(res, status, code, message) {
  res.writeHead(status, { "Content-Type": "text/xml" });
  res.end(`<?xml version="1.0"?>\n<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code>` +
    `<Message>${xmlEscape(message)}</Message></Error><RequestId>double-${Date.now()}</RequestId></ErrorResponse>`);
}

function handle(req, res, body) {
  const url = new URL(req.url, "http://double");
  if (url.pathname.startsWith("/__double/")) {
    if (req.method === "GET" && url.pathname === "/__double/requests") {
      res.writeHead(200, { "Content-Type": "application/json" });
      return res.end(JSON.stringify(state.requests));
    }
    if (req.method === "POST" && url.pathname === "/__double/reset") {
      reset();
      res.writeHead(204);
      return res.end();
    }
    if (req.method === "POST" && url.pathname === "/__double/config") {
      const cfg = JSON.parse(body || "{}");
      if (Number.isInteger(cfg.completeAfterPolls)) state.completeAfterPolls = cfg.completeAfterPolls;
      for (const key of ["distribution", "cachePolicies", "responseHeadersPolicies"]) if (cfg[key]) state[key] = cfg[key];
      res.writeHead(204);
      return res.end();
    }
    return sendError(res, 404, "NotFound", "no such control endpoint");
  }

  const config = url.pathname.match(/^\/2020-05-31\/distribution\/([^/]+)\/config$/);
  const cachePolicy = url.pathname.match(/^\/2020-05-31\/cache-policy\/([^/]+)$/);
  const headersPolicy = url.pathname.match(/^\/2020-05-31\/response-headers-policy\/([^/]+)$/);
  if (req.method === "GET" && config) {
    const distributionId = decodeURIComponent(config[1]);
    state.requests.push({ op: "GetDistributionConfig", distributionId, time: new Date().toISOString() });
    res.writeHead(200, { "Content-Type": "text/xml", ETag: "EDOUBLECONFIG" });
    return res.end(distributionConfigXml(distributionId));
  }
  if (req.method === "GET" && cachePolicy) {
    const id = decodeURIComponent(cachePolicy[1]);
    state.requests.push({ op: "GetCachePolicy", id, time: new Date().toISOString() });
    const p = state.cachePolicies[id];
    if (!p) return sendError(res, 404, "NoSuchCachePolicy", `no cache policy ${id}`);
    res.writeHead(200, { "Content-Type": "text/xml", ETag: "EDOUBLEPOLICY" });
    return res.end(cachePolicyXml(id, p));
  }
  if (req.method === "GET" && headersPolicy) {
    const id = decodeURIComponent(headersPolicy[1]);
    state.requests.push({ op: "GetResponseHeadersPolicy", id, time: new Date().toISOString() });
    const p = state.responseHeadersPolicies[id];
    if (!p) return sendError(res, 404, "NoSuchResponseHeadersPolicy", `no response headers policy ${id}`);
    res.writeHead(200, { "Content-Type": "text/xml", ETag: "EDOUBLEHEADERS" });
    return res.end(responseHeadersPolicyXml(id, p));
  }
  const create = url.pathname.match(/^\/2020-05-31\/distribution\/([^/]+)\/invalidation$/);
  const get = url.pathname.match(/^\/2020-05-31\/distribution\/([^/]+)\/invalidation\/([^/]+)$/);
  if (req.method === "POST" && create) {
    const distributionId = decodeURIComponent(create[1]);
    const paths = [...body.matchAll(/<Path>([\s\S]*?)<\/Path>/g)].map((m) => xmlUnescape(m[1]));
    const quantity = Number((body.match(/<Quantity>(\d+)<\/Quantity>/) || [])[1]);
    const callerReference = xmlUnescape((body.match(/<CallerReference>([\s\S]*?)<\/CallerReference>/) || [])[1] || "");
    state.requests.push({ op: "CreateInvalidation", distributionId, paths, quantity, callerReference, time: new Date().toISOString() });
    if (!callerReference || quantity !== paths.length) return sendError(res, 400, "InvalidArgument", "bad InvalidationBatch");
    const refKey = `${distributionId}\n${callerReference}`;
    let inv = state.byCallerRef.get(refKey);
    if (inv && JSON.stringify(inv.paths) !== JSON.stringify(paths)) {
      return sendError(res, 409, "InvalidationBatchAlreadyExists", "CallerReference already used with another batch");
    }
    if (!inv) {
      inv = { id: `I${String(state.next++).padStart(4, "0")}DOUBLE`, distributionId, paths, callerReference, polls: 0,
        createTime: new Date().toISOString() };
      state.invalidations.set(`${distributionId}\n${inv.id}`, inv);
      state.byCallerRef.set(refKey, inv);
    }
    res.writeHead(201, {
      "Content-Type": "text/xml",
      Location: `https://cloudfront.amazonaws.com/2020-05-31/distribution/${distributionId}/invalidation/${inv.id}`,
    });
    return res.end(invalidationXml(inv));
  }
  if (req.method === "GET" && get) {
    const distributionId = decodeURIComponent(get[1]);
    const id = decodeURIComponent(get[2]);
    state.requests.push({ op: "GetInvalidation", distributionId, id, time: new Date().toISOString() });
    const inv = state.invalidations.get(`${distributionId}\n${id}`);
    if (!inv) return sendError(res, 404, "NoSuchInvalidation", `no invalidation ${id}`);
    inv.polls++;
    res.writeHead(200, { "Content-Type": "text/xml" });
    return res.end(invalidationXml(inv));
  }
  return sendError(res, 404, "NotImplemented", `${req.method} ${url.pathname} is not in this double`);
}

const portArg = process.argv.indexOf("--port");
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    try {
      handle(req, res, Buffer.concat(chunks).toString("utf8"));
    } catch (err) {
      sendError(res, 500, "InternalError", String(err));
    }
  });
});
server.listen(port, "127.0.0.1", () => {
  console.log(`cloudfront-double listening on 127.0.0.1:${server.address().port}`);
});
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)));
