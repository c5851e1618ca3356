// Where the login page sends a signed-in user: only a path on the panel itself. The URL parser
// (not a prefix test) decides, because browsers read "/\evil.example", "/\t/evil.example" and
// "/%09/evil.example"-style inputs as other hosts: a backslash counts as a slash and tabs and
// newlines are dropped before parsing.
const DEFAULT = "/clusters";

export function safeCallbackPath(raw: unknown, origin: string): string {
  if (typeof raw !== "string" || raw === "") return DEFAULT;
  let url: URL;
  try {
    url = new URL(raw, origin);
  } catch {
    return DEFAULT;
  }
  if (url.origin !== new URL(origin).origin) return DEFAULT;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // "//host" or "/\host" would leave the site when the browser resolves it again
  if (!path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) return DEFAULT;
  return path;
}
