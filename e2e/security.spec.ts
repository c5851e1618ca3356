import { readFileSync } from "node:fs";
import http from "node:http";
import { chromium, expect, test } from "@playwright/test";
import { holdLab, lab, type LabEnv } from "../lab/env";
import { ADMIN, addHosts, alerts, ensureAdmin, ensureUser, importSshKey, login, trustHostKeys, VIEWER } from "./helpers";

// Attacks from a security review, against the production build: a viewer's forged server-action post
// on the real lab, the open redirect after login, and
// login throttling over real HTTP from several loopback addresses. The lab part comes last.

const port = Number(process.env.E2E_PORT ?? 3100);
const BASE = `http://127.0.0.1:${port}`;

test.beforeAll(async ({ browser }) => {
  const page = await browser.newPage();
  await ensureAdmin(page);
  await ensureUser(page, VIEWER, "viewer");
  await page.close();
});

test("after login, callbackUrl never leaves the panel (backslash, tab, newline variants)", async () => {
  // Its own Chromium that resolves no name but the panel's address: nothing can leave the machine.
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"] });
  try {
    const page = await browser.newPage({ baseURL: BASE });
    const offsite: string[] = [];
    await page.route("**/*", (route) => {
      const u = new URL(route.request().url());
      if (u.hostname !== "127.0.0.1") {
        offsite.push(u.href);
        return route.abort();
      }
      return route.continue();
    });
    for (const cb of ["/%5Cevil.example", "/%5C%5Cevil.example", "/%09/evil.example", "/%0A/evil.example", "/%0D%0A/evil.example", "%2F%2Fevil.example", "https://evil.example/", "/%2F%5Cevil.example"]) {
      await page.goto(`/login?callbackUrl=${cb}`);
      await page.getByLabel("Email").fill(ADMIN.email);
      await page.getByLabel("Password").fill(ADMIN.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page, cb).toHaveURL(`${BASE}/clusters`);
      expect(offsite, cb).toEqual([]);
    }
    await page.goto("/login?callbackUrl=/audit");
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(`${BASE}/audit`);
  } finally {
    await browser.close();
  }
});

/** One sign-in through next-auth's credentials endpoint, from a chosen loopback source address. */
async function signIn(localAddress: string, email: string, password: string, forwardedFor?: string): Promise<"ok" | "failed" | "throttled"> {
  const req = (method: string, p: string, headers: Record<string, string>, body?: string) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const r = http.request({ host: "127.0.0.1", port, localAddress, method, path: p, headers }, (res) => {
        let b = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (b += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b }));
      });
      r.on("error", reject);
      r.end(body);
    });
  const xff: Record<string, string> = forwardedFor ? { "x-forwarded-for": forwardedFor } : {};
  const csrf = await req("GET", "/api/auth/csrf", xff);
  const cookie = (csrf.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).join("; ");
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const form = new URLSearchParams({ email, password, csrfToken, callbackUrl: `${BASE}/clusters`, json: "true" }).toString();
  const res = await req("POST", "/api/auth/callback/credentials", { ...xff, cookie, "content-type": "application/x-www-form-urlencoded" }, form);
  const url = new URL((JSON.parse(res.body) as { url: string }).url, BASE);
  const error = url.searchParams.get("error");
  if (!error) return (res.headers["set-cookie"] ?? []).some((c) => c.includes("session-token=")) ? "ok" : "failed";
  return /Too many failed logins/.test(error) ? "throttled" : "failed";
}

test("login throttling over HTTP: rotating X-Forwarded-For does not help, and the admin signs in from another address", async () => {
  test.setTimeout(180_000);
  // the attacker on 127.0.0.3: one account, a new X-Forwarded-For each time
  const r: string[] = [];
  for (let i = 0; i < 10; i++) r.push(await signIn("127.0.0.3", ADMIN.email, `guess-${i}`, `198.51.100.${i + 1}`));
  expect(r.slice(0, 5)).toEqual(Array(5).fill("failed"));
  expect(r.slice(5).filter((x) => x === "throttled").length).toBeGreaterThan(0);
  expect(await signIn("127.0.0.3", ADMIN.email, ADMIN.password, "198.51.100.200")).toBe("throttled");
  // the real admin, elsewhere, is not locked out
  expect(await signIn("127.0.0.2", ADMIN.email, ADMIN.password)).toBe("ok");
});

test.describe("a viewer's forged op=probe&op=undo", () => {
  test.describe.configure({ mode: "serial" });
  let env: LabEnv;
  let release: (() => void) | undefined;
  let clusterUrl = "";
  const rs1State = async () => ({
    arpIgnore: (await lab(["exec", "rs1", "sysctl", "-n", "net.ipv4.conf.all.arp_ignore"])).trim(),
    arpAnnounce: (await lab(["exec", "rs1", "sysctl", "-n", "net.ipv4.conf.all.arp_announce"])).trim(),
    vipOnLo: (await lab(["exec", "rs1", "ip", "-o", "addr", "show", "dev", "lo"])).includes(`${env.vip.single}/32`),
  });

  test.beforeAll(async () => {
    test.setTimeout(600_000); // the lab may be held by another package's tests for a while (acquireLab waits)
    ({ env, release } = await holdLab("e2e/security.spec.ts", ["director", "rs1"]));
  });

  test.afterAll(async ({ browser }) => {
    test.setTimeout(180_000);
    try {
      if (clusterUrl) {
        const page = await browser.newPage();
        await login(page, ADMIN);
        // leave no cluster behind that points at the lab (later specs make their own)
        await page.goto(clusterUrl);
        await page.getByLabel("Type the cluster's name to confirm").fill("lab-security");
        await page.getByRole("button", { name: "Delete cluster" }).click();
        await expect(page).toHaveURL(/\/clusters$/);
        await page.close();
      }
      if (env?.up) await lab(["reset"]);
    } finally {
      release?.();
    }
  });

  test("the admin prepares rs1 for DR on the lab", async ({ page }) => {
    test.setTimeout(180_000);
    await login(page, ADMIN);
    await importSshKey(page, "lab-key-security", readFileSync(env.ssh.keyPath, "utf8"));
    await page.goto("/clusters/new");
    await page.getByLabel("Name").fill("lab-security");
    await page.getByRole("button", { name: "Create cluster" }).click();
    await expect(page.getByTestId("cluster-name")).toHaveText("lab-security");
    clusterUrl = page.url().replace(/\?.*$/, "");
    await addHosts(page, clusterUrl.split("/").pop()!, "lab-key-security", ([["director", "director"], ["rs1", "real_server"]] as const).map(([name, role]) => ({ name, role, address: env.hosts[name]!.address })));
    await page.goto(clusterUrl);
    await trustHostKeys(page, ["director", "rs1"].map((name) => ({ name, hostKeys: env.hosts[name]!.hostKeys })));
    await page.getByRole("link", { name: "Add virtual service" }).click();
    await page.getByLabel("VIP").fill(env.vip.single);
    await page.getByLabel("Port", { exact: true }).fill("80");
    await page.getByRole("button", { name: "Add virtual service" }).click();
    await expect(page.getByTestId("service-name")).toHaveText(`TCP ${env.vip.single}:80`);
    await page.getByLabel("Known host").selectOption({ label: `rs1 (${env.hosts.rs1!.address})` });
    await page.getByRole("button", { name: "Add real server" }).click();
    await expect(page.getByTestId("realserver-form").getByRole("status")).toContainText(`Added real server ${env.hosts.rs1!.address}:80`);
    await page.goto(clusterUrl);
    await page.getByRole("button", { name: "Prepare real servers for DR" }).click();
    await expect(page.getByTestId("prepare-panel").getByRole("status")).toContainText("rs1: DR-ready", { timeout: 60_000 });
    expect(await rs1State()).toEqual({ arpIgnore: "1", arpAnnounce: "2", vipOnLo: true });
  });

  test("the viewer's post with op twice is refused and rs1 keeps its ARP sysctls and VIP", async ({ page }) => {
    expect(clusterUrl, "needs the prepared cluster").not.toBe("");
    await login(page, VIEWER);
    await page.goto(clusterUrl);
    const undo = page.getByTestId("prepare-panel").getByRole("button", { name: "Undo DR preparation" }).first();
    await expect(undo).toBeDisabled();
    // The forged form: op=probe (the check used to read the first value) before op=undo (the parser kept the last).
    await undo.evaluate((button) => {
      const form = button.closest("form")!;
      const probe = document.createElement("input");
      probe.type = "hidden";
      probe.name = "op";
      probe.value = "probe";
      form.prepend(probe);
      button.removeAttribute("disabled");
      button.closest("fieldset")?.removeAttribute("disabled");
    });
    await undo.click();
    await expect(alerts(page).filter({ hasText: "The form sent op more than once; nothing was done." }).first()).toBeVisible({ timeout: 60_000 });
    expect(await rs1State()).toEqual({ arpIgnore: "1", arpAnnounce: "2", vipOnLo: true });
    // and the plain undo is refused by role
    await page.reload();
    await undo.evaluate((b) => b.removeAttribute("disabled"));
    await undo.click();
    await expect(alerts(page).filter({ hasText: "Your role (viewer) cannot apply changes to machines" }).first()).toBeVisible();
    expect(await rs1State()).toEqual({ arpIgnore: "1", arpAnnounce: "2", vipOnLo: true });
  });
});
