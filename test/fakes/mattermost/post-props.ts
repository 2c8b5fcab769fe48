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

/**
 * What model.PostAction.IsValid (server/public/model/integration_action.go) finds wrong with each action: a name, a
 * known style, type button (no options) or select (options, each with text and value), an http(s) integration URL.
 * Post.ValidateProps (model/post.go) only logs these for now ("In a future version this will result in an error"),
 * so the fake does not refuse the post; tests assert sitroom's posts have none.
 */
export function postActionProblems(props: Record<string, unknown>): string[] {
  const styles = ['default', 'primary', 'success', 'good', 'warning', 'danger'];
  return actionsOf(props).flatMap((a, i) => {
    const problems: string[] = [];
    const options = Array.isArray(a.options) ? a.options : [];
    if (str(a.name) === '') problems.push('action must have a name');
    if (str(a.style) !== '' && !styles.includes(str(a.style))) problems.push(`invalid style '${str(a.style)}'`);
    if (a.type === 'button' && options.length > 0) problems.push('button action must not have options');
    else if (a.type === 'select') {
      if (options.length === 0 && str(a.data_source) === '') problems.push('select action must have either DataSource or Options set');
      options.forEach((o: unknown, n) => {
        if (!isObject(o) || str(o.text) === '' || str(o.value) === '') problems.push(`option at index ${n} is invalid: text and value are required`);
      });
    } else if (a.type !== 'button') problems.push("invalid action type: must be 'button' or 'select'");
    const url = isObject(a.integration) ? str(a.integration.url) : '';
    if (!/^https?:\/\/\S+$/.test(url) && !/^\/?plugins\//.test(url)) problems.push('action must have an valid integration URL');
    return problems.map((p) => `actions[${i}]: ${p}`);
  });
}

export function parseJson(raw: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false };
  }
}
