/**
 * Builds requests the way a Mattermost server sends them to an integration, from the server source
 * (app/command.go DoCommandRequest, app/integration_action.go DoActionRequest / SubmitInteractiveDialog,
 * model/integration_action.go, model/mention_map.go):
 *  - slash commands: POST application/x-www-form-urlencoded, `Authorization: Token <command token>`,
 *    `Accept: application/json`; the body is Go's url.Values.Encode(): keys sorted, spaces as '+', user and channel
 *    mentions as repeated keys (user_mentions[i] belongs to user_mentions_ids[i]);
 *  - interactive message buttons and dialog submissions: POST application/json (Accept: application/json), no
 *    Authorization header at all — the only proof of origin is what the integration put in the action's context.
 * Mattermost waits ServiceSettings.OutgoingIntegrationRequestsTimeout (30 s by default) for the answer.
 * The team and trigger ids match FakeMattermostApi's, so a bot wired to the fake sees one consistent server.
 */
import { FAKE_MATTERMOST, type FakeMattermostApi, makeTriggerId } from './fake-mattermost-api.ts';
import { actionsOf } from './mattermost/post-props.ts';

/** Go's url.QueryEscape: everything but A-Z a-z 0-9 - _ . ~ is percent-encoded, spaces become '+'. */
function goQueryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** Go's url.Values.Encode(): keys in sorted order, each key's values in insertion order. */
function encodeValues(values: Map<string, string[]>): string {
  return [...values.keys()]
    .sort()
    .flatMap((key) => (values.get(key) ?? []).map((value) => `${goQueryEscape(key)}=${goQueryEscape(value)}`))
    .join('&');
}

/** model.mentionsToURLValues: one key/value pair per mention, the two keys repeated in the same order. */
function addMentions(values: Map<string, string[]>, mentions: Record<string, string> | undefined, mentionKey: string, idKey: string): void {
  const entries = Object.entries(mentions ?? {});
  if (entries.length === 0) return;
  values.set(mentionKey, entries.map(([name]) => name));
  values.set(idKey, entries.map(([, id]) => id));
}

export interface SlashCommandFormOptions {
  text: string;
  userId: string;
  userName: string;
  channelId: string;
  /** Defaults to 'town-square'. */
  channelName?: string;
  teamId?: string;
  /** The team's name (Mattermost calls it team_domain here); defaults to the fake's team name. */
  teamDomain?: string;
  /** The slash command's token, sent both in the body and as `Authorization: Token <token>`. */
  token: string;
  /** Normally fake.responseUrl(id): `<site>/hooks/commands/<hook id>`. */
  responseUrl: string;
  /** A fresh trigger id for userId by default (valid for the fake's /actions/dialogs/open). */
  triggerId?: string;
  /** Defaults to '/incident'. */
  command?: string;
  /** @username (without '@') → user id, for each team member mentioned in the text. */
  mentions?: Record<string, string>;
  /** ~channel-name (without '~') → channel id, for each public channel mentioned in the text. */
  channelMentions?: Record<string, string>;
}

export interface FormRequest {
  body: string;
  headers: { 'Content-Type': 'application/x-www-form-urlencoded'; Authorization: string; Accept: 'application/json' };
}

/** The request Mattermost POSTs to a custom slash command's URL. */
export function slashCommandForm(opts: SlashCommandFormOptions): FormRequest {
  const values = new Map<string, string[]>([
    ['token', [opts.token]],
    ['team_id', [opts.teamId ?? FAKE_MATTERMOST.teamId]],
    ['team_domain', [opts.teamDomain ?? FAKE_MATTERMOST.teamName]],
    ['channel_id', [opts.channelId]],
    ['channel_name', [opts.channelName ?? 'town-square']],
    ['user_id', [opts.userId]],
    ['user_name', [opts.userName]],
    ['command', [opts.command ?? '/incident']],
    ['text', [opts.text]],
    ['trigger_id', [opts.triggerId ?? makeTriggerId(opts.userId)]],
    ['response_url', [opts.responseUrl]],
  ]);
  addMentions(values, opts.mentions, 'user_mentions', 'user_mentions_ids');
  addMentions(values, opts.channelMentions, 'channel_mentions', 'channel_mentions_ids');
  return {
    body: encodeValues(values),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Token ${opts.token}`, Accept: 'application/json' },
  };
}

export interface PostActionRequestOptions {
  userId: string;
  userName: string;
  channelId: string;
  /** Defaults to 'town-square'. */
  channelName?: string;
  /** '' for a DM or group message; defaults to the fake's team. */
  teamId?: string;
  /** The team's name; '' when teamId is ''. */
  teamDomain?: string;
  postId: string;
  /** The action's integration.context, as the bot posted it. */
  context: Record<string, unknown>;
  /** A fresh trigger id for userId by default. */
  triggerId?: string;
  /** The action's `type` as posted: '' when the bot left it out (the default), 'button' or 'select'. */
  type?: '' | 'button' | 'select';
  /** For a select: the option chosen, which Mattermost adds to the context as selected_option. */
  selectedOption?: string;
  /** For a select with a data source: 'users' or 'channels'. */
  dataSource?: string;
}

/** model.PostActionIntegrationRequest, the JSON body POSTed to an action's integration.url when a user clicks it. */
export interface PostActionIntegrationRequest {
  user_id: string;
  user_name: string;
  channel_id: string;
  channel_name: string;
  team_id: string;
  team_domain: string;
  post_id: string;
  trigger_id: string;
  type: string;
  data_source: string;
  context?: Record<string, unknown>;
}

export function postActionRequest(opts: PostActionRequestOptions): PostActionIntegrationRequest {
  const teamId = opts.teamId ?? FAKE_MATTERMOST.teamId;
  const type = opts.type ?? '';
  const context: Record<string, unknown> = { ...opts.context };
  const isSelection = type === 'select' && opts.selectedOption !== undefined && opts.selectedOption !== '';
  if (isSelection) context.selected_option = opts.selectedOption;
  return {
    user_id: opts.userId,
    user_name: opts.userName,
    channel_id: opts.channelId,
    channel_name: opts.channelName ?? 'town-square',
    team_id: teamId,
    team_domain: opts.teamDomain ?? (teamId === '' ? '' : FAKE_MATTERMOST.teamName),
    post_id: opts.postId,
    trigger_id: opts.triggerId ?? makeTriggerId(opts.userId),
    type,
    data_source: isSelection ? (opts.dataSource ?? '') : '',
    // `context,omitempty`: an empty context is left out of the JSON.
    ...(Object.keys(context).length > 0 && { context }),
  };
}

export interface ActionClickOptions {
  userId: string;
  userName: string;
  /** The clicked post: a stored one, or an ephemeral one shown to userId. */
  postId: string;
  /** The clicked action: the first whose context names this button (sitroom's action ids are unique in a post). */
  button: string;
  /** For a select: the option chosen. */
  selectedOption?: string;
}

/**
 * The request the server sends when userId clicks a post's action, built as app/integration_action.go
 * DoPostActionWithCookie builds it: a stored post is read by post_id, the action found by id (model.Post.GetAction),
 * and the post's channel_id and the action's type and integration.context are sent; a post that is not stored (an
 * ephemeral one) comes from the PostActionCookie the webapp holds, which only the user it was shown to has. The
 * clicker chooses neither the context nor the channel. Throws where the server would answer the click with an error
 * and send nothing (no such post or action).
 */
export function actionClick(fake: FakeMattermostApi, opts: ActionClickOptions): PostActionIntegrationRequest {
  const stored = fake.post(opts.postId);
  const ephemeral = stored ? undefined : fake.ephemeralPosts(opts.userId).find((e) => e.post['id'] === opts.postId)?.post;
  const channelId = stored?.channelId ?? (typeof ephemeral?.['channel_id'] === 'string' ? ephemeral['channel_id'] : undefined);
  const props = stored?.props ?? (ephemeral && typeof ephemeral['props'] === 'object' && ephemeral['props'] !== null ? (ephemeral['props'] as Record<string, unknown>) : undefined);
  if (channelId === undefined || props === undefined) throw new Error(`no post ${opts.postId} that ${opts.userName} can click (app.post.get.app_error)`);
  const integrationOf = (a: Record<string, unknown>) => (typeof a['integration'] === 'object' && a['integration'] !== null ? (a['integration'] as { context?: Record<string, unknown> }) : undefined);
  const chosen = actionsOf(props).find((a) => integrationOf(a)?.context?.['button'] === opts.button);
  const action = chosen && actionsOf(props).find((a) => a['id'] === chosen['id']);
  const integration = action && integrationOf(action);
  if (!action || !integration) throw new Error(`post ${opts.postId} has no ${opts.button} action (api.post.do_action.action_id.app_error)`);
  return postActionRequest({
    userId: opts.userId,
    userName: opts.userName,
    channelId,
    postId: opts.postId,
    context: integration.context ?? {},
    type: action['type'] === 'select' ? 'select' : action['type'] === 'button' ? 'button' : '',
    ...(opts.selectedOption !== undefined && { selectedOption: opts.selectedOption }),
  });
}

export interface DialogSubmissionOptions {
  callbackId: string;
  state: string;
  userId: string;
  channelId: string;
  teamId?: string;
  /** element name → value; null (the default) when cancelled, {} otherwise. */
  submission?: Record<string, unknown> | null;
  /** A dialog closed with notify_on_cancel: true. */
  cancelled?: boolean;
  /**
   * The dialog's url. Not part of the body: the server blanks it before marshalling (`url,omitempty`).
   * Accepted so callers can keep it next to the other fields.
   */
  url?: string;
}

/** model.SubmitDialogRequest, the JSON body POSTed to a dialog's url when it is submitted (or cancelled). */
export interface SubmitDialogRequest {
  type: 'dialog_submission';
  callback_id: string;
  state: string;
  user_id: string;
  channel_id: string;
  team_id: string;
  submission: Record<string, unknown> | null;
  cancelled: boolean;
}

export function dialogSubmission(opts: DialogSubmissionOptions): SubmitDialogRequest {
  const cancelled = opts.cancelled ?? false;
  return {
    // Mattermost sends 'dialog_submission' for cancellations too; only `cancelled` tells them apart.
    type: 'dialog_submission',
    callback_id: opts.callbackId,
    state: opts.state,
    user_id: opts.userId,
    channel_id: opts.channelId,
    team_id: opts.teamId ?? FAKE_MATTERMOST.teamId,
    submission: opts.submission === undefined ? (cancelled ? null : {}) : opts.submission,
    cancelled,
  };
}

export interface IntegrationReply {
  status: number;
  body: string;
  contentType: string | null;
  /** The body parsed as JSON; throws, quoting the body, when it is not JSON. */
  json(): unknown;
  /** How long the integration took to answer. */
  ms: number;
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<IntegrationReply> {
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  const ms = performance.now() - started;
  return {
    status: res.status,
    body: text,
    contentType: res.headers.get('content-type'),
    json: () => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new Error(`expected a JSON answer from ${url}, got ${res.status} ${JSON.stringify(text.slice(0, 200))}`);
      }
    },
    ms,
  };
}

/** POSTs a slash command the way Mattermost does. */
export function postForm(url: string, form: FormRequest): Promise<IntegrationReply> {
  return post(url, form.headers, form.body);
}

/** POSTs an action click or a dialog submission the way Mattermost does (DoActionRequest). */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<IntegrationReply> {
  return post(url, { 'Content-Type': 'application/json', Accept: 'application/json', ...headers }, JSON.stringify(body));
}

/** What a user sees of an integration's answer to a click or a dialog submission. */
export interface IntegrationOutcome {
  /** The integration's status, or 'timeout' when Mattermost gave up waiting. */
  status: number | 'timeout';
  /** The answer's JSON when Mattermost reads it (a 200 answer); undefined otherwise: the user sees a generic error. */
  shown: Record<string, unknown> | undefined;
  ms: number;
}

/**
 * Delivers a click or a dialog submission the way the Mattermost server does (app/integration_action.go
 * DoActionRequest): its HTTP client gives up after ServiceSettings.OutgoingIntegrationRequestsTimeout (30 s by
 * default), and any status but 200 is an error whose body is never read ("status=%v"), so an `ephemeral_text` or
 * `error` in a 4xx answer reaches nobody.
 */
export async function deliverAsMattermost(url: string, body: unknown, timeoutMs: number): Promise<IntegrationOutcome> {
  const started = performance.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    const ms = performance.now() - started;
    if (res.status !== 200) return { status: res.status, shown: undefined, ms };
    const parsed = text === '' ? {} : (JSON.parse(text) as unknown);
    return { status: 200, shown: typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}, ms };
  } catch (e) {
    if (e instanceof DOMException && e.name === 'TimeoutError') return { status: 'timeout', shown: undefined, ms: performance.now() - started };
    throw e;
  }
}
