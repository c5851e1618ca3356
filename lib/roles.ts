// Who may do what. Enforced on the server in every action; the UI only mirrors it.
export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

export type Permission =
  | "read" // see everything except secrets
  | "edit" // change desired state: clusters, hosts, virtual services, real servers
  | "apply" // push desired state to machines
  | "trust-host-key" // first trust of an unknown host key
  | "retrust-host-key" // accept a CHANGED host key
  | "manage-ssh-keys"
  | "manage-users";

const GRANTS: Record<Role, readonly Permission[]> = {
  viewer: ["read"],
  operator: ["read", "edit", "apply", "trust-host-key"],
  admin: ["read", "edit", "apply", "trust-host-key", "retrust-host-key", "manage-ssh-keys", "manage-users"],
};

export function can(role: Role | null | undefined, permission: Permission): boolean {
  return !!role && GRANTS[role].includes(permission);
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

const VERB: Record<Permission, string> = {
  read: "view the panel",
  edit: "change clusters, hosts or services",
  apply: "apply changes to machines",
  "trust-host-key": "trust host keys",
  "retrust-host-key": "accept a changed host key",
  "manage-ssh-keys": "manage SSH keys",
  "manage-users": "manage users",
};

export function deniedMessage(role: Role | null | undefined, permission: Permission): string {
  return `Your role (${role ?? "none"}) cannot ${VERB[permission]}.`;
}
