// The panel's HTTP server (started by scripts/serve.ts): Next's production request handler, with
// lib/view-cache in front of it when the database is PostgreSQL. LVS_VIEW_CACHE_MB (64) bounds the
// cache's memory; 0 turns it off.
import http from "node:http";
import path from "node:path";
import next from "next";
import pg from "pg";
import { ApiProblem, PROBLEM_CONTENT_TYPE, problemBody } from "../lib/api/problem";
import { CLIENT_ADDRESS_HEADER, clientAddressOf, parseTrustedProxies, signClientAddress } from "../lib/client-address";
import { withViewCache } from "../lib/view-cache/handler";

const root = path.resolve(import.meta.dirname, "..");
const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOSTNAME ?? "0.0.0.0";
const cacheMb = Number(process.env.LVS_VIEW_CACHE_MB ?? 64);

async function main() {
  const app = next({ dev: false, dir: root, hostname, port });
  await app.prepare();
  const handle = app.getRequestHandler();
  // On PGlite (one process, no pg endpoint to ask for the generation) every request goes to Next.
  const serve = process.env.DATABASE_URL && cacheMb > 0
    ? withViewCache(handle, { pool: new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 }), secret: process.env.NEXTAUTH_SECRET ?? "", maxBytes: cacheMb * 2 ** 20 })
    : handle;
  // Failed-login throttling counts per client address: X-Forwarded-For only counts from TRUSTED_PROXIES.
  const proxies = parseTrustedProxies(process.env.TRUSTED_PROXIES);
  const secret = process.env.NEXTAUTH_SECRET ?? "";
  const server = http.createServer((req, res) => {
    req.headers[CLIENT_ADDRESS_HEADER] = signClientAddress(clientAddressOf(req.socket.remoteAddress, req.headers["x-forwarded-for"], proxies), secret);
    if (!decodablePath(req.url ?? "/")) return refuseMalformedPath(req, res);
    Promise.resolve(serve(req, res)).catch((e: unknown) => {
      console.error("request failed:", e);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end();
    });
  });
  server.listen(port, hostname, () => console.log(`  ▲ ready on http://${hostname}:${port}${serve === handle ? "" : ` (view cache ${cacheMb} MiB)`}`));
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 3000).unref());
}

/** Next's router answers a path that is not valid percent-encoded UTF-8 with a bare 500; it is the client's error. */
function decodablePath(url: string): boolean {
  try {
    decodeURIComponent(url.split("?", 1)[0]!);
    return true;
  } catch {
    return false;
  }
}

function refuseMalformedPath(req: http.IncomingMessage, res: http.ServerResponse) {
  const path = (req.url ?? "/").split("?", 1)[0]!;
  if (path.startsWith("/api/v1/") || path === "/api/v1") {
    const p = new ApiProblem("malformed-path", "The path has a % not followed by two hex digits, or bytes that are not UTF-8.");
    res.writeHead(400, { "content-type": PROBLEM_CONTENT_TYPE });
    res.end(JSON.stringify(problemBody(p, path)));
    return;
  }
  res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
  res.end("Bad request: the path is not valid percent-encoded UTF-8.\n");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
