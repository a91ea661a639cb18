/**
 * A case's conversation with its customer through the case API, and translated for the operator reading it: the
 * dashboard's "in English" toggle. The lines are rebuilt from the case's own record (workers/case/conversation.ts),
 * as its chat page shows them; a translation is a reading aid from the configured model, never recorded in the case,
 * never sent. Offline (no model configured) a translation is refused with 409 and says how to get one.
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import {
  READING_LANGUAGES,
  type ReadingLanguage,
  TranslationError,
  translateMessages,
  translationModel,
} from "../../agent/translate.ts";
import { conversationLines } from "../../case/conversation.ts";
import { ApiErrorBody, CaseConversation } from "../../case-api.ts";
import { ApiError } from "../../errors.ts";
import type { AppEnv } from "../app-env.ts";
import { notFound, targetCase } from "./case-target.ts";
import { CasePath, CaseQuery } from "./cases.ts";
import { json, refusals, serve } from "./openapi.ts";

export const conversation = new OpenAPIHono<AppEnv>();

/** A case's lines translated in one model call at most: the longest conversations are read in their own words. */
const MAX_TRANSLATED_LINES = 60;

const readConversation = createRoute({
  method: "get",
  path: "/cases/{workflow}/{caseKey}/conversation",
  summary: "The case's conversation with its customer, optionally translated for the reader",
  request: {
    params: CasePath,
    query: CaseQuery.extend({
      to: z
        .string()
        .optional()
        .describe(`translate every line into this language (${Object.keys(READING_LANGUAGES).join(", ")})`),
    }),
  },
  responses: {
    200: json("the lines, oldest first, each with its translation when `to` was given", CaseConversation),
    ...refusals({
      400: "`invalid_seq`, `invalid_language`",
      404: "`case_not_found`",
      409: "`no_translation_model`: no model is configured (the offline rules do not translate)",
    }),
    502: json("`translation_failed`: the model did not give one translation per line", ApiErrorBody),
  },
});

serve(conversation, readConversation, async (c) => {
  const { workflow, caseKey } = c.req.param();
  const to = c.req.query("to");
  if (to !== undefined && !(to in READING_LANGUAGES))
    throw new ApiError(
      400,
      "invalid_language",
      `to must be one of ${Object.keys(READING_LANGUAGES).join(", ")}, not "${to.slice(0, 20)}"`,
    );
  const journal = await c.var.platform.cases.journal(await targetCase(c));
  if (!journal) throw notFound(workflow, caseKey);
  const lines = conversationLines(journal.events, journal.steps);
  if (to === undefined) return c.json({ lines, translatedTo: null, model: null } satisfies CaseConversation);

  const translator =
    c.var.platform.translator?.(workflow) ?? translationModel(c.env as unknown as Record<string, unknown>, workflow);
  if (!translator)
    throw new ApiError(
      409,
      "no_translation_model",
      "translations need a configured model (CROSSFLOW_MODEL, or CROSSFLOW_MODEL_<WORKFLOW>__TRANSLATE); the offline rules do not translate",
    );
  const translated = lines.slice(-MAX_TRANSLATED_LINES);
  let translations: string[];
  try {
    translations = await translateMessages(
      translator.model,
      translated.map((l) => l.text),
      to as ReadingLanguage,
    );
  } catch (error) {
    if (error instanceof TranslationError) throw new ApiError(502, "translation_failed", error.message);
    throw error;
  }
  const offset = lines.length - translated.length;
  return c.json({
    lines: lines.map((l, i) => (i >= offset ? { ...l, translation: translations[i - offset]! } : l)),
    translatedTo: to,
    model: translator.ref,
  } satisfies CaseConversation);
});
