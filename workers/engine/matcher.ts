/** Whether a case event is the one a wait (`waitFor`, an ask's reply) is for. */
import { HUMAN_SOURCE } from "./human.ts";
import type { CaseEvent } from "./types/case.ts";
import type { EventMatcher } from "./types/workflow.ts";

export const asList = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === "string" ? [value] : value;

export function matches(matcher: EventMatcher, event: CaseEvent): boolean {
  const sources = asList(matcher.source);
  const types = asList(matcher.type);
  // A person's decisions belong to the step that asked for them, never to a wait for other systems.
  if (event.source === HUMAN_SOURCE && !sources.includes(HUMAN_SOURCE)) return false;
  if (sources.length > 0 && !sources.includes(event.source)) return false;
  if (types.length > 0 && !types.includes(event.type)) return false;
  try {
    return matcher.where ? matcher.where(event.payload) === true : true;
  } catch {
    // A predicate that trips over an unexpected payload shape means "not this event".
    return false;
  }
}
