// Idempotency-Key on POST: the first response for (token, key) is stored and replayed; the same key
// with a different request is refused (422); a retry while the first is still running gets 409.
import crypto from "node:crypto";
import type { PrismaClient } from "@/generated/prisma/client";
import { isUniqueViolation } from "@/lib/errors";
import { ApiProblem } from "./problem";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const KEY_RE = /^[\x21-\x7e]{1,200}$/;
const REPLAYED_HEADERS = ["content-type", "location", "etag"];

export function requestHash(method: string, path: string, body: string): string {
  return crypto.createHash("sha256").update(`${method} ${path}\n`).update(body).digest("hex");
}

export function checkIdempotencyKey(key: string): string {
  if (!KEY_RE.test(key)) throw new ApiProblem("validation", "Idempotency-Key must be 1..200 visible ASCII characters (a UUID is ideal).",
    [{ field: "Idempotency-Key", rule: "format:idempotency-key", message: "must be 1..200 visible ASCII characters" }]);
  return key;
}

let calls = 0;

export async function withIdempotency(prisma: PrismaClient, tokenId: string, key: string, hash: string, run: () => Promise<Response>): Promise<Response> {
  if (++calls % 200 === 1) await prisma.idempotencyRecord.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - IDEMPOTENCY_TTL_MS) } } }).catch(() => {});
  let recordId: string;
  try {
    recordId = (await prisma.idempotencyRecord.create({ data: { tokenId, key, requestHash: hash } })).id;
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    const prev = await prisma.idempotencyRecord.findUnique({ where: { tokenId_key: { tokenId, key } } });
    if (!prev) throw new ApiProblem("idempotency-in-progress", "A request with this Idempotency-Key just finished failing; retry.", [], { "retry-after": "1" });
    if (prev.requestHash !== hash)
      throw new ApiProblem("idempotency-key-reused", `Idempotency-Key "${key}" was first used with a different request (method, path or body). Use a new key for a new request.`,
        [{ field: "Idempotency-Key", rule: "idempotency:same-request", message: "was used with a different request" }]);
    if (prev.status === null) throw new ApiProblem("idempotency-in-progress", `The first request with Idempotency-Key "${key}" is still being handled; retry in a moment.`, [], { "retry-after": "1" });
    const headers = new Headers((prev.headers ?? {}) as Record<string, string>);
    headers.set("idempotent-replayed", "true");
    headers.set("cache-control", "no-store");
    return new Response(prev.body ?? "", { status: prev.status, headers });
  }
  let res: Response;
  try {
    res = await run();
  } catch (e) {
    await prisma.idempotencyRecord.delete({ where: { id: recordId } }).catch(() => {});
    throw e;
  }
  if (res.status >= 500) {
    // a server-side failure is not an answer: let the client retry with the same key
    await prisma.idempotencyRecord.delete({ where: { id: recordId } }).catch(() => {});
    return res;
  }
  const body = await res.text();
  const headers: Record<string, string> = {};
  for (const h of REPLAYED_HEADERS) {
    const v = res.headers.get(h);
    if (v !== null) headers[h] = v;
  }
  await prisma.idempotencyRecord.update({ where: { id: recordId }, data: { status: res.status, body, headers } });
  return new Response(body, { status: res.status, headers: res.headers });
}
