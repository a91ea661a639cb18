/**
 * Passwords: scrypt hashes (`scrypt$N$r$p$salt$hash`, base64) over node:crypto, and the strength rules a new one
 * must pass (length, not the username, a zxcvbn-ts score).
 */
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";
import { normalizeUsername } from "./usernames.ts";

/** scrypt cost: N=2^15, r=8, p=1 needs 32 MiB per hash (OWASP's minimum for scrypt). */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
export const MIN_PASSWORD_LENGTH = 12;

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node's default cap (32 MiB) is exactly that, so leave room above it.
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFKC"), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/**
 * @example
 * const stored = await hashPassword("correct horse battery staple"); // "scrypt$32768$8$1$<salt>$<hash>"
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, SCRYPT);
  return ["scrypt", SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString("base64"), key.toString("base64")].join("$");
}

/**
 * Whether `password` matches a `scrypt$N$r$p$salt$hash` string; a malformed or weaker-than-sane one never matches.
 * @example
 * if (await verifyPassword(form.password, user.passwordHash)) signIn();
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  // Parameters come from our own table, but bound them so a corrupted row cannot make us allocate gigabytes.
  if (
    ![N, r, p].every(Number.isSafeInteger) ||
    N < 2 ||
    N > 2 ** 20 ||
    (N & (N - 1)) !== 0 ||
    r < 1 ||
    r > 32 ||
    p < 1 ||
    p > 16
  )
    return false;
  const salt = Buffer.from(parts[4]!, "base64");
  const expected = Buffer.from(parts[5]!, "base64");
  if (salt.length === 0 || expected.length !== KEY_LENGTH) return false;
  const actual = await derive(password, salt, { N, r, p });
  return timingSafeEqual(actual, expected);
}

/** zxcvbn's score (0–4) a new password must reach: 3 is "safely unguessable" (about 10^8 guesses or more). */
export const MIN_PASSWORD_SCORE = 3;

type PasswordChecker = (
  password: string,
  userInputs: string[],
) => { score: number; feedback: { warning: string | null; suggestions: string[] } };
/** zxcvbn-ts with its common and English dictionaries, loaded on the first check (about 150 ms, a few MB) and kept. */
let checker: Promise<PasswordChecker> | undefined;

function loadChecker(): Promise<PasswordChecker> {
  if (!checker) {
    checker = (async () => {
      const [{ ZxcvbnFactory }, common, en] = await Promise.all([
        import("@zxcvbn-ts/core"),
        import("@zxcvbn-ts/language-common"),
        import("@zxcvbn-ts/language-en"),
      ]);
      const zxcvbn = new ZxcvbnFactory({
        translations: en.translations,
        graphs: common.adjacencyGraphs,
        dictionary: { ...common.dictionary, ...en.dictionary },
      });
      return (password: string, userInputs: string[]) => zxcvbn.check(password, userInputs);
    })();
    // A failed load must not stick: the caller sees the error, and the next check tries again.
    checker.catch(() => (checker = undefined));
  }
  return checker;
}

/**
 * Why `password` is too weak for `username`, or null when it will do. The rules (README, Dashboard accounts):
 * at least 12 characters; not only whitespace; not containing the username; and a zxcvbn-ts score of at least 3,
 * with the username (and its parts) given to zxcvbn as the person's own words. A refusal carries zxcvbn's warning
 * and suggestions, so the person learns what to change.
 * @example
 * await passwordProblem("password1234", "ana"); // "That password is too easy to guess: This is similar to a commonly used password. …"
 */
export async function passwordProblem(password: string, username = ""): Promise<string | null> {
  if (password.length < MIN_PASSWORD_LENGTH) return `A password needs at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (!password.trim()) return "A password cannot be only spaces.";
  const lower = password.normalize("NFKC").toLowerCase();
  const name = normalizeUsername(username);
  const squash = (s: string) => s.replace(/[^\p{L}\p{N}]+/gu, "");
  if (
    name.length >= 3 &&
    (lower.includes(name) || (squash(name).length >= 3 && squash(lower).includes(squash(name))))
  ) {
    return "A password cannot contain the username.";
  }
  // The name and its parts (ana.lopez.2026 → ana, lopez, 2026) count as guessable words, also reversed or in leet.
  const userInputs = [
    ...new Set([name, squash(name), ...name.split(/[^\p{L}\p{N}]+/u)].filter((part) => part.length >= 2)),
  ];
  const { score, feedback } = (await loadChecker())(password, userInputs);
  if (score >= MIN_PASSWORD_SCORE) return null;
  const advice = [feedback.warning, ...feedback.suggestions].filter(Boolean).join(" ");
  return `That password is too easy to guess: ${advice || "Add another word or two that are less common."} A few unrelated words work well.`;
}

/** A random password of 24 characters (18 random bytes, base64url). */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}
