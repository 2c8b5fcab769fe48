/**
 * The Slack side: a Bolt app whose listeners acknowledge first (Slack's limit is 3 s), then translate the
 * request into a ChatCommandHandler call and render the reply. HTTP mode verifies Slack's signature on
 * /slack/events; Socket Mode is used when an app token is configured.
 */
import { App, HTTPReceiver, LogLevel, webApi } from '@slack/bolt';
import type { SlackConfig } from '../../config.ts';
import { SLACK_PACING } from '../../delivery/pacing.ts';
import type { Incident } from '../../incidents/incident.ts';
import type { Logger } from '../../logger.ts';
import type { ChatAdapter } from '../chat-adapter.ts';
import { BUTTON_IDS, type ButtonId, type ChatMessage, SELECT_IDS, type SelectId } from '../../presentation/message.ts';
import type { ReplyTo } from '../../presentation/reply-effects.ts';
import type { ChatCommandHandler, ChatReply, ChatRequest } from '../command-handler.ts';
import { CAPTURE_EMOJI } from '../../incidents/captured-messages.ts';
import { fetchSlackMessage, slackMessageToCapture, type SlackMessageObject, slackPermalink } from './slack-captured-message.ts';
import { type ChatForm, declareForm, formFor, type FormErrors, type FormValues, pageForm, readDeclareValues, readPageValues, readUpdateValues, updateForm } from '../forms.ts';
import { slackFormValues, slackModal } from './slack-forms.ts';
import { decodeSlackText } from './slack-inbound-text.ts';
import { SlackPlatform } from './slack-platform.ts';
import { slackRequestGuard } from './slack-request-guard.ts';
import { SlackTokenWatch } from './slack-token-check.ts';
import { ACTION_PREFIX, renderMessage, type SlackMessage } from './slack-render.ts';
import { answerInAck } from '../answer-in-ack.ts';
import type { NonceStore } from '../nonce-store.ts';

/** The callback id of the "Add to incident timeline" message shortcut (manifest.yml). */
export const CAPTURE_SHORTCUT_ID = 'sitroom_timeline';

/** `<@U123|name>` or `<@U123>` (the manifest turns on escaping, so Slack sends mentions this way). */
export function parseSlackMention(token: string): string | undefined {
  return /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(token)?.[1];
}

/** The slash-command fields sitroom reads (https://api.slack.com/interactivity/slash-commands#app_command_handling). */
interface SlashCommandFields {
  user_id: string;
  channel_id: string;
  user_name: string;
  text: string;
  trigger_id: string;
}

/** A verified form's fields when it is an `/incident` command (Bolt's app.command pattern below), else undefined. */
function slashCommandFields(form: URLSearchParams): SlashCommandFields | undefined {
  if (!/^\/incident/.test(form.get('command') ?? '')) return undefined;
  const field = (name: string) => form.get(name) ?? '';
  return { user_id: field('user_id'), channel_id: field('channel_id'), user_name: field('user_name'), text: field('text'), trigger_id: field('trigger_id') };
}

/** A slash command's reply in its acknowledgement, ephemeral (https://api.slack.com/interactivity/slash-commands#responding_immediately). */
type SlackCommandAnswer = SlackMessage & { response_type: 'ephemeral' };

export interface SlackAdapterOptions {
  config: SlackConfig;
  logger: Logger;
  /** Registers work that runs after the acknowledgement, so shutdown can wait for it. */
  track: (work: Promise<unknown>) => void;
  /** A Web API call not answered within this long fails (and the outbox retries it). */
  callTimeoutMs?: number;
  /** Queues a reply in the outbox (chat/reply-effects.ts). */
  reply: (platform: 'slack', to: ReplyTo, message: ChatMessage) => Promise<void>;
  /** Where accepted request signatures are remembered (the database), so a replay is refused by every replica. */
  nonces: NonceStore;
}

/**
 * The Slack adapter. Its routes: in HTTP mode, /slack/events (bounded, signature- and replay-checked, then Bolt);
 * none in Socket Mode. start() checks the token with auth.test: a refused token throws a ConfigError naming
 * SLACK_BOT_TOKEN; unreachable Slack is retried.
 */
export interface SlackAdapter extends ChatAdapter {
  readonly platform: SlackPlatform;
}

/**
 * Slack's app redirect, with `team=` (the workspace's id from auth.test) once Slack has answered: without it a
 * browser signed in to several workspaces, or none, cannot tell which one
 * (https://api.slack.com/reference/deep-linking#app_channel).
 */
export function slackWarRoomUrl(incident: Incident, teamId: string | undefined): string | null {
  if (!incident.room) return null;
  const team = teamId ? `&team=${encodeURIComponent(teamId)}` : '';
  return `https://slack.com/app_redirect?channel=${encodeURIComponent(incident.room.channelId)}${team}`;
}

/** Bolt's logger interface over pino. */
function boltLogger(logger: Logger) {
  const log = logger.child({ component: 'bolt' });
  return {
    debug: (...m: unknown[]) => log.debug(m.map(String).join(' ')),
    info: (...m: unknown[]) => log.info(m.map(String).join(' ')),
    warn: (...m: unknown[]) => log.warn(m.map(String).join(' ')),
    error: (...m: unknown[]) => log.error(m.map(String).join(' ')),
    setLevel: () => {},
    getLevel: () => LogLevel.INFO,
    setName: () => {},
  };
}

export function createSlackAdapter(opts: SlackAdapterOptions): SlackAdapter {
  const { config, logger, track } = opts;
  const socketMode = config.appToken !== undefined;
  const clientOptions = {
    ...(config.apiUrl ? { slackApiUrl: config.apiUrl.endsWith('/') ? config.apiUrl : `${config.apiUrl}/` } : {}),
    // The outbox retries, paces and honours Retry-After per method and channel. The SDK's own retries (~30 min) and
    // its 429 handling, which pauses the client's whole request queue, are turned off
    // (node-slack-sdk packages/web-api/src/WebClient.ts: rejectRateLimitedCalls, retryConfig, timeout).
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: opts.callTimeoutMs ?? 15_000,
  };
  const receiver =
    socketMode || !config.signingSecret
      ? undefined
      : new HTTPReceiver({ signingSecret: config.signingSecret, endpoints: '/slack/events', logger: boltLogger(logger) });
  // One quick try per check (the shared client would retry for half an hour); the watch retries with back-off.
  const checker = new webApi.WebClient(config.botToken, { ...clientOptions, retryConfig: { retries: 0 }, timeout: 5000, logger: boltLogger(logger) });
  const watch = new SlackTokenWatch(checker, logger);
  // Our own client and `authorize`, not Bolt's `token`: with a token, Bolt's constructor calls auth.test at once and
  // a refused token becomes an unhandled rejection that kills the process after "sitroom started".
  const client = new webApi.WebClient(config.botToken, { ...clientOptions, logger: boltLogger(logger) });
  const app = new App({
    authorize: async () => {
      const identity = watch.identity;
      return { botToken: config.botToken, botId: identity?.botId, botUserId: identity?.botUserId, teamId: identity?.teamId };
    },
    clientOptions,
    logger: boltLogger(logger),
    ...(receiver ? { receiver } : { appToken: config.appToken, socketMode: true }),
  });
  const platform = new SlackPlatform(client, { announce: config.announceChannel, alerts: config.alertsChannel ?? config.announceChannel }, opts.callTimeoutMs);

  /**
   * Shows a reply: a message is queued in the outbox (ephemeral through response_url, or a DM), so it is retried and
   * paced like any other; a form opens at once (its trigger_id expires within 3 s).
   */
  async function show(reply: ChatReply, responseUrl: string | undefined, triggerId: string | undefined, userId: string, client: webApi.WebClient) {
    if (reply.kind === 'message') {
      await opts.reply('slack', { user: userId, ...(responseUrl ? { responseUrl } : {}) }, reply.message);
      return;
    }
    if (!triggerId) return;
    await client.views.open({ trigger_id: triggerId, view: slackModal(formFor(reply)) });
  }

  /** Runs work after the ack; a failure of the reply itself is logged (the user-facing errors are replies). */
  function after(work: () => Promise<void>, request: ChatRequest) {
    track(
      work().catch((error: unknown) => logger.error({ err: error, user: request.userId, channel: request.channelId }, 'slack reply failed')),
    );
  }

  /**
   * Runs `/incident …` and acknowledges it: with its reply as the acknowledgement's body when the reply is ready in
   * time (answer-in-ack.ts), else empty, the reply following on response_url, or as a modal.
   */
  function runCommand(handler: ChatCommandHandler, command: SlashCommandFields, responseUrl: string | undefined, client: webApi.WebClient, ack: (body?: SlackCommandAnswer) => void): void {
    const req: ChatRequest = { platform: 'slack', userId: command.user_id, channelId: command.channel_id, userName: command.user_name };
    after(
      () =>
        answerInAck({
          reply: handler.command(req, decodeSlackText(command.text), parseSlackMention),
          body: (message): SlackCommandAnswer => ({ response_type: 'ephemeral', ...renderMessage(message) }),
          ack,
          later: (reply) => show(reply, responseUrl, command.trigger_id, req.userId, client),
        }),
      req,
    );
  }

  let attached: ChatCommandHandler | undefined;

  function attach(handler: ChatCommandHandler): void {
    attached = handler;
    // Socket Mode (and any command the guard hands on): through Bolt.
    app.command(/^\/incident/, async ({ command, ack, client }) => {
      // The listener returns once acknowledged (Bolt sends the ack's body back on the Socket Mode envelope).
      await new Promise<void>((acked) => {
        runCommand(handler, command, command.response_url, client, (body) => {
          ack(body).then(acked, (err: unknown) => {
            logger.error({ err }, 'slack command ack failed');
            acked();
          });
        });
      });
    });

    app.action(new RegExp(`^${ACTION_PREFIX}`), async ({ action, body, ack, client }) => {
      await ack();
      if (body.type !== 'block_actions' || !('action_id' in action)) return;
      if (action.type === 'static_select') {
        // The option's value is `<what the menu is about>:<choice>` (see selectElement in slack-render.ts).
        const id = action.action_id.slice(ACTION_PREFIX.length) as SelectId;
        const [about, chosen] = (action.selected_option?.value ?? '').split(':').map(Number);
        const req: ChatRequest = { platform: 'slack', userId: body.user.id, channelId: body.channel?.id ?? '', userName: body.user.username ?? body.user.name ?? body.user.id };
        if (!SELECT_IDS.includes(id) || !Number.isInteger(about) || !Number.isInteger(chosen)) return;
        after(async () => show(await handler.select(req, id, about ?? 0, chosen ?? 0), body.response_url, body.trigger_id, req.userId, client), req);
        return;
      }
      if (action.type !== 'button') return;
      // `sitroom:<id>` or `sitroom:<id>:<value>` (see buttonKey): the value travels in `value` either way.
      const id = action.action_id.slice(ACTION_PREFIX.length).split(':')[0] as ButtonId;
      const incident = Number(action.value);
      const req: ChatRequest = { platform: 'slack', userId: body.user.id, channelId: body.channel?.id ?? '', userName: body.user.username ?? body.user.name ?? body.user.id };
      if (!BUTTON_IDS.includes(id) || !Number.isInteger(incident)) return;
      after(async () => {
        const reply = await handler.button(req, id, incident);
        await show(reply, body.response_url, body.trigger_id, req.userId, client);
      }, req);
    });

    /** A modal submission: invalid input is shown inline in the modal, valid input is acked, then handled. */
    function onSubmit<T extends object>(
      form: ChatForm,
      read: (values: FormValues) => T | { errors: FormErrors },
      submit: (req: ChatRequest, input: T, privateMetadata: string) => Promise<ChatReply>,
    ): void {
      app.view(form.id, async ({ view, body, ack, client }) => {
        const input = read(slackFormValues(form, view.state.values as never));
        if ('errors' in input) {
          await ack({ response_action: 'errors', errors: input.errors });
          return;
        }
        await ack();
        const req: ChatRequest = { platform: 'slack', userId: body.user.id, channelId: '' };
        after(async () => show(await submit(req, input as T, view.private_metadata), undefined, undefined, req.userId, client), req);
      });
    }

    // Capture into the timeline. Events and shortcuts reach these listeners the same way over HTTP and Socket Mode.
    const capture = (req: ChatRequest, ts: string, message?: SlackMessageObject) =>
      handler.capture(req, async () => {
        const found = message ?? (await fetchSlackMessage(client, req.channelId, ts));
        return found && slackMessageToCapture(req.channelId, found, await slackPermalink(client, req.channelId, ts), watch.identity ?? {});
      });

    // 📌 on a message (https://docs.slack.dev/reference/events/reaction_added). Bolt acknowledges events itself.
    // Removing the reaction (reaction_removed) is not listened to: the timeline keeps what was captured.
    app.event('reaction_added', async ({ event }) => {
      if (event.reaction !== CAPTURE_EMOJI || event.item.type !== 'message' || event.user === watch.identity?.botUserId) return;
      const req: ChatRequest = { platform: 'slack', userId: event.user, channelId: event.item.channel };
      after(async () => void (await capture(req, event.item.ts)), req);
    });

    // The "Add to incident timeline" message shortcut: the payload carries the message; the reply says what happened.
    app.shortcut({ type: 'message_action', callback_id: CAPTURE_SHORTCUT_ID }, async ({ shortcut, ack, client }) => {
      await ack();
      if (shortcut.type !== 'message_action') return;
      const req: ChatRequest = { platform: 'slack', userId: shortcut.user.id, channelId: shortcut.channel.id };
      after(async () => show(await capture(req, shortcut.message.ts, shortcut.message as SlackMessageObject), shortcut.response_url, undefined, req.userId, client), req);
    });

    // The update form's incident comes back in private_metadata; the form read here only names its fields.
    onSubmit(declareForm(), readDeclareValues, (req, { form }) => handler.declareForm(req, form));
    onSubmit(updateForm(0), readUpdateValues, (req, { text }, incident) => handler.updateForm(req, Number(incident), text));
    onSubmit(pageForm(0), readPageValues, (req, { page }, incident) => handler.pageForm(req, Number(incident), page));
  }

  const requestListener =
    receiver && config.signingSecret
      ? slackRequestGuard({
          signingSecret: config.signingSecret,
          next: receiver.requestListener,
          remember: opts.nonces,
          // Over HTTP, a verified `/incident` is acknowledged here: what Bolt's ack() writes (a 200, empty or with the
          // JSON reply, bolt-js receivers/HTTPModuleFunctions.ts buildContentResponse), without its receiver and middleware.
          command: (form, res) => {
            const command = slashCommandFields(form);
            if (!attached || !command) return false;
            runCommand(attached, command, form.get('response_url') ?? undefined, client, (body) => {
              if (body) res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
              else res.writeHead(200).end();
            });
            return true;
          },
          onRefused: (status, reason) => logger.warn({ status, reason }, 'refused a request to /slack/events'),
        })
      : undefined;

  return {
    platform,
    pacing: SLACK_PACING,
    routes: () => (requestListener ? [{ method: 'POST', path: '/slack/events', handler: requestListener }] : []),
    attach,
    start: async () => {
      await watch.start();
      if (socketMode) await app.start();
    },
    health: () => watch.health,
    warRoomUrl: (incident) => slackWarRoomUrl(incident, watch.identity?.teamId || undefined),
    stop: async () => {
      watch.stop();
      if (socketMode) await app.stop();
    },
  };
}
