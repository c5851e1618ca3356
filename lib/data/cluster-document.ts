import type { Prisma, PrismaClient } from "@/generated/prisma/client";
import { audit } from "@/lib/audit";
import { StaleError, UserError } from "@/lib/errors";
import { hostPort } from "@/lib/ipvs/address";
import { diffDocuments, jsonEqual, validateDocument, type ClusterDocument, type DiffLine, type DocumentHealthCheck, type DocumentService } from "@/lib/declarative";
import { serviceLabel } from "@/lib/data/virtual-services";
import type { ServiceRow } from "@/lib/desired/desired";
import { validateService } from "@/lib/ipvs/schema";
import { latestVersionNumber, recordVersion } from "@/lib/data/cluster-versions";
import { DEFAULT_VRRP_PRIORITY, HA_DEFAULTS, haRefusals } from "@/lib/ha/model";
import type { DocumentHa } from "@/lib/declarative";

// The bridge between the declarative cluster document (lib/declarative) and the rows: documentOf reads
// the operator's desired state (the rows, never the health checker's overlay), storeDocument makes the
// rows match a document with the fewest writes, in one short transaction. Order carries no meaning in
// IPVS, so both sides are compared in canonicalDocument's order (services by key, real servers by RIP).

type Tx = Prisma.TransactionClient;
export type DocumentSource = "ui" | "api" | "cli" | "import" | "rollback";
type Fwd = "route" | "masq" | "tunnel";

const CHECK_KEYS = ["enabled", "kind", "port", "path", "hostHeader", "expectStatus", "bodyContains", "intervalMs", "timeoutMs", "rise", "fall", "runFrom", "onFail", "quorum"] as const;

const collator = new Intl.Collator("en", { numeric: true });
const serviceSortKey = (s: DocumentService) =>
  s.protocol === "fwmark" ? `~fwm ${s.family ?? "inet"} ${String(s.fwmark).padStart(10, "0")}` : `${s.protocol} ${s.address} ${String(s.port).padStart(5, "0")}`;
const rsSortKey = (r: { address: string; port?: number }) => `${r.address} ${String(r.port ?? 0).padStart(5, "0")}`;

/** The document with services and real servers in one fixed order (what documentOf returns). */
export function canonicalDocument(doc: ClusterDocument): ClusterDocument {
  const services = doc.services
    .map((s) => ({ ...s, realServers: [...s.realServers].sort((a, b) => collator.compare(rsSortKey(a), rsSortKey(b))) }))
    .sort((a, b) => collator.compare(serviceSortKey(a), serviceSortKey(b)));
  return { ...doc, services };
}

type ServiceRowFull = Prisma.VirtualServiceGetPayload<{ include: { realServers: true; healthCheck: true } }>;
// what the document is made of (documentOf reads only these)
const DOCUMENT_SERVICE = {
  id: true, protocol: true, address: true, port: true, fwmark: true, family: true, scheduler: true, schedulerFlags: true, persistenceTimeout: true,
  persistenceNetmask: true, persistenceEngine: true, onePacket: true, forwardingMethod: true, sorryAddress: true, sorryPort: true, description: true,
  healthCheck: true,
} as const satisfies Prisma.VirtualServiceSelect;
type DocRealServer = Pick<ServiceRowFull["realServers"][number], "address" | "port" | "weight" | "upperThreshold" | "lowerThreshold" | "state" | "forwardingMethod">;
type ServiceDocRow = Prisma.VirtualServiceGetPayload<{ select: typeof DOCUMENT_SERVICE }> & { realServers: DocRealServer[] };

/**
 * The cluster's real servers by service, read as ONE JSON value: the embedded database hands rows to
 * JavaScript one at a time, which made 10,000 of them (a cluster document, each version) 4x slower.
 */
async function realServersByService(db: PrismaClient | Tx, clusterId: string): Promise<Map<string, DocRealServer[]>> {
  const [row] = await db.$queryRaw<{ j: string | null }[]>`SELECT json_agg(json_build_array(r."virtualServiceId", r.address, r.port, r.weight,
    r."upperThreshold", r."lowerThreshold", r.state, r."forwardingMethod"))::text AS j
    FROM "RealServer" r JOIN "VirtualService" v ON v.id = r."virtualServiceId" WHERE v."clusterId" = ${clusterId}`;
  const out = new Map<string, DocRealServer[]>();
  type Cols = [string, string, number, number, number, number, DocRealServer["state"], DocRealServer["forwardingMethod"]];
  for (const [vs, address, port, weight, upperThreshold, lowerThreshold, state, forwardingMethod] of JSON.parse(row?.j ?? "[]") as Cols[]) {
    let list = out.get(vs);
    if (!list) out.set(vs, (list = []));
    list.push({ address, port, weight, upperThreshold, lowerThreshold, state, forwardingMethod });
  }
  return out;
}

function checkOf(c: ServiceDocRow["healthCheck"]): DocumentHealthCheck | null {
  if (!c) return null;
  return Object.fromEntries(CHECK_KEYS.map((k) => [k, c[k]])) as DocumentHealthCheck;
}

function serviceOf(s: ServiceDocRow): DocumentService {
  const forward = s.forwardingMethod;
  const fw = s.protocol === "fwmark";
  return {
    protocol: s.protocol,
    ...(fw ? { family: s.family === "inet6" ? "inet6" : "inet", fwmark: s.fwmark ?? undefined } : { address: s.address ?? undefined, port: s.port ?? undefined }),
    scheduler: s.scheduler as DocumentService["scheduler"],
    flags: s.schedulerFlags as DocumentService["flags"],
    persistence: s.persistenceTimeout === null ? null : {
      timeout: s.persistenceTimeout,
      ...(s.persistenceNetmask ? { netmask: s.persistenceNetmask } : {}),
      ...(s.persistenceEngine ? { engine: s.persistenceEngine as "sip" } : {}),
    },
    ops: s.onePacket,
    forward,
    sorryServer: s.sorryAddress && s.sorryPort !== null ? { address: s.sorryAddress, port: s.sorryPort } : null,
    healthCheck: checkOf(s.healthCheck),
    description: s.description,
    realServers: s.realServers.map((r) => ({
      address: r.address, port: r.port, weight: r.weight, upperThreshold: r.upperThreshold, lowerThreshold: r.lowerThreshold, state: r.state,
      ...(r.forwardingMethod !== forward ? { forward: r.forwardingMethod } : {}),
    })),
  };
}

/**
 * The service-level values as a validated document has them (lib/ipvs's canonical netmask, its default
 * when a form left it blank, canonical flags). Real servers are taken as stored: every write path stores
 * them validated and canonical, and judging 10,000 of them again made each version cost a full validation.
 */
function normalised(s: DocumentService): DocumentService {
  const v = validateService({
    protocol: s.protocol, family: s.family, address: s.address, port: s.port, fwmark: s.fwmark, scheduler: s.scheduler, flags: s.flags,
    persistent: s.persistence?.timeout ?? null, netmask: s.persistence?.netmask ?? null, pe: s.persistence?.engine ?? null, ops: s.ops,
  });
  if (!v.ok) return s;
  const n = v.value;
  return {
    ...s, flags: n.flags as DocumentService["flags"],
    ...(s.protocol === "fwmark" ? {} : { address: n.address ?? undefined }),
    persistence: n.persistent === null ? null : { timeout: n.persistent, netmask: n.netmask ?? undefined, ...(n.pe ? { engine: n.pe } : {}) },
  };
}

async function readRows(db: PrismaClient | Tx, clusterId: string) {
  const cluster = await db.cluster.findUnique({ where: { id: clusterId } });
  if (!cluster) return null;
  const services = await db.virtualService.findMany({ where: { clusterId }, include: { realServers: true, healthCheck: true } });
  return { cluster, services };
}

// the HA columns the document holds (never the password: a secret stays out of documents and versions)
const HA_COLUMNS = {
  haEnabled: true, vrrpInterface: true, vrrpRouterId: true, vrrpAdvertInt: true, vrrpPreempt: true, vrrpPreemptDelay: true, vrrpUnicast: true, syncDaemon: true,
} as const satisfies Prisma.ClusterSelect;
type HaRow = Prisma.ClusterGetPayload<{ select: typeof HA_COLUMNS }>;
type DirectorRow = { name: string; vrrpPriority: number };

const haOfRow = (c: HaRow): Omit<DocumentHa, "directors"> => ({
  enabled: c.haEnabled, interface: c.vrrpInterface, virtualRouterId: c.vrrpRouterId, advertInt: c.vrrpAdvertInt, preempt: c.vrrpPreempt,
  preemptDelay: c.vrrpPreemptDelay, unicast: c.vrrpUnicast, syncDaemon: c.syncDaemon,
});
const haColumns = (h: DocumentHa): HaRow => ({
  haEnabled: h.enabled, vrrpInterface: h.interface, vrrpRouterId: h.virtualRouterId, vrrpAdvertInt: h.advertInt, vrrpPreempt: h.preempt,
  vrrpPreemptDelay: h.preemptDelay, vrrpUnicast: h.unicast, syncDaemon: h.syncDaemon,
});
const HA_DEFAULT_ROW = haOfRow({
  haEnabled: HA_DEFAULTS.enabled, vrrpInterface: HA_DEFAULTS.iface, vrrpRouterId: HA_DEFAULTS.routerId, vrrpAdvertInt: HA_DEFAULTS.advertInt,
  vrrpPreempt: HA_DEFAULTS.preempt, vrrpPreemptDelay: HA_DEFAULTS.preemptDelay, vrrpUnicast: HA_DEFAULTS.unicast, syncDaemon: HA_DEFAULTS.syncDaemon,
});

/**
 * The `ha` section: only when HA is on, a setting differs from a new cluster's, or a director's priority
 * from 100 (a cluster that never had HA keeps the documents and versions it had, byte for byte).
 */
function haSectionOf(c: HaRow, directors: DirectorRow[]): DocumentHa | undefined {
  const settings = haOfRow(c);
  if (!settings.enabled && jsonEqual(settings, HA_DEFAULT_ROW) && directors.every((d) => d.vrrpPriority === DEFAULT_VRRP_PRIORITY)) return undefined;
  const sorted = [...directors].sort((a, b) => collator.compare(a.name, b.name));
  return { ...settings, directors: sorted.map((d) => ({ name: d.name, priority: d.vrrpPriority })) };
}

async function directorRows(db: PrismaClient | Tx, clusterId: string) {
  return db.host.findMany({ where: { clusterId, role: "director" }, select: { id: true, name: true, address: true, vrrpPriority: true } });
}

function documentOfRows(cluster: { name: string; description: string } & HaRow, services: ServiceDocRow[], directors: DirectorRow[]): ClusterDocument {
  const ha = haSectionOf(cluster, directors);
  return canonicalDocument({
    version: 1,
    cluster: { name: cluster.name, description: cluster.description },
    services: services.map((s) => normalised(serviceOf(s))),
    ...(ha ? { ha } : {}),
  });
}

/** The operator's desired state of a cluster as the declarative document (null: no such cluster), and the cluster's version. */
export async function documentOf(prisma: PrismaClient | Tx, clusterId: string): Promise<{ document: ClusterDocument; version: number; name: string } | null> {
  const cluster = await prisma.cluster.findUnique({ where: { id: clusterId }, select: { name: true, description: true, version: true, ...HA_COLUMNS } });
  if (!cluster) return null;
  const services = await prisma.virtualService.findMany({ where: { clusterId }, select: DOCUMENT_SERVICE });
  const rs = await realServersByService(prisma, clusterId);
  const directors = await directorRows(prisma, clusterId);
  const document = documentOfRows(cluster, services.map((s) => ({ ...s, realServers: rs.get(s.id) ?? [] })), directors);
  return { document, version: cluster.version, name: cluster.name };
}

/** A document that does not validate: each error names its path (`services[2].realServers[0].weight`). */
export class DocumentInvalid extends UserError {
  constructor(readonly errors: { path: string; message: string }[]) {
    super(`The document is not valid: ${errors.map((e) => `${e.path || "(document)"}: ${e.message}`).join("; ")}`,
      Object.fromEntries(groupBy(errors)));
    this.name = "DocumentInvalid";
  }
}
function groupBy(errors: { path: string; message: string }[]): [string, string[]][] {
  const m = new Map<string, string[]>();
  for (const e of errors) m.set(e.path || "_form", [...(m.get(e.path || "_form") ?? []), e.message]);
  return [...m];
}

/** Validates a parsed value as a document (DocumentInvalid naming the paths when it is not one). */
export function parseDocumentValue(value: unknown): ClusterDocument {
  const v = validateDocument(value);
  if (!v.ok) throw new DocumentInvalid(v.errors);
  return v.document;
}

export interface StoreResult {
  changed: boolean;
  /** one line per change, in the operator's words ("add TCP 10.0.0.1:80", "weight 10.0.0.11:80 1 → 5 in TCP …") */
  changes: string[];
  /** the cluster's version after the store (the If-Match of the next store) */
  version: number;
  /** the ClusterVersion.number that holds this state (null: none recorded yet, nothing changed) */
  clusterVersion: number | null;
  document: ClusterDocument;
}

export interface StoreOptions {
  /** the cluster version the document was based on (If-Match): refused with StaleError when it moved */
  ifVersion?: number;
}

const vsKey = (s: { protocol: string; address?: string | null; port?: number | null; fwmark?: number | null; family?: string | null }) =>
  s.protocol === "fwmark" ? `fwmark ${s.fwmark} ${s.family === "inet6" ? "inet6" : "inet"}` : `${s.protocol} ${s.address} ${s.port}`;
const rsKey = (r: { address: string; port: number }) => `${r.address} ${r.port}`;

function serviceColumns(s: DocumentService) {
  const fw = s.protocol === "fwmark";
  return {
    protocol: s.protocol,
    address: fw ? null : s.address!,
    port: fw ? null : s.port!,
    fwmark: fw ? s.fwmark! : null,
    family: fw ? (s.family ?? "inet") : s.address!.includes(":") ? "inet6" : "inet",
    scheduler: s.scheduler,
    schedulerFlags: s.flags as string[],
    persistenceTimeout: s.persistence?.timeout ?? null,
    persistenceNetmask: s.persistence ? (s.persistence.netmask === undefined ? null : String(s.persistence.netmask)) : null,
    persistenceEngine: s.persistence?.engine ?? null,
    onePacket: s.ops,
    sorryAddress: s.sorryServer?.address ?? null,
    sorryPort: s.sorryServer?.port ?? null,
    description: s.description,
    forwardingMethod: s.forward as Fwd,
  };
}

function rsColumns(s: DocumentService, r: DocumentService["realServers"][number]) {
  return {
    address: r.address, port: r.port ?? 0, weight: r.weight, upperThreshold: r.upperThreshold, lowerThreshold: r.lowerThreshold,
    state: r.state, forwardingMethod: (r.forward ?? s.forward) as Fwd,
  };
}

function differs<T extends Record<string, unknown>>(want: T, row: Record<string, unknown>): (keyof T)[] {
  return (Object.keys(want) as (keyof T)[]).filter((k) => !jsonEqual(want[k], row[k as string]));
}

/** Refusals the document schema cannot see because they need the rows (quorum against the real servers). */
function rowRules(doc: ClusterDocument, clusterName: string): { path: string; message: string }[] {
  const errors: { path: string; message: string }[] = [];
  if (doc.cluster?.name !== undefined && doc.cluster.name !== clusterName)
    errors.push({ path: "cluster.name", message: `the document is of cluster ${doc.cluster.name}, not ${clusterName}` });
  doc.services.forEach((s, i) => {
    if (s.healthCheck && s.healthCheck.quorum > 1 && s.healthCheck.quorum > s.realServers.length)
      errors.push({ path: `services[${i}].healthCheck.quorum`, message: "must not exceed the number of real servers of the service" });
  });
  return errors;
}

/**
 * Makes the cluster's desired state (services, real servers, checks, the description) match `value`
 * with the fewest writes, in one transaction that locks the cluster row; a document that does not
 * validate is refused (DocumentInvalid) and nothing changes. Each row written is version-checked like
 * the forms' edits, so a concurrent edit makes this fail (StaleError) rather than be overwritten.
 * Health overrides and health state of real servers that stay are kept. A change is recorded as a
 * version (lib/data/cluster-versions) in the same transaction. `ha` absent: the HA settings and the
 * directors' priorities stay as they are; present: written too (directors not listed keep theirs).
 */
export async function storeDocument(
  prisma: PrismaClient, clusterId: string, value: unknown, actor: string, source: DocumentSource, opts: StoreOptions = {},
): Promise<StoreResult> {
  const doc = canonicalDocument(parseDocumentValue(value));
  return prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Cluster" WHERE id = ${clusterId} FOR UPDATE`;
    const rows = await readRows(tx, clusterId);
    if (!rows) throw new UserError("This cluster no longer exists.");
    const { cluster } = rows;
    if (opts.ifVersion !== undefined && opts.ifVersion !== cluster.version) throw new StaleError(`Cluster ${cluster.name}`);
    const directors = await directorRows(tx, clusterId);
    const invalid = [...rowRules(doc, cluster.name), ...haRules(doc, cluster.name, directors)];
    if (invalid.length) throw new DocumentInvalid(invalid);
    const changes: string[] = [];
    const stale = (what: string) => new StaleError(what);

    const hosts = await tx.host.findMany({ where: { clusterId, role: "real_server" }, select: { id: true, address: true } });
    const hostAt = new Map(hosts.map((h) => [h.address, h.id]));
    const existing = new Map(rows.services.map((s) => [vsKey(s), s]));
    const wanted = new Set(doc.services.map(vsKey));

    for (const [k, s] of existing) {
      if (wanted.has(k)) continue;
      const res = await tx.virtualService.deleteMany({ where: { id: s.id, version: s.version } });
      if (res.count !== 1) throw stale(`Virtual service ${serviceLabel(s)}`);
      changes.push(`remove ${serviceLabel(s)}`);
    }
    for (const s of doc.services) {
      const cols = serviceColumns(s);
      const label = serviceLabel(cols);
      let row = existing.get(vsKey(s));
      let bumped = false;
      if (!row) {
        const created = await tx.virtualService.create({ data: { ...cols, clusterId } });
        row = { ...created, realServers: [], healthCheck: null };
        changes.push(`add ${label}`);
      } else {
        const d = differs(cols, row as unknown as Record<string, unknown>);
        if (d.length) {
          const res = await tx.virtualService.updateMany({ where: { id: row.id, version: row.version }, data: { ...cols, version: { increment: 1 } } });
          if (res.count !== 1) throw stale(`Virtual service ${label}`);
          changes.push(`change ${label}: ${d.join(", ")}`);
          bumped = true;
        }
      }
      const rs = await storeRealServers(tx, s, row, label, hostAt, changes);
      const check = await storeCheck(tx, s, row, label, changes);
      // a real-server or check change bumps the service's version, as the forms' edits do
      if ((rs || check) && existing.has(vsKey(s)) && !bumped) await tx.virtualService.update({ where: { id: row.id }, data: { version: { increment: 1 } } });
    }
    const description = doc.cluster?.description;
    let version = cluster.version;
    if (description !== undefined && description !== cluster.description) changes.push(`cluster description: ${JSON.stringify(cluster.description)} → ${JSON.stringify(description)}`);
    const ha = doc.ha ? await storeHa(tx, doc.ha, cluster, directors, changes) : {};
    if (changes.length) {
      const data = { ...(description !== undefined ? { description } : {}), ...ha, version: { increment: 1 } };
      const after = await tx.cluster.update({ where: { id: clusterId }, data });
      if (doc.ha && Object.keys(ha).length)
        await audit(tx, { actor, action: "cluster.ha", target: `cluster:${cluster.name}`, before: { ...haOfRow(cluster), source }, after: { ...haOfRow(after), source } });
      version = after.version;
      const document = (await documentOf(tx, clusterId))!.document;
      await audit(tx, { actor, action: "cluster.document.store", target: `cluster:${cluster.name}`, after: { source, changes } });
      const clusterVersion = await recordVersion(tx, clusterId, actor, source, document);
      return { changed: true, changes, version, document, clusterVersion };
    }
    return { changed: false, changes, version, document: documentOfRows(cluster, rows.services, directors), clusterVersion: await latestVersionNumber(tx, clusterId) };
  }, STORE_TRANSACTION);
}

/** The `ha` section against the rows: directors named must be the cluster's, and the HA settings' own rules (lib/ha haRefusals). */
function haRules(doc: ClusterDocument, clusterName: string, directors: Array<DirectorRow & { address: string }>): { path: string; message: string }[] {
  if (!doc.ha) return [];
  const names = new Set(directors.map((d) => d.name));
  const errors = doc.ha.directors.flatMap((d, j) =>
    names.has(d.name) ? [] : [{ path: `ha.directors[${j}].name`,
      message: `${clusterName} has no director named ${d.name} (directors: ${[...names].sort().join(", ") || "none"})` }]);
  for (const r of haRefusals(doc.ha, clusterName, directors)) errors.push({ path: `ha.${r.field}`, message: `${r.message}: ${r.summary}` });
  return errors;
}

/** Writes the listed directors' priorities; returns the HA columns that change (written with the cluster's version bump). */
async function storeHa(tx: Tx, want: DocumentHa, cluster: HaRow, directors: Array<DirectorRow & { id: string }>, changes: string[]): Promise<Partial<HaRow>> {
  const cols = haColumns(want);
  const d = differs(cols, cluster as unknown as Record<string, unknown>);
  if (d.length) changes.push(`change the HA settings: ${d.map((k) => `${k} ${String(cluster[k])} → ${String(cols[k])}`).join(", ")}`);
  const byName = new Map(directors.map((x) => [x.name, x]));
  for (const w of want.directors) {
    const h = byName.get(w.name)!;
    if (h.vrrpPriority === w.priority) continue;
    await tx.host.update({ where: { id: h.id }, data: { vrrpPriority: w.priority } });
    changes.push(`change director ${w.name}: VRRP priority ${h.vrrpPriority} → ${w.priority}`);
  }
  return Object.fromEntries(d.map((k) => [k, cols[k]]));
}

// Prisma's default of 5 s is less than a first import of 10,000 real servers (1,000 services) takes on
// PostgreSQL on a busy machine (bench:versions --postgres: ~4 s, and over 5 s it failed); the cluster
// row's lock makes other writers of this cluster wait, never interleave.
const STORE_TRANSACTION = { timeout: 60_000, maxWait: 10_000 };

async function storeRealServers(
  tx: Tx, s: DocumentService, row: ServiceRowFull, label: string, hostAt: Map<string, string>, changes: string[],
): Promise<boolean> {
  let touched = false;
  const have = new Map(row.realServers.map((r) => [rsKey(r), r]));
  const want = new Set(s.realServers.map((r) => rsKey(rsColumns(s, r))));
  for (const [k, r] of have) {
    if (want.has(k)) continue;
    const res = await tx.realServer.deleteMany({ where: { id: r.id, version: r.version } });
    if (res.count !== 1) throw new StaleError(`Real server ${hostPort(r.address, r.port)}`);
    changes.push(`remove ${hostPort(r.address, r.port)} from ${label}`);
    touched = true;
  }
  // new real servers in one statement (an import of thousands is one round trip per service, not one each)
  const added: Prisma.RealServerCreateManyInput[] = [];
  for (const r of s.realServers) {
    const cols = rsColumns(s, r);
    const at = hostPort(cols.address, cols.port);
    const before = have.get(rsKey(cols));
    if (!before) {
      added.push({ ...cols, virtualServiceId: row.id, hostId: hostAt.get(cols.address) ?? null });
      changes.push(`add ${at} to ${label} (weight ${cols.weight}${cols.state === "active" ? "" : `, ${cols.state}`})`);
      touched = true;
      continue;
    }
    const d = differs(cols, before as unknown as Record<string, unknown>);
    if (!d.length) continue;
    const res = await tx.realServer.updateMany({ where: { id: before.id, version: before.version }, data: { ...cols, version: { increment: 1 } } });
    if (res.count !== 1) throw new StaleError(`Real server ${at}`);
    const b = before as unknown as Record<string, unknown>;
    changes.push(`change ${at} in ${label}: ${d.map((k) => `${String(k)} ${String(b[k as string])} → ${String(cols[k])}`).join(", ")}`);
    touched = true;
  }
  if (added.length) await tx.realServer.createMany({ data: added });
  return touched;
}

async function storeCheck(tx: Tx, s: DocumentService, row: ServiceRowFull, label: string, changes: string[]): Promise<boolean> {
  const want = s.healthCheck, have = row.healthCheck;
  if (!want && !have) return false;
  if (!want) {
    const res = await tx.healthCheck.deleteMany({ where: { id: have!.id, version: have!.version } });
    if (res.count !== 1) throw new StaleError(`The health check of ${label}`);
    changes.push(`remove the health check of ${label}`);
    return true;
  }
  if (!have) {
    await tx.healthCheck.create({ data: { ...want, virtualServiceId: row.id } });
    changes.push(`add a ${want.kind} health check to ${label}`);
    return true;
  }
  const d = differs(want as unknown as Record<string, unknown>, have as unknown as Record<string, unknown>);
  if (!d.length) return false;
  const res = await tx.healthCheck.updateMany({ where: { id: have.id, version: have.version }, data: { ...want, version: { increment: 1 } } });
  if (res.count !== 1) throw new StaleError(`The health check of ${label}`);
  changes.push(`change the health check of ${label}: ${d.join(", ")}`);
  return true;
}

/** A document's services as the rows lib/desired builds the table from (the plan of a document not stored yet). */
export function serviceRowsOf(doc: ClusterDocument): ServiceRow[] {
  return doc.services.map((s) => ({ ...serviceColumns(s), realServers: s.realServers.map((r) => rsColumns(s, r)) }));
}

/**
 * What storing `value` would change, without storing it: the same validation as storeDocument (path
 * errors, DocumentInvalid) and the readable diff from the current desired state.
 */
export async function previewDocument(prisma: PrismaClient, clusterId: string, value: unknown): Promise<{ document: ClusterDocument; changes: DiffLine[]; version: number }> {
  const v = validateDocument(value);
  if (!v.ok) throw new DocumentInvalid(v.errors);
  const doc = canonicalDocument(v.document);
  const now = await documentOf(prisma, clusterId);
  if (!now) throw new UserError("This cluster no longer exists.");
  const invalid = [...rowRules(doc, now.name), ...haRules(doc, now.name, await directorRows(prisma, clusterId))];
  if (invalid.length) throw new DocumentInvalid(invalid);
  // what storing it leaves: absent `ha` keeps the settings, a director not listed keeps its priority
  const listed = new Set(doc.ha?.directors.map((d) => d.name));
  const ha = doc.ha ? { ...doc.ha, directors: [...doc.ha.directors, ...(now.document.ha?.directors ?? []).filter((d) => !listed.has(d.name))] } : now.document.ha;
  return { document: doc, changes: diffDocuments(now.document, { ...doc, cluster: { ...now.document.cluster, ...doc.cluster }, ...(ha ? { ha } : {}) }), version: now.version };
}
