import { describe, expect, it } from "vitest";
import { diffDocuments, validateDocument, type ClusterDocument, type DocumentInput } from ".";

const doc = (x: DocumentInput): ClusterDocument => {
  const v = validateDocument(x);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return v.document;
};
const base: DocumentInput = {
  version: 1, cluster: { description: "a" },
  services: [
    { protocol: "tcp", address: "10.0.0.1", port: 80, realServers: [{ address: "10.0.0.11", weight: 2 }, { address: "10.0.0.12" }] },
    { protocol: "fwmark", fwmark: 7, family: "inet6", realServers: [] },
  ],
};

describe("diffDocuments", () => {
  it("equal documents: nothing", () => expect(diffDocuments(doc(base), doc(base))).toEqual([]));
  it("services, real servers, weights, states, checks and the description, one line each", () => {
    const next = doc(base);
    next.cluster = { description: "b" };
    next.services[0]!.scheduler = "rr";
    next.services[0]!.realServers[0]!.weight = 5;
    next.services[0]!.realServers[1]!.state = "draining";
    next.services[0]!.realServers.push({ address: "10.0.0.13", port: 80, weight: 1, upperThreshold: 0, lowerThreshold: 0, state: "active" });
    next.services[0]!.healthCheck = doc({ version: 1, services: [{ protocol: "tcp", address: "1.1.1.1", port: 1, healthCheck: { kind: "http" } }] }).services[0]!.healthCheck;
    next.services.splice(1, 1);
    next.services.push(doc({ version: 1, services: [{ protocol: "udp", address: "2001:db8::1", port: 53, realServers: [{ address: "2001:db8::11" }] }] }).services[0]!);
    expect(diffDocuments(doc(base), next).map((d) => d.text)).toEqual([
      'cluster description a → b',
      "remove FWM 7 IPv6 (0 real servers)",
      "TCP 10.0.0.1:80: scheduler wlc → rr",
      "TCP 10.0.0.1:80: add a http health check",
      "TCP 10.0.0.1:80: real server 10.0.0.11:80 weight 2 → 5",
      "TCP 10.0.0.1:80: real server 10.0.0.12:80 state active → draining",
      "TCP 10.0.0.1:80: add real server 10.0.0.13:80 (weight 1)",
      "add UDP [2001:db8::1]:53 (wlc, route, 1 real server)",
      "UDP [2001:db8::1]:53: add real server [2001:db8::11]:53 (weight 1)",
    ]);
  });
  it("a check's changed fields", () => {
    const a = doc({ version: 1, services: [{ protocol: "tcp", address: "10.0.0.1", port: 80, healthCheck: { kind: "tcp" } }] });
    const b = doc({ version: 1, services: [{ protocol: "tcp", address: "10.0.0.1", port: 80, healthCheck: { kind: "http", fall: 5 } }] });
    expect(diffDocuments(a, b).map((d) => d.text)).toEqual(["TCP 10.0.0.1:80: health check kind tcp → http, fall 3 → 5"]);
    expect(diffDocuments(b, { ...b, services: [{ ...b.services[0]!, healthCheck: null }] }).map((d) => d.kind)).toEqual(["remove"]);
  });
});
