/** ChatDriver for Slack: signed requests into the real Bolt receiver, the real Web API client against FakeSlackApi. */
import type { ButtonId, SelectId } from '../../../src/presentation/message.ts';
import { FakeSlackApi, type FakeMessage } from '../../fakes/fake-slack-api.ts';
import { CAPTURE_SHORTCUT_ID } from '../../../src/chat/slack/slack-app.ts';
import { blockActionBody, escapeAsSlack, eventCallbackBody, messageActionBody, postSigned, reactionEvent, slashCommandBody, viewSubmissionBody } from '../../fakes/slack-requests.ts';
import type { ChatDriver, Person, Shown, Where } from './chat-driver.ts';
import { SitroomDriverBase, SitroomUnderTest } from './sitroom-under-test.ts';

const SIGNING_SECRET = 'scenario-signing-secret';
const ids: Record<Person, string> = { alice: 'UALICE', bob: 'UBOB', carol: 'UCAROL', dan: 'UDAN' };

const unescape = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function buttonsOf(blocks: unknown): ButtonId[] {
  const list = Array.isArray(blocks) ? (blocks as { elements?: { action_id?: string }[] }[]) : [];
  return list.flatMap((b) => b.elements ?? []).map((e) => (e.action_id ?? '').replace(/^sitroom:/, '').split(':')[0] as ButtonId);
}

/** The action_id of the newest button (button, value) sitroom posted: Slack sends back the element's own action_id. */
function postedActionId(messages: readonly FakeMessage[], button: ButtonId, value: number): string {
  const elements = messages.flatMap((m) => (Array.isArray(m.blocks) ? (m.blocks as { elements?: { action_id?: string; value?: string }[] }[]) : []).flatMap((b) => b.elements ?? []));
  const posted = elements.reverse().find((e) => e.value === String(value) && (e.action_id ?? '').replace(/^sitroom:/, '').split(':')[0] === button);
  return posted?.action_id ?? `sitroom:${button}`;
}

interface SelectElement {
  type?: string;
  action_id?: string;
  options?: { text: { text: string }; value: string }[];
}
const selectsOf = (blocks: unknown): SelectElement[] =>
  (Array.isArray(blocks) ? (blocks as { elements?: SelectElement[] }[]) : []).flatMap((b) => b.elements ?? []).filter((e) => e.type === 'static_select');

const shownOf = (m: FakeMessage): Shown => ({
  id: m.ts,
  text: unescape(m.text ?? ''),
  buttons: buttonsOf(m.blocks),
  choices: selectsOf(m.blocks).flatMap((e) => (e.options ?? []).map((o) => o.text.text)),
});

export class SlackDriver extends SitroomDriverBase implements ChatDriver {
  readonly platform = 'slack' as const;
  readonly general = 'CGENERAL';
  readonly announce = 'CANNOUNCE';
  readonly alerts = 'CALERTS';
  readonly here = '<!here>';
  readonly pingsEveryone = /<!(channel|everyone)>/;
  readonly slack: FakeSlackApi;
  private requests = 0;
  private lastUpdateForm: Record<string, unknown> | undefined;
  private lastPageForm: Record<string, unknown> | undefined;

  private constructor(slack: FakeSlackApi, app: SitroomUnderTest) {
    super(app);
    this.slack = slack;
  }

  static async start(env: Record<string, string> = {}, opts: { pacing?: boolean } = {}): Promise<SlackDriver> {
    const slack = await FakeSlackApi.start();
    const app = new SitroomUnderTest({
      SLACK_BOT_TOKEN: 'xoxb-scenario',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_ANNOUNCE_CHANNEL: 'CANNOUNCE',
      SLACK_ALERTS_CHANNEL: 'CALERTS',
      SLACK_API_URL: `${slack.url}/api/`,
      ...env,
    }, opts);
    const driver = new SlackDriver(slack, app);
    slack.faults.timeFrom(() => app.clock.now());
    for (const [id, name] of [[driver.general, 'general'], [driver.announce, 'incidents'], [driver.alerts, 'alerts']] as const) slack.addChannel({ id, name });
    await app.start();
    return driver;
  }

  user(person: Person) {
    return ids[person];
  }
  typed(person: Person) {
    return `<@${ids[person]}|${person}>`;
  }
  shown(person: Person) {
    return `<@${ids[person]}>`;
  }
  link(channelId: string) {
    return `<#${channelId}>`;
  }

  get faults() {
    return this.slack.faults;
  }

  slow(ms: number): void {
    this.slack.latencyMs = ms;
  }

  async commandSent(text: string, where: Where = {}): Promise<() => string[]> {
    const id = `r${++this.requests}`;
    await this.sendCommand(id, text, where);
    await this.settled();
    return () => this.slack.responses(id).map((r) => unescape((r as { text?: string }).text ?? ''));
  }

  async command(text: string, where: Where = {}): Promise<string> {
    const id = `r${++this.requests}`;
    await this.sendCommand(id, text, where);
    return this.answered(id);
  }

  /** `/incident <text>` as Slack sends it; Slack shows its answer's body, if any (FakeSlackApi.commandAnswered). */
  private async sendCommand(id: string, text: string, where: Where): Promise<void> {
    const body = slashCommandBody({ text, userId: this.user(where.as ?? 'alice'), channelId: where.in ?? this.general, responseUrl: this.slack.responseUrl(id) });
    const res = await postSigned(`${this.url}/slack/events`, SIGNING_SECRET, body);
    const problem = this.slack.commandAnswered(id, res);
    if (problem) throw new Error(`Slack refused the command's answer (${problem}): ${res.status} ${res.body}`);
  }

  commandOpensForm(text: string, where: Where = {}): Promise<string> {
    return this.opensForm(slashCommandBody({ text, userId: this.user(where.as ?? 'alice'), channelId: where.in ?? this.general, responseUrl: this.slack.responseUrl('unused') }));
  }

  async click(button: ButtonId, value: number, where: Where = {}): Promise<string> {
    const id = `r${++this.requests}`;
    await this.send(this.clickBody(button, value, id, where));
    return this.answered(id);
  }

  /** The reply to request `id`, once what it queued for the chat (the outbox) has been delivered too. */
  private async answered(id: string): Promise<string> {
    const text = unescape(((await this.slack.waitForResponse(id)) as { text?: string }).text ?? '');
    await this.settled();
    return text;
  }

  async choose(select: SelectId, value: number, option: number, where: Where = {}): Promise<string> {
    const posted = this.slack
      .allMessages()
      .reverse()
      .flatMap((m) => selectsOf(m.blocks))
      .filter((e) => e.action_id === `sitroom:${select}`)
      .flatMap((e) => e.options ?? [])
      .find((o) => o.value === `${value}:${option}`);
    if (!posted) throw new Error(`no ${select} menu about ${value} offers ${option}`);
    const id = `r${++this.requests}`;
    await this.send(
      blockActionBody({
        actionId: `sitroom:${select}`,
        value: '',
        selectedOption: { text: posted.text.text, value: posted.value },
        userId: this.user(where.as ?? 'alice'),
        channelId: where.in ?? this.alerts,
        responseUrl: this.slack.responseUrl(id),
      }),
    );
    return this.answered(id);
  }

  clickOpensForm(button: ButtonId, value: number, where: Where = {}): Promise<string> {
    return this.opensForm(this.clickBody(button, value, 'unused', where));
  }

  async submitDeclare(values: { title: string; severity?: string; isPrivate?: boolean }, where: Where = {}) {
    return this.submit(
      'sitroom_declare',
      {
        title: { title: { type: 'plain_text_input', value: values.title } },
        severity: { severity: { type: 'static_select', selected_option: values.severity ? { value: values.severity } : null } },
        private: { private: { type: 'checkboxes', selected_options: values.isPrivate ? [{ value: 'private' }] : [] } },
      },
      undefined,
      where,
    );
  }

  async submitUpdate(incident: number, text: string, where: Where = {}) {
    const metadata = String(this.lastUpdateForm?.['private_metadata'] ?? incident);
    return this.submit('sitroom_update', { update: { update: { type: 'plain_text_input', value: text } } }, metadata, where);
  }

  async submitPage(incident: number, values: { team: string; message?: string }, where: Where = {}) {
    const metadata = String(this.lastPageForm?.['private_metadata'] ?? incident);
    const fields = { team: { team: { type: 'plain_text_input', value: values.team } }, message: { message: { type: 'plain_text_input', value: values.message ?? null } } };
    return this.submit('sitroom_page', fields, metadata, where);
  }


  say(typed: string, where: Where & { at?: number; thread?: string; files?: string[] } = {}): string {
    const user = this.user(where.as ?? 'alice');
    return this.slack.postAsUser({
      channel: where.in ?? this.general,
      user,
      // What Slack sends for what the person typed: the three escapes, links and mentions as entities.
      text: escapeAsSlack(typed),
      ...(where.at !== undefined && { at: where.at }),
      ...(where.thread !== undefined && { threadTs: where.thread }),
      ...(where.files && {
        files: where.files.map((name, n) => ({ id: `F${n + 1}${user}`, name, title: name, permalink: `https://sitroom-test.slack.com/files/${user}/F${n + 1}${user}/${name}` })),
      }),
    });
  }

  /** reaction_added (or reaction_removed) delivered by the Events API, signed as Slack signs it. */
  async react(id: string, where: Where & { emoji?: string; remove?: boolean } = {}): Promise<void> {
    const channel = where.in ?? this.general;
    const itemUser = this.slack.messagesIn(channel).find((m) => m.ts === id)?.user ?? '';
    const event = reactionEvent({ type: where.remove ? 'reaction_removed' : 'reaction_added', userId: this.user(where.as ?? 'alice'), reaction: where.emoji ?? 'pushpin', channelId: channel, ts: id, itemUser });
    await this.sendEvent(event);
  }

  /**
   * Posts a signed Events API delivery. Bolt answers an event before its listeners run, but they run within the same
   * turn of promises (nothing between the acknowledgement and a listener waits for I/O), so by the time the answer is
   * read here the listener has registered its work, and settled() waits for it.
   */
  async sendEvent(event: Record<string, unknown>): Promise<void> {
    const res = await postSigned(`${this.url}/slack/events`, SIGNING_SECRET, eventCallbackBody(event), { contentType: 'application/json' });
    if (res.status !== 200) throw new Error(`event answered ${res.status}: ${res.body}`);
    await this.settled();
  }

  /** The "Add to incident timeline" message shortcut on message `id`; resolves with sitroom's reply. */
  async shortcut(id: string, where: Where = {}): Promise<string> {
    const channel = where.in ?? this.general;
    const message = this.slack.messagesIn(channel).find((m) => m.ts === id);
    if (!message) throw new Error(`no message ${id} in ${channel}`);
    const responseId = `r${++this.requests}`;
    const wire = { type: 'message', user: message.user, ts: message.ts, text: message.text ?? '', ...(message.thread_ts && { thread_ts: message.thread_ts }), ...(message.files && { files: message.files }) };
    await this.send(messageActionBody({ callbackId: CAPTURE_SHORTCUT_ID, userId: this.user(where.as ?? 'alice'), channelId: channel, message: wire, responseUrl: this.slack.responseUrl(responseId) }));
    return this.answered(responseId);
  }

  messages(channel: string): Shown[] {
    return this.slack.messagesIn(channel).map(shownOf);
  }
  raw(channel: string): string[] {
    return this.slack.messagesIn(channel).map((m) => `${m.text ?? ''}\n${JSON.stringify(m.blocks ?? [])}`);
  }
  files(channel: string) {
    return this.slack.filesIn(channel).map((f) => ({ name: f.filename, content: f.content }));
  }
  dms(person: Person): Shown[] {
    return this.messages(`D${ids[person]}`);
  }
  formReplies(person: Person) {
    return this.dms(person).map((m) => ({ channel: `D${ids[person]}`, text: m.text }));
  }
  topic(channel: string) {
    return unescape(this.slack.topicOf(channel) ?? '');
  }
  members(channel: string) {
    return this.slack.membersOf(channel);
  }
  pinned(channel: string) {
    return this.slack.pinnedIn(channel);
  }
  created() {
    return this.slack
      .callsTo('conversations.create')
      .filter((c) => c.response.ok)
      .map((c) => ({ id: String((c.response['channel'] as { id: string }).id), name: String(c.args['name']), isPrivate: c.args['is_private'] === 'true' }));
  }
  occupy(name: string) {
    this.slack.addChannel({ name, creator: ids.dan });
  }
  loseNextCreateAnswer() {
    this.slack.loseAnswerNext('conversations.create');
  }
  failNextCreate(error: string) {
    this.slack.failNext('conversations.create', error);
  }
  async stop() {
    await this.app.stop();
    await this.slack.close();
  }

  private clickBody(button: ButtonId, value: number, responseId: string, where: Where) {
    return blockActionBody({
      actionId: postedActionId(this.slack.allMessages(), button, value),
      value: String(value),
      userId: this.user(where.as ?? 'alice'),
      channelId: where.in ?? this.general,
      responseUrl: this.slack.responseUrl(responseId),
    });
  }

  private async opensForm(body: string): Promise<string> {
    const before = this.slack.callsTo('views.open').length;
    await this.send(body);
    const call = await this.slack.waitFor('views.open', () => this.slack.callsTo('views.open').length > before);
    const view = call.args['view'] as Record<string, unknown>;
    if (view['callback_id'] === 'sitroom_update') this.lastUpdateForm = view;
    if (view['callback_id'] === 'sitroom_page') this.lastPageForm = view;
    return String(view['callback_id']);
  }

  private async submit(callbackId: string, values: Record<string, Record<string, unknown>>, privateMetadata: string | undefined, where: Where) {
    const body = viewSubmissionBody({ callbackId, userId: this.user(where.as ?? 'alice'), values, ...(privateMetadata ? { privateMetadata } : {}) });
    const res = await postSigned(`${this.url}/slack/events`, SIGNING_SECRET, body);
    if (res.status !== 200) throw new Error(`view submission answered ${res.status}: ${res.body}`);
    const answer = res.body ? (JSON.parse(res.body) as { response_action?: string; errors?: Record<string, string> }) : {};
    if (answer.response_action === 'errors') return answer.errors;
    await this.settled();
    return undefined;
  }

  /** Posts a correctly signed request to /slack/events. */
  async send(body: string): Promise<void> {
    const res = await postSigned(`${this.url}/slack/events`, SIGNING_SECRET, body);
    if (res.status !== 200) throw new Error(`Slack request answered ${res.status}: ${res.body}`);
  }
}
