/**
 * ChatDriver for Mattermost: requests shaped exactly as a Mattermost server sends them (slash command form with
 * user mentions, integration-action clicks carrying the context sitroom posted, dialog submissions), and the real
 * Client4 talking to FakeMattermostApi.
 */
import type { ButtonId, SelectId } from '../../../src/presentation/message.ts';
import { freePort } from '../../e2e/bot-process.ts';
import { FakeMattermostApi, type FakeMattermostPost, fakeMattermostId } from '../../fakes/fake-mattermost-api.ts';
import { deliverAsMattermost, dialogSubmission, postActionRequest, postForm, slashCommandForm } from '../../fakes/mattermost-requests.ts';
import { randomMattermostId } from '../../fakes/mattermost/ids.ts';
import { type ChatDriver, PEOPLE, type Person, type Shown, type Where } from './chat-driver.ts';
import { SitroomDriverBase, SitroomUnderTest } from './sitroom-under-test.ts';

const COMMAND_TOKEN = 'scenario-command-token';
const ids = Object.fromEntries(PEOPLE.map((p) => [p, fakeMattermostId(p)])) as Record<Person, string>;

/** Undoes sitroom's Markdown escaping: backslashes before punctuation and the zero-width space after @ and ~. */
const unescape = (text: string) => text.replace(/\\([\\`*_[\]<>|~#>+-])/g, '$1').replace(/\u200b/g, '');

interface ActionContext {
  button?: string;
  value?: number;
}

interface PostedAction {
  id: string;
  type?: string;
  options?: { text: string; value: string }[];
  context: ActionContext;
}
function actionsOf(post: FakeMattermostPost): PostedAction[] {
  const attachments = (post.props['attachments'] ?? []) as { actions?: (Omit<PostedAction, 'context'> & { integration?: { context?: ActionContext } })[] }[];
  return attachments.flatMap((a) => a.actions ?? []).map((a) => ({ id: a.id, type: a.type, options: a.options, context: a.integration?.context ?? {} }));
}

const shownOf = (p: FakeMattermostPost): Shown => ({
  id: p.id,
  text: unescape(p.message),
  buttons: actionsOf(p)
    .filter((a) => a.type !== 'select')
    .map((a) => a.context.button as ButtonId),
  choices: actionsOf(p)
    .filter((a) => a.type === 'select')
    .flatMap((a) => (a.options ?? []).map((o) => o.text)),
});

export class MattermostDriver extends SitroomDriverBase implements ChatDriver {
  readonly platform = 'mattermost' as const;
  readonly general: string;
  readonly announce: string;
  readonly alerts: string;
  readonly here = '@here';
  readonly pingsEveryone = /@(channel|all|everyone)\b/;
  readonly mm: FakeMattermostApi;
  private requests = 0;
  /** The command answers each person was shown: the response_url id and the channel the command was typed in. */
  private readonly answersShown: { person: Person; id: string; channel: string }[] = [];

  private constructor(mm: FakeMattermostApi, app: SitroomUnderTest) {
    super(app);
    this.mm = mm;
    this.general = mm.channelNamed('town-square')?.id ?? '';
    this.announce = mm.channelNamed('incidents')?.id ?? '';
    this.alerts = mm.channelNamed('alerts')?.id ?? '';
  }

  static async start(env: Record<string, string> = {}, opts: { pacing?: boolean } = {}): Promise<MattermostDriver> {
    const mm = await FakeMattermostApi.start({ token: 'mm-bot-token' });
    for (const person of PEOPLE) mm.addUser(ids[person], person);
    for (const name of ['town-square', 'incidents', 'alerts']) mm.addChannel({ name, members: Object.values(ids) });
    const port = await freePort();
    const app = new SitroomUnderTest({
      MATTERMOST_URL: mm.url,
      MATTERMOST_BOT_TOKEN: 'mm-bot-token',
      MATTERMOST_TEAM: mm.team.name,
      MATTERMOST_COMMAND_TOKEN: COMMAND_TOKEN,
      MATTERMOST_ANNOUNCE_CHANNEL: 'incidents',
      MATTERMOST_ALERTS_CHANNEL: 'alerts',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
      ...env,
    }, opts);
    // The fake's pending_post_id window and faults run on the test's clock.
    mm.timeFrom(() => app.clock.now());
    await app.start();
    // sitroom hears reactions over the WebSocket: it is connected before a scenario reacts.
    await mm.websocket.whenAuthenticated();
    return new MattermostDriver(mm, app);
  }

  user(person: Person) {
    return ids[person];
  }

  say(typed: string, where: Where & { at?: number; thread?: string; files?: string[] } = {}): string {
    return this.mm.postAs(ids[where.as ?? 'alice'], where.in ?? this.general, typed, {
      ...(where.at !== undefined && { at: where.at }),
      ...(where.thread !== undefined && { rootId: where.thread }),
      ...(where.files && { fileNames: where.files }),
    });
  }

  /** The reaction goes out as a real WebSocket frame; once sitroom's socket has answered a ping it has read it. */
  async react(id: string, where: Where & { emoji?: string; remove?: boolean } = {}): Promise<void> {
    this.mm.react(ids[where.as ?? 'alice'], id, where.emoji ?? 'pushpin', { remove: where.remove ?? false });
    await this.mm.websocket.roundTrip();
    await this.settled();
  }
  typed(person: Person) {
    return `@${person}`;
  }
  shown(person: Person) {
    return `@${person}`;
  }
  link(channelId: string) {
    return `~${this.mm.channel(channelId)?.name ?? channelId}`;
  }

  get faults() {
    return this.mm.faults;
  }

  slow(ms: number): void {
    this.mm.latencyMs = ms;
  }

  async commandSent(text: string, where: Where = {}): Promise<() => string[]> {
    const id = `hook${++this.requests}`;
    await this.sendCommand(id, text, where);
    await this.settled();
    return () => this.mm.responses(id).map((r) => unescape((r as { text?: string }).text ?? ''));
  }

  async command(text: string, where: Where = {}): Promise<string> {
    const id = `hook${++this.requests}`;
    await this.sendCommand(id, text, where);
    const answer = unescape(((await this.mm.waitForResponse(id)) as { text?: string }).text ?? '');
    // What the command queued for the chat (the outbox) is delivered before the test looks.
    await this.settled();
    return answer;
  }

  /** `/incident <text>` as Mattermost sends it; the server shows its answer's body, if any (FakeMattermostApi.commandAnswered). */
  private async sendCommand(id: string, text: string, where: Where): Promise<void> {
    this.answersShown.push({ person: where.as ?? 'alice', id, channel: where.in ?? this.general });
    const res = await postForm(`${this.url}/mattermost/command`, this.commandForm(text, where, this.mm.responseUrl(id)));
    const problem = this.mm.commandAnswered(id, res);
    if (problem) throw new Error(`slash command answered ${res.status} (${problem}): ${res.body}`);
  }

  async commandOpensForm(text: string, where: Where = {}): Promise<string> {
    const before = this.mm.dialogsOpened().length;
    const res = await postForm(`${this.url}/mattermost/command`, this.commandForm(text, where, this.mm.responseUrl('unused')));
    if (res.status !== 200) throw new Error(`slash command answered ${res.status}: ${res.body}`);
    return this.nextDialog(before);
  }

  /** The click's outcome: sitroom answers at once and tells the user in an ephemeral post once the work is done. */
  async click(button: ButtonId, value: number, where: Where = {}): Promise<string> {
    const user = ids[where.as ?? 'alice'];
    const before = this.mm.ephemeralPosts(user).length;
    const res = await this.sendClick(button, value, where);
    const refused = res.shown?.['ephemeral_text'];
    if (typeof refused === 'string') return unescape(refused);
    await this.settled();
    return unescape(this.mm.ephemeralPosts(user).slice(before).map((e) => String(e.post['message'] ?? '')).join('\n'));
  }

  /** A menu choice: the server adds the option's value to the context as `selected_option` (app.DoPostActionWithCookie). */
  async choose(select: SelectId, value: number, option: number, where: Where = {}): Promise<string> {
    const user = ids[where.as ?? 'alice'];
    const target = this.allPosts()
      .reverse()
      .find((p) => actionsOf(p).some((a) => a.type === 'select' && a.context.button === select && a.context.value === value));
    const action = target && actionsOf(target).find((a) => a.type === 'select' && a.context.button === select);
    const offered = action?.options?.find((o) => o.value === String(option));
    if (!target || !action || !offered) throw new Error(`no ${select} menu about ${value} offers ${option}`);
    const before = this.mm.ephemeralPosts(user).length;
    const body = postActionRequest({
      userId: user,
      userName: where.as ?? 'alice',
      channelId: where.in ?? target.channelId,
      postId: target.id,
      type: 'select',
      selectedOption: offered.value,
      context: action.context as Record<string, unknown>,
    });
    const res = await deliverAsMattermost(`${this.url}/mattermost/actions`, body, this.mm.integrationTimeoutMs);
    if (res.status !== 200) throw new Error(`Mattermost shows an error for the choice: the action answered ${res.status}`);
    const refused = res.shown?.['ephemeral_text'];
    if (typeof refused === 'string') return unescape(refused);
    await this.settled();
    return unescape(this.mm.ephemeralPosts(user).slice(before).map((e) => String(e.post['message'] ?? '')).join('\n'));
  }

  async clickOpensForm(button: ButtonId, value: number, where: Where = {}): Promise<string> {
    const before = this.mm.dialogsOpened().length;
    await this.sendClick(button, value, where);
    return this.nextDialog(before);
  }

  submitDeclare(values: { title: string; severity?: string; isPrivate?: boolean }, where: Where = {}) {
    return this.submit('sitroom_declare', { title: values.title, severity: values.severity ?? null, private: values.isPrivate ?? false }, where);
  }

  submitUpdate(_incident: number, text: string, where: Where = {}) {
    return this.submit('sitroom_update', { update: text }, where);
  }

  submitPage(_incident: number, values: { team: string; message?: string }, where: Where = {}) {
    return this.submit('sitroom_page', { team: values.team, message: values.message ?? '' }, where);
  }


  messages(channel: string): Shown[] {
    return this.mm.postsIn(channel).map(shownOf);
  }
  raw(channel: string): string[] {
    return this.mm.postsIn(channel).map((p) => `${p.message}\n${JSON.stringify(p.props)}`);
  }
  files(channel: string) {
    return this.mm.filesIn(channel).map((f) => ({ name: f.name, content: f.content }));
  }
  dms(person: Person): Shown[] {
    const dm = [...this.mm.calls].reverse().find((c) => c.method === 'POST' && c.path === '/api/v4/channels/direct' && JSON.stringify(c.body).includes(ids[person]));
    const channel = (dm?.response as { id?: string } | undefined)?.id;
    return channel ? this.messages(channel) : [];
  }
  formReplies(person: Person) {
    return this.mm.ephemeralPosts(ids[person]).map((e) => ({ channel: String(e.post['channel_id']), text: unescape(String(e.post['message'] ?? '')) }));
  }
  topic(channel: string) {
    return unescape(this.mm.headerOf(channel) ?? '');
  }
  members(channel: string) {
    return this.mm.membersOf(channel);
  }
  pinned(channel: string) {
    return this.mm.pinnedIn(channel);
  }
  created() {
    return this.mm
      .callsTo('POST', '/channels')
      .filter((c) => c.path === '/api/v4/channels' && c.status === 201)
      .map((c) => {
        const channel = c.response as { id: string; name: string; type: string };
        return { id: channel.id, name: channel.name, isPrivate: channel.type === 'P' };
      });
  }
  occupy(name: string) {
    this.mm.addChannel({ name, creatorId: ids.dan });
  }
  loseNextCreateAnswer() {
    this.mm.loseAnswerNext('POST', '/api/v4/channels');
  }
  failNextCreate(error: string) {
    this.mm.failNext('POST', '/api/v4/channels', 503, error);
  }
  async stop() {
    await this.app.stop();
    await this.mm.close();
  }

  private commandForm(text: string, where: Where, responseUrl: string) {
    const person = where.as ?? 'alice';
    // Mattermost resolves @mentions of team members itself and sends their ids along.
    const mentions = Object.fromEntries(PEOPLE.filter((p) => new RegExp(`@${p}\\b`).test(text)).map((p) => [p, ids[p]]));
    return slashCommandForm({ text, userId: ids[person], userName: person, channelId: where.in ?? this.general, token: COMMAND_TOKEN, responseUrl, mentions });
  }

  /**
   * The click on (button, value) in the person's newest command answer: an ephemeral post, which the server does not
   * store, so it sends the click from the PostActionCookie the webapp holds (app/integration_action.go
   * DoPostActionWithCookie): the post's own id, its channel and the action's context as sitroom answered it.
   */
  private answerClick(button: ButtonId, value: number, person: Person) {
    for (const shown of [...this.answersShown].reverse().filter((a) => a.person === person)) {
      for (const answer of this.mm.responses(shown.id).reverse() as { attachments?: { actions?: { integration?: { context?: ActionContext & Record<string, unknown> } }[] }[] }[]) {
        const context = (answer.attachments ?? []).flatMap((a) => a.actions ?? []).map((a) => a.integration?.context).find((c) => c?.button === button && c.value === value);
        if (context) return postActionRequest({ userId: ids[person], userName: person, channelId: shown.channel, postId: randomMattermostId(), context });
      }
    }
    throw new Error(`no ${button} button for ${value} in an answer shown to ${person}`);
  }

  /** Clicks the newest button sitroom posted for (button, value), with the context it carries. */
  async sendClick(button: ButtonId, value: number, where: Where = {}) {
    const person = where.as ?? 'alice';
    if (where.inAnswer) {
      const res = await deliverAsMattermost(`${this.url}/mattermost/actions`, this.answerClick(button, value, person), this.mm.integrationTimeoutMs);
      if (res.status !== 200) throw new Error(`Mattermost shows an error for the click: the action answered ${res.status}`);
      return res;
    }
    // The person clicks a button they can see: in a channel they are in (another user's DM is out of reach).
    const target = this.allPosts()
      .reverse()
      .filter((p) => this.mm.channel(p.channelId)?.type === 'O' || this.mm.membersOf(p.channelId).includes(ids[person]))
      .find((p) => actionsOf(p).some((a) => a.context.button === button && a.context.value === value));
    const clicked = target && actionsOf(target).find((a) => a.context.button === button && a.context.value === value);
    // The server routes a click by post and action id and uses the first action with that id (model.Post.GetAction,
    // server/public/model/post.go; app.DoPostActionWithCookie): a repeated id would carry another button's context.
    const action = target && clicked && actionsOf(target).find((a) => a.id === clicked.id);
    if (!target || !action) throw new Error(`no ${button} button for ${value} was posted where ${person} can see it`);
    const body = postActionRequest({ userId: ids[person], userName: person, channelId: where.in ?? target.channelId, postId: target.id, context: action.context as Record<string, unknown> });
    const res = await deliverAsMattermost(`${this.url}/mattermost/actions`, body, this.mm.integrationTimeoutMs);
    if (res.status !== 200) throw new Error(`Mattermost shows an error for the click: the action answered ${res.status}`);
    return res;
  }

  private allPosts(): FakeMattermostPost[] {
    const channels = new Set(this.mm.calls.filter((c) => c.method === 'POST' && c.path === '/api/v4/posts').map((c) => String((c.body as { channel_id?: string }).channel_id)));
    return [...channels].flatMap((ch) => this.mm.postsIn(ch)).sort((a, b) => a.createAt - b.createAt);
  }

  private async nextDialog(before: number): Promise<string> {
    await this.mm.waitFor(() => this.mm.dialogsOpened().length > before);
    return String(this.mm.dialogsOpened().at(-1)?.dialog['callback_id']);
  }

  private async submit(callbackId: string, submission: Record<string, unknown>, where: Where) {
    const opened = [...this.mm.dialogsOpened()].reverse().find((d) => d.dialog['callback_id'] === callbackId);
    if (!opened) throw new Error(`no ${callbackId} dialog was opened`);
    const person = where.as ?? 'alice';
    const body = dialogSubmission({ callbackId, state: String(opened.dialog['state']), userId: ids[person], channelId: where.in ?? this.general, submission });
    const res = await deliverAsMattermost(`${this.url}/mattermost/dialogs`, body, this.mm.integrationTimeoutMs);
    if (res.status !== 200) throw new Error(`Mattermost shows an error for the dialog: the submission answered ${res.status}`);
    const answer = (res.shown ?? {}) as { errors?: Record<string, string> };
    if (answer.errors) return answer.errors;
    await this.settled();
    return undefined;
  }
}
