import { fail } from "@sveltejs/kit";
import { BaselineError, BaselineInput, baselineHistory, saveBaseline } from "$db/baselines.ts";
import { requireRole } from "$lib/server/auth/guard";
import { metricsDb } from "$lib/server/db";
import { CATALOGUE } from "$workers/workflows/catalogue.ts";
import type { Actions, PageServerLoad } from "./$types";

/** Every workflow with its baseline in force (the newest version) and the versions before it. */
export const load: PageServerLoad = async ({ locals, url }) => {
  requireRole(locals, "admin");
  const history = await baselineHistory(metricsDb());
  const ids = [...new Set(CATALOGUE.map((w) => w.id))].sort();
  return {
    workflows: ids.map((id) => ({ id, versions: history.filter((b) => b.workflowId === id) })),
    selected: url.searchParams.get("workflow"),
  };
};

const text = (form: FormData, name: string) => String(form.get(name) ?? "").trim();

/** A typed number, or NaN for the schema to refuse; an empty optional field is null (not known). */
const numberOf = (raw: string) => (raw === "" ? Number.NaN : Number(raw.replace(",", ".")));
const percentOf = (raw: string, optional: boolean) => (optional && raw === "" ? null : numberOf(raw) / 100);

export const actions: Actions = {
  save: async ({ locals, request }) => {
    const me = requireRole(locals, "admin");
    const form = await request.formData();
    const workflowId = text(form, "workflow");
    const fields = Object.fromEntries(
      ["minutesPerCase", "errorRate", "dropOutRate", "conversionRate", "costPerHour", "currency", "reason"].map((k) => [
        k,
        text(form, k),
      ]),
    );
    if (!CATALOGUE.some((w) => w.id === workflowId))
      return fail(404, { workflow: workflowId, ok: false, fields, problems: ["There is no such workflow."] });
    const parsed = BaselineInput.safeParse({
      workflowId,
      minutesPerCase: numberOf(fields.minutesPerCase!),
      errorRate: percentOf(fields.errorRate!, false),
      dropOutRate: percentOf(fields.dropOutRate!, true),
      conversionRate: percentOf(fields.conversionRate!, true),
      // Entered in whole units with up to two decimals, stored in minor units.
      costPerHourMinor: Math.round(numberOf(fields.costPerHour!) * 100),
      currency: fields.currency!.toUpperCase(),
      who: `person:${me.username}`,
      why: fields.reason,
      basedOn: Number(text(form, "basedOn")),
    });
    if (!parsed.success)
      return fail(400, {
        workflow: workflowId,
        ok: false,
        fields,
        problems: parsed.error.issues.map((i) => i.message.charAt(0).toUpperCase() + i.message.slice(1)),
      });
    try {
      const saved = await saveBaseline(metricsDb(), parsed.data);
      return {
        workflow: workflowId,
        ok: true,
        message: `Saved as version ${saved.version}: the workflow page compares against it from now on.`,
      };
    } catch (e) {
      if (!(e instanceof BaselineError)) throw e;
      return fail(409, {
        workflow: workflowId,
        ok: false,
        fields,
        problems: ["Someone saved a newer baseline meanwhile: reload the page to see it, then make your change again."],
      });
    }
  },
};
