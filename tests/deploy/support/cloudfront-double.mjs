// A CloudFront API double for the deploy tests: only the two invalidation calls, in CloudFront's REST-XML
// (API 2020-05-31), on 127.0.0.1. No CloudFront emulator exists offline; this one records every request so
// tests can assert the paths and the CallerReference.
//
//   node cloudfront-double.mjs [--port 0]      prints "cloudfront-double listening on 127.0.0.1:PORT"
//
//   POST /2020-05-31/distribution/{id}/invalidation           CreateInvalidation (201, Location header)
//   GET  /2020-05-31/distribution/{id}/invalidation/{invId}   GetInvalidation
//   GET  /__double/requests                                   what was asked, as JSON
//   POST /__double/config   {"completeAfterPolls": N}         Completed after N gets; -1 = never (default 1)
//   POST /__double/reset                                      forget everything, back to the defaults
//
// A CallerReference seen before with the same paths returns the same invalidation (as CloudFront does);
// with other paths it is a 409 InvalidationBatchAlreadyExists.
import http from "node:http";

const NS = "http://cloudfront.amazonaws.com/doc/2020-05-31/";
let state;
function reset() {
  state = { requests: [], invalidations: new Map(), byCallerRef: new Map(), completeAfterPolls: 1, next: 1 };
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
      res.writeHead(204);
      return res.end();
    }
    return sendError(res, 404, "NotFound", "no such control endpoint");
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
