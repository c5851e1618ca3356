// HA configurations for the renderer's tests (vrrp.test.ts) and the real `keepalived --config-test` (vrrp.int.test.ts).
import type { HaConfigInput, HaSettings } from "@/lib/ha/model";

export const BASE: HaSettings = { enabled: true, routerId: 51, iface: "eth0", advertInt: 1, preempt: true, preemptDelay: 0, unicast: true, authPass: null, syncDaemon: true };
const d1 = { id: "d1", name: "director", address: "10.78.0.2", priority: 150 };
const d2 = { id: "d2", name: "director2", address: "10.78.0.3", priority: 100 };

export const HA_SHAPES: Record<string, HaConfigInput> = {
  "v4 only, unicast, sync daemon": { settings: BASE, self: d1, peers: [d2], vips: ["10.78.0.100"] },
  "v4 + v6 VIPs": { settings: BASE, self: d2, peers: [d1], vips: ["10.78.0.100", "fd78::100", "10.78.0.101"] },
  "multicast, v4": { settings: { ...BASE, unicast: false }, self: d1, peers: [d2], vips: ["10.78.0.100"] },
  "multicast, v6 only (VRRPv3)": { settings: { ...BASE, unicast: false }, self: d1, peers: [], vips: ["fd78::100"] },
  "nopreempt": { settings: { ...BASE, preempt: false, preemptDelay: 30 }, self: d1, peers: [d2], vips: ["10.78.0.100"] },
  "preempt_delay": { settings: { ...BASE, preemptDelay: 60 }, self: d1, peers: [d2], vips: ["10.78.0.100"] },
  "auth PASS": { settings: { ...BASE, authPass: "s3cr=t:8" }, self: d1, peers: [d2], vips: ["10.78.0.100"] },
  "no sync daemon, advert 3, router 255, name with blanks": { settings: { ...BASE, syncDaemon: false, advertInt: 3, routerId: 255 }, self: { ...d1, name: "edge dir #1", priority: 254 }, peers: [d2, { id: "d3", name: "d3", address: "10.78.0.4", priority: 1 }], vips: ["10.78.0.100"] },
  "unicast over IPv6": { settings: BASE, self: { ...d1, address: "fd78::2" }, peers: [{ ...d2, address: "fd78::3" }], vips: ["fd78::100", "10.78.0.100"] },
};
