// Documents with director HA on for the round-trip tests and `keepalived --config-test` (the interface is
// eth0: keepalived checks that it exists on the machine running the test).
import type { DocumentInput } from "@/lib/declarative";

const web = (address: string) => ({ protocol: "tcp" as const, address, port: 80, scheduler: "rr" as const, forward: "route" as const,
  realServers: [{ address: address.includes(":") ? "2001:db8::11" : "10.78.0.11" }] });

export const HA_SHAPES: Record<string, DocumentInput> = {
  "DR pair, multicast, connection sync, a preempt delay": { version: 1, services: [web("10.78.0.100")],
    ha: { enabled: true, interface: "eth0", virtualRouterId: 51, advertInt: 1, preempt: true, preemptDelay: 30, unicast: false, syncDaemon: true,
      directors: [{ name: "director1", priority: 150 }, { name: "director2", priority: 100 }] } },
  "nopreempt, no sync, advert 3 s, IPv4 and IPv6 VIPs, unicast": { version: 1, services: [web("10.78.0.100"), web("2001:db8::100"), web("10.78.0.101")],
    ha: { enabled: true, interface: "eth0", virtualRouterId: 200, advertInt: 3, preempt: false, preemptDelay: 10, unicast: true, syncDaemon: false,
      directors: [{ name: "a", priority: 200 }, { name: "b", priority: 50 }] } },
  "IPv6 VIPs only, no directors listed": { version: 1, services: [web("2001:db8::100")], ha: { enabled: true, virtualRouterId: 9, preemptDelay: 0 } },
};
