import { describe, expect, it } from "vitest";
import { can, deniedMessage, isRole, ROLES, type Permission } from "./roles";

const ALL: Permission[] = ["read", "edit", "apply", "trust-host-key", "retrust-host-key", "manage-ssh-keys", "manage-users"];

describe("roles", () => {
  it("viewer only reads", () => {
    expect(ALL.filter((p) => can("viewer", p))).toEqual(["read"]);
  });
  it("operator edits and applies but manages neither users nor keys, nor accepts changed host keys", () => {
    expect(ALL.filter((p) => can("operator", p))).toEqual(["read", "edit", "apply", "trust-host-key"]);
  });
  it("admin can do everything", () => {
    expect(ALL.every((p) => can("admin", p))).toBe(true);
  });
  it("no role, no rights", () => {
    for (const p of ALL) {
      expect(can(null, p)).toBe(false);
      expect(can(undefined, p)).toBe(false);
    }
  });
  it("recognises only the three roles", () => {
    expect(ROLES.every(isRole)).toBe(true);
    for (const v of ["root", "Admin", "", null, 1]) expect(isRole(v)).toBe(false);
  });
  it("explains a refusal with the role and the action", () => {
    expect(deniedMessage("viewer", "edit")).toBe("Your role (viewer) cannot change clusters, hosts or services.");
  });
});
