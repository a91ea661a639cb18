import { fail } from "@sveltejs/kit";
import { ApiKeyError, createApiKey, listApiKeys, revokeApiKey } from "$db/api-keys.ts";
import { schema } from "$db/client.ts";
import { DASHBOARD_ROLES } from "$db/schema.ts";
import { requireRole } from "$lib/server/auth/guard";
import { metricsDb } from "$lib/server/db";
import type { Actions, PageServerLoad } from "./$types";

/** Workflows the metrics database has seen, offered for a key's scope (any id may still be typed). */
async function knownWorkflows(): Promise<string[]> {
  const rows = await metricsDb()
    .selectDistinct({ id: schema.dailyRollups.workflowId })
    .from(schema.dailyRollups)
    .orderBy(schema.dailyRollups.workflowId);
  return rows.map((r) => r.id);
}

export const load: PageServerLoad = async ({ locals }) => {
  requireRole(locals, "admin");
  return { keys: await listApiKeys(metricsDb()), roles: DASHBOARD_ROLES, workflows: await knownWorkflows() };
};

export const actions: Actions = {
  create: async ({ locals, request }) => {
    const me = requireRole(locals, "admin");
    const form = await request.formData();
    const fields = {
      name: String(form.get("name") ?? ""),
      holder: String(form.get("holder") ?? ""),
      role: String(form.get("role") ?? ""),
      taskRoles: String(form.get("taskRoles") ?? ""),
      workflows: String(form.get("workflows") ?? ""),
    };
    try {
      const { key, row } = await createApiKey(metricsDb(), { ...fields, createdBy: me.username });
      return {
        ok: true,
        action: "create",
        message: `Created key ${row.id} "${row.name}", acting as ${row.holder} (${row.role}).`,
        key,
        keyId: row.id,
      };
    } catch (error) {
      if (error instanceof ApiKeyError)
        return fail(400, { ok: false, action: "create", message: error.message, ...fields });
      throw error;
    }
  },
  revoke: async ({ locals, request }) => {
    const me = requireRole(locals, "admin");
    const id = String((await request.formData()).get("keyId") ?? "");
    if (!(await revokeApiKey(metricsDb(), id, me.username)))
      return fail(404, { ok: false, action: "revoke", message: `No active key ${id}.` });
    return { ok: true, action: "revoke", message: `Revoked key ${id}: it is refused from its next call on.` };
  },
};
