// Test support: /api/v1 through the router in this process (no panel build), with a bearer token
// read at each call (tests set it in beforeAll).
import { handleApi } from "../routes";

export function inProcessApi(token: () => string) {
  return async (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => {
    const h: Record<string, string> = { authorization: `Bearer ${token()}`, ...headers };
    if (body !== undefined) h["content-type"] = "application/json";
    const res = await handleApi(new Request(`http://127.0.0.1/api/v1${p}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) }));
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };
}
