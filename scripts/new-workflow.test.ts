/**
 * `npm run new:workflow` in a temporary copy of this checkout (its working tree, with node_modules linked), so the
 * real tree is left as it was: the generated workflow typechecks, its generated unit tests pass, it is registered
 * in the catalogue, and a misspelt payload field in its trigger fails the typecheck (issue 16, Done-when 6).
 */
import { execFile, execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify, stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newWorkflow } from "./new-workflow.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ID = "demo-x";
const GENERATED = [
  `workers/workflows/${ID}.ts`,
  `workers/workflows/${ID}.test.ts`,
  `workers/workflows/${ID}.timeout.test.ts`,
  `test/e2e/${ID}.test.ts`,
];
const node = (args: string[], cwd: string) =>
  promisify(execFile)(process.execPath, args, {
    cwd,
    // The child is a run of its own, not a worker of this one.
    env: {
      ...Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !k.startsWith("VITEST") && k !== "NODE_ENV" && k !== "FORCE_COLOR"),
      ),
      NO_COLOR: "1",
    },
    timeout: 240_000,
    maxBuffer: 16 * 1024 * 1024,
  });
/** `tsc` over the generated files and what they import, in the copy; resolves with the exit code and output. */
const typecheck = async (dir: string) => {
  try {
    await node([join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.generated.json"], dir);
    return { code: 0, output: "" };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
};

let copy: string;
beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), "crossflow-new-workflow-"));
  // The working tree as it is (tracked and new files, not ignored ones), so the copy compiles as this checkout does.
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: ROOT, encoding: "utf8" })
    .split("\0")
    .filter((f) => f && !f.startsWith("dashboard/build/"));
  for (const file of files) {
    if (!existsSync(join(ROOT, file))) continue; // deleted in the working tree, not yet committed
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(ROOT, file), join(copy, file));
  }
  symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"), "dir");
  writeFileSync(
    join(copy, "tsconfig.generated.json"),
    JSON.stringify({ extends: "./tsconfig.json", include: [...GENERATED, "workers/workflows/index.ts"] }),
  );
  writeFileSync(
    join(copy, "vitest.generated.config.mjs"),
    `export default { test: { include: ["workers/workflows/${ID}*.test.ts"], environment: "node" } };\n`,
  );
});
afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe("npm run new:workflow", () => {
  it("refuses an id that is not kebab-case or names an existing workflow, and writes nothing then", () => {
    const index = readFileSync(join(copy, "workers/workflows/index.ts"), "utf8");
    expect(() => newWorkflow("Demo_X", copy)).toThrow(/kebab-case/);
    expect(() => newWorkflow("payment-recovery", copy)).toThrow(/exists already/);
    expect(readFileSync(join(copy, "workers/workflows/index.ts"), "utf8")).toBe(index);
  });

  it("writes a workflow, registers it, and its generated tests typecheck and pass", async () => {
    const { stdout } = await node(
      [join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/new-workflow.ts", ID, "--dir", copy],
      ROOT,
    );
    expect(stdout).toContain(`Workflow ${ID} written and registered`);
    for (const file of GENERATED) expect(existsSync(join(copy, file)), file).toBe(true);
    const index = readFileSync(join(copy, "workers/workflows/index.ts"), "utf8");
    expect(index).toContain(`import demoX from "./${ID}.ts";`);
    // Deployed last: the catalogue's list ends with it.
    expect(index).toMatch(/export const WORKFLOWS[^=]*= \[[^\]]*\bdemoX,?\s*\];/);
    expect(readFileSync(join(copy, `workers/workflows/${ID}.ts`), "utf8")).toMatch(
      /^\/\*\*\n \* Demo x: when a customer's invoice payment fails/,
    );
    expect(existsSync(join(ROOT, `workers/workflows/${ID}.ts`))).toBe(false);

    expect(await typecheck(copy)).toEqual({ code: 0, output: "" });
    const run = await node(
      [join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "--config", "vitest.generated.config.mjs"],
      copy,
    );
    expect(stripVTControlCharacters(run.stdout)).toMatch(/Tests +6 passed \(6\)/);
    expect(() => newWorkflow(ID, copy)).toThrow(/exists already/);
  }, 300_000);

  it("generates a trigger whose misspelt payload field fails the typecheck", async () => {
    const path = join(copy, `workers/workflows/${ID}.ts`);
    const source = readFileSync(path, "utf8");
    const trigger = "customerKey(e.data.object.customer_email)";
    expect(source).toContain(trigger);
    writeFileSync(path, source.replace(trigger, "customerKey(e.data.object.customer_emial)"));
    try {
      const result = await typecheck(copy);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(
        new RegExp(`workers/workflows/${ID}\\.ts.*error TS\\d+: Property 'customer_emial' does not exist`),
      );
    } finally {
      writeFileSync(path, source);
    }
  }, 300_000);
});
