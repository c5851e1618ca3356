// The signed-in user of a request, decided as next-auth does (its session cookie, JWE, expiry).
import { decode } from "next-auth/jwt";

const NAMES = ["__Secure-next-auth.session-token", "next-auth.session-token"];

/** The session token from a Cookie header (next-auth splits big tokens into `.0`, `.1`… chunks). */
export function sessionToken(cookieHeader: string | undefined): string | null {
  if (!cookieHeader) return null;
  const jar = new Map<string, string>();
  for (const part of cookieHeader.split(";")) {
    const i = part.indexOf("=");
    if (i > 0) jar.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  for (const name of NAMES) {
    const whole = jar.get(name);
    if (whole) return whole;
    const chunks: string[] = [];
    for (let n = 0; jar.has(`${name}.${n}`); n++) chunks.push(jar.get(`${name}.${n}`)!);
    if (chunks.length) return chunks.join("");
  }
  return null;
}

/** Decoded tokens by value, so a page view does not re-derive the key and decrypt each time. */
const decoded = new Map<string, { sub: string; exp: number }>();

/** The user id in a valid, unexpired session token, else null. */
export async function sessionUserId(token: string, secret: string, now = Date.now()): Promise<string | null> {
  const known = decoded.get(token);
  if (known) {
    if (known.exp * 1000 > now) return known.sub;
    decoded.delete(token);
    return null;
  }
  try {
    const payload = await decode({ token, secret });
    const sub = typeof payload?.sub === "string" ? payload.sub : null;
    const exp = typeof payload?.exp === "number" ? payload.exp : 0;
    if (!sub || exp * 1000 <= now) return null;
    if (decoded.size >= 1000) decoded.delete(decoded.keys().next().value!);
    decoded.set(token, { sub, exp });
    return sub;
  } catch {
    return null;
  }
}
