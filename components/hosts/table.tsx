import { HostKeyTrust } from "./key-trust";
import { HostRowActions } from "./row-actions";

type HostRow = { id: string; name: string; address: string; sshPort: number; sshUser: string; sshKeyId?: string | null; role: string; vrrpPriority?: number; hostKeyFingerprint: string | null; cluster: { name: string }; _count?: { realServers: number } };

/** `actions`: the Hosts page's test / edit / delete column. */
export function HostTable({ hosts, showCluster = false, canTrust = false, canRetrust = false, actions }: {
  hosts: HostRow[]; showCluster?: boolean; canTrust?: boolean; canRetrust?: boolean; actions?: { keys: Array<{ id: string; name: string }>; canEdit: boolean };
}) {
  return (
    <div className="card overflow-x-auto p-0">
      <table className="table" data-testid="hosts-table">
        <thead><tr><th>Host</th>{showCluster && <th>Cluster</th>}<th>Role</th><th>SSH</th><th>Host key</th>{actions && <th></th>}</tr></thead>
        <tbody>
          {hosts.map((h) => (
            <tr key={h.id} data-host={h.name}>
              <td className="font-medium">{h.name}</td>
              {showCluster && <td>{h.cluster.name}</td>}
              <td>{h.role === "director" ? <>director{h.vrrpPriority !== undefined && <span className="text-xs text-zinc-500" data-vrrp-priority={h.vrrpPriority}> · priority {h.vrrpPriority}</span>}</> : "real server"}</td>
              <td className="mono">{h.sshUser}@{h.address.includes(":") ? `[${h.address}]` : h.address}:{h.sshPort}</td>
              <td><HostKeyTrust hostId={h.id} hostName={h.name} pinned={h.hostKeyFingerprint} canTrust={canTrust} canRetrust={canRetrust} /></td>
              {actions && <td><HostRowActions host={{ id: h.id, name: h.name, address: h.address, sshPort: h.sshPort, sshUser: h.sshUser, sshKeyId: h.sshKeyId ?? null, role: h.role, realServers: h._count?.realServers ?? 0, vrrpPriority: h.vrrpPriority }} keys={actions.keys} canEdit={actions.canEdit} /></td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
