import { describe, expect, it } from "vitest";
import { clusterCreateSchema, clusterUpdateSchema } from "./cluster";
import { fieldErrors, formObject } from "./common";
import { hostCreateSchema } from "./host";
import { sshKeyCreateSchema } from "./ssh-key";
import { loginSchema, setupSchema, userCreateSchema } from "./user";

function errorsOf(schema: { safeParse(v: unknown): { success: boolean; error?: unknown } }, value: unknown) {
  const r = schema.safeParse(value) as { success: boolean; error?: Parameters<typeof fieldErrors>[0] };
  return r.success ? {} : fieldErrors(r.error!);
}

describe("cluster schema", () => {
  it("accepts a sensible cluster and defaults to Direct Routing", () => {
    expect(clusterCreateSchema.parse({ name: " web-prod ", description: "" })).toEqual({ name: "web-prod", description: "", defaultForwardingMethod: "route" });
  });
  it.each(["", "a b", "x;reboot", "$(id)", "-lead", "ü", "a".repeat(64), "line\nbreak"])("refuses the name %j, naming the field", (name) => {
    expect(errorsOf(clusterCreateSchema, { name }).name?.length).toBeGreaterThan(0);
  });
  it("refuses an unknown forwarding method", () => {
    expect(errorsOf(clusterCreateSchema, { name: "a", defaultForwardingMethod: "dsr" }).defaultForwardingMethod).toEqual(["must be route (DR), masq (NAT) or tunnel (TUN)"]);
  });
  it("update needs the version it was read at", () => {
    expect(errorsOf(clusterUpdateSchema, { id: "c1", name: "a" }).version).toBeDefined();
    expect(clusterUpdateSchema.parse({ id: "c1", name: "a", version: "3" }).version).toBe(3);
  });
});

describe("host schema", () => {
  const ok = { clusterId: "c1", name: "rs1", address: "10.0.0.11", sshPort: "22", sshUser: "root", sshKeyId: "", role: "real_server" };
  it("accepts IPv4, IPv6 and host names; an empty key becomes null", () => {
    for (const address of ["10.0.0.11", "2001:db8::11", "rs1.example.net"]) {
      const v = hostCreateSchema.parse({ ...ok, address });
      expect(v.address).toBe(address);
      expect(v.sshKeyId).toBeNull();
      expect(v.sshPort).toBe(22);
    }
  });
  it.each([
    ["address", "10.0.0.1; reboot"], ["address", "$(touch /tmp/x)"], ["address", "a b"], ["address", ""],
    ["sshPort", "0"], ["sshPort", "65536"], ["sshPort", "22.5"], ["sshPort", "ssh"], ["sshPort", " 22"], ["sshPort", "22 "],
    ["address", "::ffff:10.0.0.11"], ["address", "::FFFF:a00:b"],
    ["sshUser", "Root"], ["sshUser", "root;id"], ["sshUser", "a".repeat(33)],
    ["role", "loadbalancer"],
  ])("refuses %s = %j", (field, value) => {
    expect(errorsOf(hostCreateSchema, { ...ok, [field]: value })[field]?.length).toBeGreaterThan(0);
  });
});

describe("host schema: the shared rules' words", () => {
  const ok = { clusterId: "c1", name: "rs1", address: "10.0.0.11", sshPort: "22", sshUser: "root", sshKeyId: "", role: "real_server" };
  it("an IPv4-mapped address and a spaced port are refused with the same message as the service forms", () => {
    expect(errorsOf(hostCreateSchema, { ...ok, address: "::ffff:10.0.0.11" }).address).toEqual(["must not be an IPv4-mapped IPv6 address (::ffff:a.b.c.d): use the IPv4 address"]);
    expect(errorsOf(hostCreateSchema, { ...ok, sshPort: " 22" }).sshPort).toEqual(['must be digits only, without spaces (got " 22")']);
    expect(hostCreateSchema.parse({ ...ok, sshPort: "" }).sshPort).toBe(22);
    expect(hostCreateSchema.parse({ ...ok, sshPort: 2222 }).sshPort).toBe(2222);
  });
});

describe("user schemas", () => {
  it("normalises email case and checks password length", () => {
    expect(userCreateSchema.parse({ email: " Ada@Example.TEST ", name: "Ada", password: "0123456789", role: "operator" }).email).toBe("ada@example.test");
    expect(errorsOf(userCreateSchema, { email: "ada@example.test", name: "Ada", password: "short", role: "operator" }).password).toEqual(["must be at least 10 characters"]);
    expect(errorsOf(userCreateSchema, { email: "not-an-email", name: "Ada", password: "0123456789", role: "operator" }).email).toEqual(["must be an email address"]);
    expect(errorsOf(userCreateSchema, { email: "a@b.test", name: "Ada", password: "0123456789", role: "root" }).role).toEqual(["must be admin, operator or viewer"]);
  });
  it("setup needs the confirmation to match", () => {
    expect(errorsOf(setupSchema, { email: "a@b.test", name: "A", password: "0123456789", confirm: "0123456788" }).confirm).toEqual(["does not match the password"]);
  });
  it("login rejects empty and oversize passwords", () => {
    expect(loginSchema.safeParse({ email: "a@b.test", password: "" }).success).toBe(false);
    expect(loginSchema.safeParse({ email: "a@b.test", password: "x".repeat(201) }).success).toBe(false);
  });
});

describe("SSH key schema", () => {
  it("needs a private key only when importing", () => {
    expect(sshKeyCreateSchema.safeParse({ name: "k", mode: "generate" }).success).toBe(true);
    expect(errorsOf(sshKeyCreateSchema, { name: "k", mode: "import", privateKey: "  " }).privateKey).toEqual(["is required when importing a key"]);
  });
});

describe("form helpers", () => {
  it("drops Next's action fields and keeps empty strings", () => {
    const f = new FormData();
    f.set("$ACTION_ID_abc", "x");
    f.set("name", "");
    f.set("port", "80");
    expect(formObject(f)).toEqual({ name: "", port: "80" });
  });

  it("refuses a field sent twice (op=probe&op=undo), naming it", () => {
    const f = new FormData();
    f.append("clusterId", "c1");
    f.append("op", "probe");
    f.append("op", "undo");
    expect(() => formObject(f)).toThrow("The form sent op more than once; nothing was done.");
    try {
      formObject(f);
    } catch (e) {
      expect((e as { fields: unknown }).fields).toEqual({ op: ["was sent more than once"] });
    }
  });
});
