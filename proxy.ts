import { getToken } from "next-auth/jwt";
import { NextResponse, type NextRequest } from "next/server";

// First line of defence only: every page, action and route handler checks the session itself.
// /api/metrics checks its own bearer token (METRICS_TOKEN).
// /api/v1 authenticates every request itself (bearer tokens, problem+json 401): lib/api/router.ts.
// /schemas/*.json: public JSON Schemas (public/schemas), like the OpenAPI document.
const PUBLIC = [/^\/login$/, /^\/setup$/, /^\/api\/auth\//, /^\/api\/health$/, /^\/api\/metrics$/, /^\/favicon\.(svg|ico)$/, /^\/api\/v1(\/|$)/, /^\/schemas\/[\w.-]+\.json$/];

export async function proxy(req: NextRequest) {
  const { pathname, search } = req.nextUrl;
  if (PUBLIC.some((re) => re.test(pathname))) return NextResponse.next();
  const token = await getToken({ req, secret: process.env.NEXTAUTH_SECRET });
  if (token) return NextResponse.next();
  if (pathname.startsWith("/api/")) return NextResponse.json({ error: "not signed in" }, { status: 401 });
  const url = req.nextUrl.clone();
  url.pathname = "/login";
  url.search = `?callbackUrl=${encodeURIComponent(pathname + search)}`;
  return NextResponse.redirect(url);
}

export const config = { matcher: ["/((?!_next/static|_next/image).*)"] };
