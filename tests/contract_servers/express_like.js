// A Social Accounts service written apart from this project, the way a Node/Express app behaves:
// Node's own http module, Express-style routing (non-strict: `/social-account/` is the list,
// case-insensitive), res.json framing, compression above a threshold (then chunked), weak ETags,
// X-Powered-By, keep-alive with Node's 5 s timeout, and a rate limiter answering 429 with
// Retry-After and RateLimit-* headers as express-rate-limit does (every Nth request here, so that
// the tests do not depend on timing). Nothing in it comes from the stub or tests/contract_servers.
//
// Usage: node express_like.js  -> prints "express_like: listening at http://127.0.0.1:PORT" first.
// POST /__reset reseeds; GET /__stats tells what the server did (for the tests to check).
"use strict";

const http = require("http");
const zlib = require("zlib");
const crypto = require("crypto");

const KEYS = {
  populated: process.env.NODE_API_KEY || "pn-node-populated-5d1e8c",
  empty: process.env.NODE_EMPTY_KEY || "pn-node-empty-77a0b2",
  unpaid: process.env.NODE_UNPAID_KEY || "pn-node-unpaid-c4f913",
};
const RATE_LIMIT_EVERY = Number(process.env.NODE_RATE_LIMIT_EVERY || 17);
const COMPRESSION_THRESHOLD = 256;
const PLATFORMS = ["linkedin", "instagram", "tiktok", "threads"];
const MESSAGES = {
  unauthorized: "Unauthorized",
  unknownKey: "Unable to find embed details, please check your Embed API key and make sure to use the key for API.",
  unpaid: "Embed API requires a paid main plan with the API Credits add-on, or an active Embed API subscription.",
  notFound: "Social account not found",
  idRequired: "Social account id is required",
  deleted: "Social account deleted successfully",
};

let accounts = [];
let stats = {};

function seed() {
  const created = "2026-03-14T09:26:53.589Z";
  const row = (id, platformType, accountHandle, accountName, extra) => ({
    id, organizationId: "org_node", workspaceId: "ws_node", platformType, accountHandle,
    accountType: "organization", accountName, accountLogo: `https://cdn.example.test/${id}.jpg`,
    accessTokenStatus: "active", tokenExpiresAt: "2026-12-31T23:59:59.000Z",
    createdAt: created, updatedAt: created, ...extra,
  });
  accounts = [
    row("clx0linkedin0000000000001", "linkedin", "node-co", "Node Co"),
    row("clx0linkedin0000000000002", "linkedin", "node-jobs", "Node Jobs", { accountType: "personal" }),
    row("clx0instagram000000000003", "instagram", "node.gram", "Nöde Gram"),
    row("clx0tiktok000000000000004", "tiktok", "nodetok", "Node Tok", { accessTokenStatus: "expired" }),
  ];
  stats = { requests: 0, gzip: 0, chunked: 0, "429": 0, paths: [] };
}

const usage = {
  clx0linkedin0000000000001: [{ status: "PENDING", _count: 3 }, { status: "PUBLISHED", _count: 12 }],
  clx0instagram000000000003: [{ status: "DRAFT", _count: 1 }],
};

function summary(account) {
  const { id, platformType, accountHandle, accountType, accountName, accountLogo, accessTokenStatus } = account;
  return { id, platformType, accountHandle, accountType, accountName, accountLogo, accessTokenStatus };
}

// -- a tiny Express: middleware, routes with :params, res.json, compression ------------------------

function etag(body) {
  const hash = crypto.createHash("sha1").update(body).digest("base64").substring(0, 27);
  return `W/"${body.length.toString(16)}-${hash}"`;
}

function send(req, res, status, body, type) {
  let data = Buffer.from(body, "utf8");
  res.statusCode = status;
  res.setHeader("X-Powered-By", "Express");
  res.setHeader("Content-Type", type);
  res.setHeader("ETag", etag(data));
  const accepts = /\bgzip\b/.test(req.headers["accept-encoding"] || "");
  if (accepts && data.length >= COMPRESSION_THRESHOLD) {
    res.setHeader("Content-Encoding", "gzip");
    res.setHeader("Vary", "Accept-Encoding");
    stats.gzip += 1;
    stats.chunked += 1;
    // No Content-Length: Node sends the compressed stream chunked, as compression() does.
    const zipped = zlib.gzipSync(data);
    const half = Math.floor(zipped.length / 2);
    res.write(zipped.subarray(0, half));
    res.end(zipped.subarray(half));
    return;
  }
  res.setHeader("Content-Length", data.length);
  res.end(data);
}

function json(req, res, status, value) {
  send(req, res, status, JSON.stringify(value), "application/json; charset=utf-8");
}

function route(pattern) {
  // Express's path-to-regexp defaults: case-insensitive, an optional trailing slash.
  const names = [];
  const source = pattern.replace(/:(\w+)/g, (_, name) => { names.push(name); return "([^/]+?)"; });
  const regexp = new RegExp(`^${source}\\/?$`, "i");
  return (path) => {
    const match = regexp.exec(path);
    if (!match) return null;
    const params = {};
    names.forEach((name, i) => { params[name] = decodeURIComponent(match[i + 1]); });
    return params;
  };
}

const routes = [];
const app = {
  get: (pattern, handler) => routes.push({ method: "GET", match: route(pattern), handler }),
  delete: (pattern, handler) => routes.push({ method: "DELETE", match: route(pattern), handler }),
  post: (pattern, handler) => routes.push({ method: "POST", match: route(pattern), handler }),
};

// -- middleware ------------------------------------------------------------------------------------

function rateLimit(req, res) {
  if (RATE_LIMIT_EVERY && stats.requests % RATE_LIMIT_EVERY === 0) {
    stats["429"] += 1;
    res.setHeader("RateLimit-Policy", "100;w=60");
    res.setHeader("RateLimit-Limit", "100");
    res.setHeader("RateLimit-Remaining", "0");
    res.setHeader("RateLimit-Reset", "1");
    res.setHeader("Retry-After", "1");
    send(req, res, 429, "Too many requests, please try again later.", "text/html; charset=utf-8");
    return true;
  }
  return false;
}

function workspace(req, res) {
  let key = req.headers["embed-api-key"] || req.headers["authorization"] || "";
  key = key.replace(/^Bearer\s+/i, "").trim();
  if (!key) { json(req, res, 401, { status: false, message: MESSAGES.unauthorized }); return null; }
  if (key === KEYS.unpaid) { json(req, res, 402, { status: false, message: MESSAGES.unpaid }); return null; }
  if (key === KEYS.populated) return "populated";
  if (key === KEYS.empty) return "empty";
  json(req, res, 401, { status: false, message: MESSAGES.unknownKey });
  return null;
}

function mine(space) {
  return space === "populated" ? accounts : [];
}

// -- the API ---------------------------------------------------------------------------------------

app.get("/social-account", (req, res, params, space) => {
  const socialAccounts = Object.fromEntries(PLATFORMS.map((p) => [p, []]));
  for (const account of mine(space)) socialAccounts[account.platformType].push(summary(account));
  json(req, res, 200, { success: true, data: { socialAccounts } });
});

app.get("/social-account/:id", (req, res, { id }, space) => {
  if (!id.trim()) return json(req, res, 422, { success: false, message: MESSAGES.idRequired });
  const account = mine(space).find((a) => a.id === id);
  if (!account) return json(req, res, 404, { success: false, message: MESSAGES.notFound });
  json(req, res, 200, { success: true, data: { socialAccount: { ...account, accountType: undefined }, usage: usage[id] || [] } });
});

app.delete("/social-account/:id", (req, res, { id }, space) => {
  if (!id.trim()) return json(req, res, 422, { success: false, message: MESSAGES.idRequired });
  const index = mine(space).findIndex((a) => a.id === id);
  if (index < 0) return json(req, res, 404, { success: false, message: MESSAGES.notFound });
  accounts.splice(index, 1);
  json(req, res, 200, { success: true, message: MESSAGES.deleted });
});

const server = http.createServer((req, res) => {
  const path = new URL(req.url, "http://localhost").pathname;
  if (path === "/__reset" && req.method === "POST") { seed(); return json(req, res, 200, { ok: true }); }
  if (path === "/__stats") return json(req, res, 200, stats);
  stats.requests += 1;
  stats.paths.push(path);
  if (rateLimit(req, res)) return;
  for (const { method, match, handler } of routes) {
    const params = req.method === method ? match(path) : null;
    if (params) {
      const space = workspace(req, res);
      if (space) handler(req, res, params, space);
      return;
    }
  }
  const page = `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot ${req.method} ${path}</pre>\n</body>\n</html>\n`;
  send(req, res, 404, page, "text/html; charset=utf-8");
});

seed();
server.listen(0, "127.0.0.1", () => {
  console.log(`express_like: listening at http://127.0.0.1:${server.address().port}`);
});
