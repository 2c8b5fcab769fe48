/**
 * Builds requests the way Slack sends them to a bot's request URL: form bodies for slash commands and
 * interactions (`payload=<json>`), signed per "Verifying requests from Slack" (v0 HMAC-SHA256).
 * The workspace identity matches FakeSlackApi's, so a bot wired to the fake sees one consistent workspace.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { FAKE_WORKSPACE } from './fake-slack-api.ts';

/** The deprecated verification token Slack still puts in every payload; Bolt ignores it. */
const VERIFICATION_TOKEN = 'fake-verification-token';

const nowSeconds = () => Math.floor(Date.now() / 1000);
const team = { id: FAKE_WORKSPACE.teamId, domain: FAKE_WORKSPACE.teamDomain };
const userObject = (id: string) => ({ id, username: id.toLowerCase(), name: id.toLowerCase(), team_id: FAKE_WORKSPACE.teamId });

/** Shaped like Slack's (`<digits>.<digits>.<hex>`); unique per request because views.open accepts each trigger once. */
function newTriggerId(): string {
  return `${Date.now()}.${Math.floor(Math.random() * 1e12)}.${randomBytes(16).toString('hex')}`;
}

/** Interaction bodies are a single form field holding the JSON payload. */
function payloadBody(payload: object): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A user mention in Slack's entity form; drivers pass mentions this way (Slack resolves `@alice` to it). */
const MENTION_ENTITY = /<@[UW][A-Z0-9]+(?:\|[^<>]*)?>/g;
const URL_TYPED = /https?:\/\/[^\s<>|]+/g;
const escapeChars = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * What Slack sends in a slash command's `text` for what the person typed, with should_escape: true (manifest.yml):
 * `&`, `<`, `>` as `&amp;`, `&lt;`, `&gt;` (https://api.slack.com/reference/surfaces/formatting#escaping), URLs it
 * recognises wrapped as `<url>` (or `<url|url>` with `labelLinks`), and mentions — which the caller already passes
 * as `<@U…|name>` entities — left as they are.
 */
export function escapeAsSlack(typed: string, opts: { labelLinks?: boolean } = {}): string {
  let out = '';
  let last = 0;
  const escapeText = (text: string) => {
    let piece = '';
    let at = 0;
    for (const m of text.matchAll(URL_TYPED)) {
      const url = escapeChars(m[0]);
      piece += escapeChars(text.slice(at, m.index)) + (opts.labelLinks ? `<${url}|${url}>` : `<${url}>`);
      at = m.index + m[0].length;
    }
    return piece + escapeChars(text.slice(at));
  };
  for (const m of typed.matchAll(MENTION_ENTITY)) {
    out += escapeText(typed.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  return out + escapeText(typed.slice(last));
}

/** The X-Slack-Signature / X-Slack-Request-Timestamp headers for `rawBody`. */
export function signSlackRequest(signingSecret: string, rawBody: string, timestampSeconds = nowSeconds()): Record<string, string> {
  const hmac = createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${rawBody}`).digest('hex');
  return { 'X-Slack-Signature': `v0=${hmac}`, 'X-Slack-Request-Timestamp': String(timestampSeconds) };
}

export interface SlashCommandOptions {
  /** What the person typed; sent escaped as Slack escapes it (see escapeAsSlack) unless `rawText`. */
  text: string;
  /** Send `text` as it is (it is already in Slack's escaped form). */
  rawText?: boolean;
  userId: string;
  userName?: string;
  channelId: string;
  channelName?: string;
  teamId?: string;
  responseUrl: string;
  triggerId?: string;
  /** Defaults to '/incident'. */
  command?: string;
}

/** The application/x-www-form-urlencoded body of a slash command, fields in the order Slack sends them. */
export function slashCommandBody(opts: SlashCommandOptions): string {
  return new URLSearchParams({
    token: VERIFICATION_TOKEN,
    team_id: opts.teamId ?? FAKE_WORKSPACE.teamId,
    team_domain: FAKE_WORKSPACE.teamDomain,
    channel_id: opts.channelId,
    channel_name: opts.channelName ?? 'general',
    user_id: opts.userId,
    user_name: opts.userName ?? opts.userId.toLowerCase(),
    command: opts.command ?? '/incident',
    text: opts.rawText ? opts.text : escapeAsSlack(opts.text),
    api_app_id: FAKE_WORKSPACE.appId,
    is_enterprise_install: 'false',
    response_url: opts.responseUrl,
    trigger_id: opts.triggerId ?? newTriggerId(),
  }).toString();
}

export interface BlockActionOptions {
  actionId: string;
  value: string;
  userId: string;
  channelId: string;
  channelName?: string;
  responseUrl: string;
  /** The ts of the message holding the button; a fresh one by default. */
  messageTs?: string;
  triggerId?: string;
  /** Defaults to the action id. */
  blockId?: string;
  /**
   * A choice in a static_select instead of a button click: Slack reports the element with `selected_option`
   * (https://api.slack.com/reference/interaction-payloads/block-actions, "actions"; `value` is then unused).
   */
  selectedOption?: { text: string; value: string };
}

/** The form body (`payload=<json>`) of a button click on a bot message. */
export function blockActionBody(opts: BlockActionOptions): string {
  const messageTs = opts.messageTs ?? `${nowSeconds()}.000100`;
  const blockId = opts.blockId ?? opts.actionId;
  // The button as it sits in the message, and as reported in `actions` (where Slack adds block_id and action_ts).
  const button = opts.selectedOption
    ? {
        type: 'static_select',
        action_id: opts.actionId,
        placeholder: { type: 'plain_text', text: 'Choose', emoji: true },
        options: [{ text: { type: 'plain_text', text: opts.selectedOption.text, emoji: true }, value: opts.selectedOption.value }],
      }
    : {
        type: 'button',
        action_id: opts.actionId,
        text: { type: 'plain_text', text: opts.value, emoji: true },
        value: opts.value,
      };
  const reported = opts.selectedOption
    ? {
        type: 'static_select',
        action_id: opts.actionId,
        placeholder: { type: 'plain_text', text: 'Choose', emoji: true },
        selected_option: { text: { type: 'plain_text', text: opts.selectedOption.text, emoji: true }, value: opts.selectedOption.value },
      }
    : button;
  return payloadBody({
    type: 'block_actions',
    user: userObject(opts.userId),
    api_app_id: FAKE_WORKSPACE.appId,
    token: VERIFICATION_TOKEN,
    container: { type: 'message', message_ts: messageTs, channel_id: opts.channelId, is_ephemeral: false },
    trigger_id: opts.triggerId ?? newTriggerId(),
    team,
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: opts.channelId, name: opts.channelName ?? 'general' },
    message: {
      type: 'message',
      user: FAKE_WORKSPACE.botUserId,
      bot_id: FAKE_WORKSPACE.botId,
      app_id: FAKE_WORKSPACE.appId,
      team: FAKE_WORKSPACE.teamId,
      ts: messageTs,
      text: '',
      blocks: [{ type: 'actions', block_id: blockId, elements: [button] }],
    },
    state: { values: {} },
    response_url: opts.responseUrl,
    actions: [{ ...reported, block_id: blockId, action_ts: `${Date.now() / 1000}` }],
  });
}

export interface ViewSubmissionOptions {
  callbackId: string;
  userId: string;
  /** state.values: block_id -> action_id -> element state, e.g. `{ title: { title: { type: 'plain_text_input', value: 'DB down' } } }`. */
  values: Record<string, Record<string, unknown>>;
  privateMetadata?: string;
  viewId?: string;
  triggerId?: string;
}

/** The form body (`payload=<json>`) of a modal being submitted. */
export function viewSubmissionBody(opts: ViewSubmissionOptions): string {
  const viewId = opts.viewId ?? 'V1';
  return payloadBody({
    type: 'view_submission',
    team,
    user: userObject(opts.userId),
    api_app_id: FAKE_WORKSPACE.appId,
    token: VERIFICATION_TOKEN,
    trigger_id: opts.triggerId ?? newTriggerId(),
    view: {
      id: viewId,
      team_id: FAKE_WORKSPACE.teamId,
      type: 'modal',
      blocks: [],
      private_metadata: opts.privateMetadata ?? '',
      callback_id: opts.callbackId,
      state: { values: opts.values },
      hash: `hash-${viewId}`,
      title: { type: 'plain_text', text: 'Sitroom', emoji: true },
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: { type: 'plain_text', text: 'Submit', emoji: true },
      previous_view_id: null,
      root_view_id: viewId,
      app_id: FAKE_WORKSPACE.appId,
      external_id: '',
      app_installed_team_id: FAKE_WORKSPACE.teamId,
      bot_id: FAKE_WORKSPACE.botId,
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  });
}

export interface PostSignedOptions {
  /** Sign as of this time (e.g. 10 minutes ago, to test stale-request rejection). */
  timestampSeconds?: number;
  /** Send this X-Slack-Signature instead of the correct one. */
  signature?: string;
  /** Defaults to application/x-www-form-urlencoded. */
  contentType?: string;
  /** Extra headers, e.g. X-Slack-Retry-Num / X-Slack-Retry-Reason for Slack's redeliveries. */
  headers?: Record<string, string>;
}

/** POSTs a signed body like Slack does; `ms` is how long the bot took to answer (Slack gives up after 3 s). */
export async function postSigned(
  url: string,
  signingSecret: string,
  rawBody: string,
  opts: PostSignedOptions = {},
): Promise<{ status: number; body: string; contentType: string | null; ms: number }> {
  const signed = signSlackRequest(signingSecret, rawBody, opts.timestampSeconds);
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': opts.contentType ?? 'application/x-www-form-urlencoded',
      ...signed,
      ...(opts.signature !== undefined && { 'X-Slack-Signature': opts.signature }),
      ...opts.headers,
    },
    body: rawBody,
  });
  const body = await res.text();
  return { status: res.status, body, contentType: res.headers.get('content-type'), ms: performance.now() - started };
}

let eventCounter = 0;

/**
 * The JSON body of an Events API delivery (https://docs.slack.dev/apis/events-api/#callback-field): the event inside
 * its envelope, with the authorization of the bot the event is delivered to. Sent with Content-Type application/json.
 */
export function eventCallbackBody(event: Record<string, unknown>): string {
  eventCounter += 1;
  return JSON.stringify({
    token: VERIFICATION_TOKEN,
    team_id: FAKE_WORKSPACE.teamId,
    context_team_id: FAKE_WORKSPACE.teamId,
    api_app_id: FAKE_WORKSPACE.appId,
    event,
    type: 'event_callback',
    event_id: `Ev${String(eventCounter).padStart(9, '0')}`,
    event_time: nowSeconds(),
    authorizations: [{ enterprise_id: null, team_id: FAKE_WORKSPACE.teamId, user_id: FAKE_WORKSPACE.botUserId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event_context: `4-fake-${eventCounter}`,
  });
}

/** reaction_added / reaction_removed on a message (https://docs.slack.dev/reference/events/reaction_added). */
export function reactionEvent(opts: { type?: 'reaction_added' | 'reaction_removed'; userId: string; reaction: string; channelId: string; ts: string; itemUser: string }) {
  return {
    type: opts.type ?? 'reaction_added',
    user: opts.userId,
    reaction: opts.reaction,
    item_user: opts.itemUser,
    item: { type: 'message', channel: opts.channelId, ts: opts.ts },
    event_ts: `${nowSeconds()}.000${String(eventCounter % 1000).padStart(3, '0')}`,
  };
}

/** The handshake Slack sends when an event subscription's Request URL is saved (https://docs.slack.dev/reference/events/url_verification). */
export function urlVerificationBody(challenge: string): string {
  return JSON.stringify({ token: VERIFICATION_TOKEN, challenge, type: 'url_verification' });
}

/**
 * The form body of a message shortcut (https://docs.slack.dev/reference/interaction-payloads/shortcuts-interaction-payload,
 * "Message shortcuts"): the message it was used on travels in `message`.
 */
export function messageActionBody(opts: { callbackId: string; userId: string; channelId: string; message: Record<string, unknown>; responseUrl: string }): string {
  return payloadBody({
    type: 'message_action',
    token: VERIFICATION_TOKEN,
    action_ts: `${Date.now() / 1000}`,
    team,
    user: userObject(opts.userId),
    channel: { id: opts.channelId, name: 'war-room' },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: opts.callbackId,
    trigger_id: newTriggerId(),
    response_url: opts.responseUrl,
    message_ts: opts.message['ts'],
    message: opts.message,
  });
}
