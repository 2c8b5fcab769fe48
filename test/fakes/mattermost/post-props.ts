/** Post props as the server treats them: action ids added, action integrations hidden from clients (model/integration_action.go). */
import { randomMattermostId } from './ids.ts';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const clone = <T>(value: T): T => structuredClone(value);


export function actionsOf(props: Record<string, unknown>): Record<string, unknown>[] {
  const attachments = Array.isArray(props.attachments) ? props.attachments : [];
  return attachments.flatMap((a: unknown) => (isObject(a) && Array.isArray(a.actions) ? a.actions.filter(isObject) : []));
}

/** Post.GenerateActionIds: actions without an id get one (clicks are routed by /posts/{post_id}/actions/{action_id}). */
export function withActionIds(props: Record<string, unknown>): Record<string, unknown> {
  for (const action of actionsOf(props)) if (str(action.id) === '') action.id = randomMattermostId();
  return props;
}

/** Post.StripActionIntegrations: clients never see an action's integration url and context. */
export function stripActionIntegrations(props: Record<string, unknown>): Record<string, unknown> {
  const copy = clone(props);
  for (const action of actionsOf(copy)) delete action.integration;
  return copy;
}


export function parseJson(raw: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false };
  }
}
