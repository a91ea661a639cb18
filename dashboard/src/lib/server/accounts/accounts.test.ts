/**
 * Dashboard accounts against a real libSQL endpoint (the local server over HTTP, the client production uses).
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { MetricsDatabase } from "../../../../../db/client.ts";
import { sessions, users } from "../../../../../db/schema.ts";
import { useMigratedDatabase } from "../../../../../test/support/libsql-server.ts";
import {
  AccountError,
  createSession,
  createUser,
  deleteSession,
  ensureFirstAdmin,
  generatePassword,
  hashPassword,
  LOGIN_MAX_FAILURES_PER_ADDRESS,
  LOGIN_WINDOW_MS,
  listUsers,
  lookupSession,
  passwordProblem,
  SESSION_TTL_MS,
  setUserDisabled,
  signIn,
  verifyPassword,
} from "./index.ts";

const database = useMigratedDatabase("accounts");
let db: MetricsDatabase;
beforeAll(() => {
  db = database().db;
});

describe("passwords", () => {
  it("hashes with scrypt N=2^15 r=8 p=1 and a fresh salt, and verifies only the same password", async () => {
    const a = await hashPassword("correct horse battery staple");
    const b = await hashPassword("correct horse battery staple");
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
    await expect(verifyPassword("correct horse battery staple", a)).resolves.toBe(true);
    await expect(verifyPassword("correct horse battery stapl", a)).resolves.toBe(false);
    await expect(verifyPassword("", a)).resolves.toBe(false);
  });

  it("never matches a malformed or absurd stored hash", async () => {
    const good = await hashPassword("another long password");
    const [, , r, p, salt, hash] = good.split("$");
    for (const bad of [
      "",
      "plain",
      `bcrypt$32768$${r}$${p}$${salt}$${hash}`,
      `scrypt$1000$${r}$${p}$${salt}$${hash}`,
      `scrypt$${2 ** 30}$${r}$${p}$${salt}$${hash}`,
      `scrypt$32768$${r}$${p}$${salt}$c2hvcnQ=`,
    ]) {
      await expect(verifyPassword("another long password", bad)).resolves.toBe(false);
    }
  });
});

describe("accounts", () => {
  it("creates the first admin once, with a random password of at least 20 characters that signs in", async () => {
    const first = await ensureFirstAdmin(db);
    expect(first?.username).toBe("admin");
    expect(first!.password.length).toBeGreaterThanOrEqual(20);
    await expect(ensureFirstAdmin(db)).resolves.toBeNull();
    const [admin] = await db.select().from(users).where(eq(users.username, "admin"));
    expect(admin!.role).toBe("admin");
    expect(admin!.passwordHash).not.toContain(first!.password);
    const result = await signIn(db, { username: "admin", password: first!.password, clientAddress: "10.0.0.1" });
    expect(result.ok).toBe(true);
  });

  it("creates users with a role and task roles, normalises names and refuses bad input", async () => {
    const ana = await createUser(db, {
      username: " Ana ",
      password: "orchid lantern river 42",
      role: "operator",
      taskRoles: "compliance, Finance compliance",
    });
    expect(ana).toMatchObject({ username: "ana", role: "operator", taskRoles: ["compliance", "finance"] });
    await expect(createUser(db, { username: "ANA", password: "another long one", role: "viewer" })).rejects.toThrow(
      /taken/,
    );
    await expect(createUser(db, { username: "bo", password: "short", role: "viewer" })).rejects.toThrow(AccountError);
    await expect(createUser(db, { username: "bo", password: "long enough password", role: "root" })).rejects.toThrow(
      /Unknown role/,
    );
    await expect(
      createUser(db, { username: "bo bo", password: "long enough password", role: "viewer" }),
    ).rejects.toThrow(/username/);
    expect((await listUsers(db)).map((u) => u.username)).toEqual(expect.arrayContaining(["admin", "ana"]));
  });
});

describe("password rule", () => {
  it("refuses short, blank, username-bearing and common passwords with zxcvbn's advice, and accepts passphrases and generated passwords", async () => {
    for (const [password, username, problem] of [
      ["short", "bo", /at least 12 characters/],
      ["            ", "bo", /only spaces/],
      ["ana", "ana", /at least 12 characters/],
      ["aaaaaaaaaaaaaa", "bo", /too easy to guess: Repeated characters/],
      ["password1234", "bo", /too easy to guess: This is similar to a commonly used password/],
      ["Password123!", "bo", /too easy to guess: This is similar to a commonly used password/],
      ["P@ssw0rd2024!", "bo", /too easy to guess: .*predictable letter substitutions/],
      ["123456789012", "bo", /too easy to guess: This is a commonly used password/],
      ["qwertyuiop12", "bo", /too easy to guess/],
      ["ana-ana-ana-ana", "ana", /username/],
      ["ana.lopez.2026", "ana.lopez.2026", /username/],
      ["Ana.Lopez.2026 rocks", " ana.lopez.2026", /username/],
      ["my name is analopez2026", "ana.lopez.2026", /username/],
      // Built from the username's parts, swapped or reversed: zxcvbn is given them as the person's own words.
      ["quintrellxaviera", "xaviera.quintrell", /too easy to guess: There should not be any personal/],
      ["llertniuqxaviera", "xaviera.quintrell", /too easy to guess: There should not be any personal/],
    ] as const) {
      expect(await passwordProblem(password, username), password).toMatch(problem);
      await expect(createUser(db, { username, password, role: "viewer" }), password).rejects.toThrow(AccountError);
    }
    for (const good of [
      "correct horse battery staple",
      "orchid lantern river 42",
      "Tr0ub4dor&3xyz",
      generatePassword(),
      generatePassword(),
    ]) {
      expect(await passwordProblem(good, "bo"), good).toBeNull();
    }
    await expect(
      createUser(db, { username: "ana.lopez.2026", password: "violet tram at noon", role: "viewer" }),
    ).resolves.toMatchObject({ username: "ana.lopez.2026" });
  });

  it("accepts every password generatePassword makes, as the first-admin bootstrap and the Users page use it", async () => {
    for (let i = 0; i < 40; i++) {
      const password = generatePassword();
      expect(await passwordProblem(password, "admin"), password).toBeNull();
    }
  }, 30_000);
});

describe("sessions", () => {
  it("stores only the token's SHA-256, slides the expiry, and ends on delete", async () => {
    const user = await createUser(db, { username: "sess", password: "quiet harbour lights!", role: "viewer" });
    const t0 = Date.UTC(2026, 0, 1);
    const { token, expiresAt } = await createSession(db, user.id, t0);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    expect(expiresAt).toBe(t0 + SESSION_TTL_MS);
    const stored = await db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(stored).toHaveLength(1);
    expect(stored[0]!.tokenHash).not.toContain(token);
    expect(stored[0]!.tokenHash).toMatch(/^[0-9a-f]{64}$/);

    await expect(lookupSession(db, token, t0 + 1000)).resolves.toMatchObject({
      user: { username: "sess", role: "viewer", taskRoles: [] },
      renewedUntil: null,
    });
    const later = t0 + 6 * 60 * 60 * 1000;
    await expect(lookupSession(db, token, later)).resolves.toMatchObject({ renewedUntil: later + SESSION_TTL_MS });
    // Used after 6 h, it now ends 12 h after that use, not after the sign-in.
    expect((await db.select().from(sessions).where(eq(sessions.userId, user.id)))[0]!.expiresAt).toBe(
      later + SESSION_TTL_MS,
    );
    await expect(lookupSession(db, token, later + SESSION_TTL_MS + 1)).resolves.toBeNull();
    await expect(lookupSession(db, "not-a-token", t0)).resolves.toBeNull();

    const again = await createSession(db, user.id);
    await deleteSession(db, again.token);
    await expect(lookupSession(db, again.token)).resolves.toBeNull();
  });

  it("ends a disabled user's sessions and refuses their sign-in with the generic answer", async () => {
    const user = await createUser(db, { username: "leaver", password: "paper boats at dawn", role: "operator" });
    const result = await signIn(db, { username: "leaver", password: "paper boats at dawn", clientAddress: "10.0.0.2" });
    expect(result.ok).toBe(true);
    await setUserDisabled(db, user.id, true);
    await expect(lookupSession(db, (result as { token: string }).token)).resolves.toBeNull();
    await expect(
      signIn(db, { username: "leaver", password: "paper boats at dawn", clientAddress: "10.0.0.2" }),
    ).resolves.toEqual({ ok: false, reason: "invalid" });
    await setUserDisabled(db, user.id, false);
    await expect(
      signIn(db, { username: "leaver", password: "paper boats at dawn", clientAddress: "10.0.0.2" }),
    ).resolves.toMatchObject({ ok: true });
  });
});

// Every checked sign-in is a real scrypt hash (32 MiB, ~80 ms alone, several times that on a busy 2-core machine), and
// these tests run up to 35 of them: the budget covers that deliberate cost; what they assert is counts, not time.
describe("sign-in rate limit", { timeout: 60_000 }, () => {
  it("answers an unknown user and a wrong password alike", async () => {
    await expect(
      signIn(db, { username: "nobody", password: "whatever it is", clientAddress: "10.0.1.1" }),
    ).resolves.toEqual({ ok: false, reason: "invalid" });
    await expect(
      signIn(db, { username: "ana", password: "not ana's password", clientAddress: "10.0.1.1" }),
    ).resolves.toEqual({ ok: false, reason: "invalid" });
  });

  it("refuses the 6th attempt after 5 failures in 15 minutes, even with the right password, until the window ends", async () => {
    await createUser(db, { username: "target", password: "granite owl meadow", role: "viewer" });
    const t0 = Date.UTC(2026, 1, 1);
    for (let i = 0; i < 5; i++) {
      await expect(
        signIn(db, { username: "target", password: `guess ${i}`, clientAddress: "10.0.2.1", now: t0 + i * 1000 }),
      ).resolves.toEqual({ ok: false, reason: "invalid" });
    }
    const limited = await signIn(db, {
      username: "target",
      password: "granite owl meadow",
      clientAddress: "10.0.2.1",
      now: t0 + 10_000,
    });
    expect(limited).toEqual({
      ok: false,
      reason: "rate_limited",
      scope: "account",
      retryAfterMs: LOGIN_WINDOW_MS - 10_000,
    });
    // Another address is counted apart, and so is another username from the same address.
    await expect(
      signIn(db, { username: "target", password: "granite owl meadow", clientAddress: "10.0.2.2", now: t0 + 10_000 }),
    ).resolves.toMatchObject({ ok: true });
    await expect(
      signIn(db, { username: "ana", password: "orchid lantern river 42", clientAddress: "10.0.2.1", now: t0 + 10_000 }),
    ).resolves.toMatchObject({ ok: true });
    // After the window the right password works and clears the count.
    await expect(
      signIn(db, {
        username: "target",
        password: "granite owl meadow",
        clientAddress: "10.0.2.1",
        now: t0 + LOGIN_WINDOW_MS,
      }),
    ).resolves.toMatchObject({ ok: true });
    await expect(
      signIn(db, {
        username: "target",
        password: "wrong again",
        clientAddress: "10.0.2.1",
        now: t0 + LOGIN_WINDOW_MS + 1,
      }),
    ).resolves.toEqual({ ok: false, reason: "invalid" });
  });

  it("counts concurrent failures all", async () => {
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        signIn(db, { username: "ana", password: `parallel ${i}`, clientAddress: "10.0.3.1" }),
      ),
    );
    await expect(
      signIn(db, { username: "ana", password: "orchid lantern river 42", clientAddress: "10.0.3.1" }),
    ).resolves.toMatchObject({ reason: "rate_limited" });
  });

  it("checks at most 5 of 100 parallel wrong passwords for one account, then refuses even the right one", async () => {
    await createUser(db, { username: "burst", password: "slate pigeon orbit", role: "viewer" });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        signIn(db, { username: "burst", password: `parallel guess ${i}`, clientAddress: "10.0.4.1" }),
      ),
    );
    expect(results.filter((r) => !r.ok && r.reason === "invalid").length).toBeLessThanOrEqual(5);
    expect(results.filter((r) => !r.ok && r.reason === "rate_limited").length).toBeGreaterThanOrEqual(95);
    await expect(
      signIn(db, { username: "burst", password: "slate pigeon orbit", clientAddress: "10.0.4.1" }),
    ).resolves.toMatchObject({ ok: false, reason: "rate_limited" });
  });

  it("does not let a success inside a burst clear the failures made alongside it", async () => {
    await createUser(db, { username: "insider", password: "amber fox tunnel", role: "viewer" });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        signIn(db, {
          username: "insider",
          password: i === 1 ? "amber fox tunnel" : `guess ${i}`,
          clientAddress: "10.0.5.1",
        }),
      ),
    );
    expect(results.filter((r) => !r.ok && r.reason === "invalid").length).toBeLessThanOrEqual(5);
    // The burst is still counted: the next wrong guess, and even the right password, wait for the window.
    await expect(
      signIn(db, { username: "insider", password: "yet another guess", clientAddress: "10.0.5.1" }),
    ).resolves.toMatchObject({ reason: "rate_limited" });
    await expect(
      signIn(db, { username: "insider", password: "amber fox tunnel", clientAddress: "10.0.5.1" }),
    ).resolves.toMatchObject({ reason: "rate_limited" });
  });

  it("lets a success alone clear the earlier failures", async () => {
    await createUser(db, { username: "forgetful", password: "lilac piano harbor", role: "viewer" });
    const t0 = Date.UTC(2026, 2, 1);
    for (let i = 0; i < 4; i++)
      await signIn(db, { username: "forgetful", password: `guess ${i}`, clientAddress: "10.0.6.1", now: t0 + i });
    await expect(
      signIn(db, { username: "forgetful", password: "lilac piano harbor", clientAddress: "10.0.6.1", now: t0 + 10 }),
    ).resolves.toMatchObject({ ok: true });
    for (let i = 0; i < 5; i++) {
      await expect(
        signIn(db, { username: "forgetful", password: `again ${i}`, clientAddress: "10.0.6.1", now: t0 + 20 + i }),
      ).resolves.toEqual({ ok: false, reason: "invalid" });
    }
    await expect(
      signIn(db, { username: "forgetful", password: "lilac piano harbor", clientAddress: "10.0.6.1", now: t0 + 30 }),
    ).resolves.toMatchObject({ reason: "rate_limited" });
  });

  it("limits one address over all usernames: 30 failures in 15 minutes, then even a right password waits; other addresses do not", async () => {
    await createUser(db, { username: "sprayed", password: "cobalt meadow lark", role: "viewer" });
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        signIn(db, { username: `spray-${i}`, password: `common guess ${i}`, clientAddress: "10.0.7.1" }),
      ),
    );
    expect(results.filter((r) => !r.ok && r.reason === "invalid").length).toBeLessThanOrEqual(
      LOGIN_MAX_FAILURES_PER_ADDRESS,
    );
    expect(
      results.filter((r) => !r.ok && r.reason === "rate_limited" && r.scope === "address").length,
    ).toBeGreaterThanOrEqual(60 - LOGIN_MAX_FAILURES_PER_ADDRESS);
    await expect(
      signIn(db, { username: "sprayed", password: "cobalt meadow lark", clientAddress: "10.0.7.1" }),
    ).resolves.toMatchObject({ reason: "rate_limited", scope: "address" });
    await expect(
      signIn(db, { username: "sprayed", password: "cobalt meadow lark", clientAddress: "10.0.7.2" }),
    ).resolves.toMatchObject({ ok: true });
  });

  it("does not count an address's successes toward its limit", async () => {
    await createUser(db, { username: "regular", password: "tidal copper fern", role: "viewer" });
    for (let i = 0; i < LOGIN_MAX_FAILURES_PER_ADDRESS + 5; i++) {
      await expect(
        signIn(db, { username: "regular", password: "tidal copper fern", clientAddress: "10.0.8.1" }),
      ).resolves.toMatchObject({ ok: true });
    }
  });
});
