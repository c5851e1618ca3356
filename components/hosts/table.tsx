import { HostKeyTrust } from "./key-trust";

type HostRow = { id: string; name: string; address: string; sshPort: number; sshUser: string; role: string; hostKeyFingerprint: string | null; cluster: { name: string } };

export function HostTable({ hosts, showCluster = false, canTrust = false, canRetrust = false }: { hosts: HostRow[]; showCluster?: boolean; canTrust?: boolean; canRetrust?: boolean }) {
  return (
    <div className="card overflow-x-auto p-0">
      <table className="table" data-testid="hosts-table">
        <thead><tr><th>Host</th>{showCluster && <th>Cluster</th>}<th>Role</th><th>SSH</th><th>Host key</th></tr></thead>
        <tbody>
          {hosts.map((h) => (
            <tr key={h.id} data-host={h.name}>
              <td className="font-medium">{h.name}</td>
              {showCluster && <td>{h.cluster.name}</td>}
              <td>{h.role === "director" ? "director" : "real server"}</td>
              <td className="mono">{h.sshUser}@{h.address.includes(":") ? `[${h.address}]` : h.address}:{h.sshPort}</td>
              <td><HostKeyTrust hostId={h.id} hostName={h.name} pinned={h.hostKeyFingerprint} canTrust={canTrust} canRetrust={canRetrust} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
