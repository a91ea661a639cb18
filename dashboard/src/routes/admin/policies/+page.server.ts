import { error, fail } from "@sveltejs/kit";
import { requireRole } from "$lib/server/auth/guard";
import { CaseApiError } from "$lib/server/case-api";
import { getPolicies, type PoliciesView, rollBackPolicy, savePolicy } from "$lib/server/policy-api";
import { checkPolicy, type PolicyDeclaration } from "$workers/engine/index.ts";
import { CATALOGUE, declaredPolicies } from "$workers/workflows/catalogue.ts";
import type { Actions, PageServerLoad } from "./$types";

/** The workflows whose newest version reads policies as data. */
const workflowsWithPolicies = () =>
  [...new Set(CATALOGUE.map((e) => e.id))].filter((id) => declaredPolicies(id).length);

/** Each field of a policy and what it means, from the schema's descriptions (zod's `.describe`). */
function fieldsOf(declaration: PolicyDeclaration): { field: string; means: string }[] {
  const shape = (declaration.schema as { shape?: Record<string, { description?: string }> }).shape ?? {};
  return Object.entries(shape).map(([field, schema]) => ({ field, means: schema.description ?? "" }));
}

/** The admins' view of every workflow's policies, as the worker holds them now. */
export const load: PageServerLoad = async ({ locals }) => {
  requireRole(locals, "admin");
  const workflows = await Promise.all(
    workflowsWithPolicies().map(async (id) => {
      let view: PoliciesView;
      try {
        view = await getPolicies(id);
      } catch (e) {
        if (e instanceof CaseApiError) error(502, `The worker could not tell the policies of ${id}: ${e.message}`);
        throw e;
      }
      return {
        id,
        policies: view.policies.map((p) => ({
          ...p,
          fields: fieldsOf(declaredPolicies(id).find((d) => d.name === p.name)!),
        })),
      };
    }),
  );
  return { workflows, loadedAt: Date.now() };
};

const text = (form: FormData, name: string) => String(form.get(name) ?? "").trim();

/** The policy a form names, or a refusal the page shows. */
function target(form: FormData) {
  const workflow = text(form, "workflow");
  const name = text(form, "name");
  const declaration = declaredPolicies(workflow).find((d) => d.name === name);
  return declaration ? { workflow, name, declaration } : null;
}

/** "2026-12-02T09:00" in the admin's browser is sent as epoch ms (the form adds the offset); empty: now. */
function effectiveFrom(form: FormData): number | undefined | "invalid" {
  const raw = text(form, "effectiveFrom");
  if (!raw) return undefined;
  const at = Number(raw);
  return Number.isInteger(at) && at > 0 ? at : "invalid";
}

/** What a refused change says on the page: the API's own words, a stale save as what to do about it. */
function refused(e: unknown, key: string) {
  if (!(e instanceof CaseApiError)) throw e;
  const message =
    e.code === "stale_version"
      ? "Someone saved a newer version meanwhile: reload the page to see it, then make your change again."
      : e.message;
  return fail(e.status >= 400 && e.status < 500 ? e.status : 502, { key, ok: false, problems: [message] });
}

export const actions: Actions = {
  save: async ({ locals, request }) => {
    const me = requireRole(locals, "admin");
    const form = await request.formData();
    const policy = target(form);
    if (!policy) return fail(404, { key: "", ok: false, problems: ["That policy is not declared by any workflow."] });
    const key = `${policy.workflow}/${policy.name}`;
    const raw = text(form, "value");
    const reason = text(form, "reason");
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return fail(400, {
        key,
        ok: false,
        raw,
        reason,
        problems: ["The new rules are not valid JSON: check quotes, commas and braces."],
      });
    }
    const checked = checkPolicy(policy.declaration, value);
    const problems = checked.ok ? [] : checked.problems;
    if (reason.length < 3) problems.push("Say why you change it (at least 3 characters): it is kept with the version.");
    const from = effectiveFrom(form);
    if (from === "invalid") problems.push("The effective-from time is not a date and time.");
    if (problems.length > 0 || from === "invalid") return fail(400, { key, ok: false, raw, reason, problems });
    try {
      const view = await savePolicy(policy.workflow, policy.name, {
        value,
        reason,
        basedOn: Number(text(form, "basedOn")),
        actor: me.username,
        ...(from === undefined ? {} : { effectiveFrom: from }),
      });
      const saved = view.policies.find((p) => p.name === policy.name)!;
      return {
        key,
        ok: true,
        message: `Saved as version ${saved.latest}. New cases use it from its effective time; cases already running keep the version they started with.`,
      };
    } catch (e) {
      return refused(e, key);
    }
  },
  rollback: async ({ locals, request }) => {
    const me = requireRole(locals, "admin");
    const form = await request.formData();
    const policy = target(form);
    if (!policy) return fail(404, { key: "", ok: false, problems: ["That policy is not declared by any workflow."] });
    const key = `${policy.workflow}/${policy.name}`;
    const to = Number(text(form, "to"));
    const reason = text(form, "reason");
    if (reason.length < 3)
      return fail(400, { key, ok: false, problems: ["Say why you roll back (at least 3 characters)."] });
    try {
      const view = await rollBackPolicy(policy.workflow, policy.name, {
        to,
        reason,
        basedOn: Number(text(form, "basedOn")),
        actor: me.username,
      });
      const saved = view.policies.find((p) => p.name === policy.name)!;
      return {
        key,
        ok: true,
        message: `Rolled back: version ${saved.latest} restores ${to === 0 ? "the defaults" : `version ${to}`}, in force now.`,
      };
    } catch (e) {
      return refused(e, key);
    }
  },
};
