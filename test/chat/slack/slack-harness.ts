/**
 * sitroom wired exactly as in production (createSitroom, the real Bolt HTTP receiver, the real Web API
 * client) against a FakeSlackApi, driven by correctly signed Slack requests. The clock is fixed and the
 * scheduler is ticked by the test, so nothing waits on wall time.
 */
import { createSitroom, type Sitroom } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { FakeSlackApi } from '../../fakes/fake-slack-api.ts';
import { FixedClock } from '../../fakes/fixed-clock.ts';
import { blockActionBody, postSigned, slashCommandBody, viewSubmissionBody } from '../../fakes/slack-requests.ts';

export const SIGNING_SECRET = 'test-signing-secret';
export const ANNOUNCE = 'CANNOUNCE';
export const GENERAL = 'CGENERAL';

interface ResponseBody {
  text?: string;
  response_type?: string;
}

export class SlackHarness {
  readonly slack: FakeSlackApi;
  readonly clock: FixedClock;
  readonly sitroom: Sitroom;
  readonly url: string;
  private requests = 0;

  private constructor(slack: FakeSlackApi, clock: FixedClock, sitroom: Sitroom, port: number) {
    this.slack = slack;
    this.clock = clock;
    this.sitroom = sitroom;
    this.url = `http://127.0.0.1:${port}`;
  }

  static async start(env: Record<string, string> = {}): Promise<SlackHarness> {
    const slack = await FakeSlackApi.start();
    slack.addChannel({ id: ANNOUNCE, name: 'incidents' });
    slack.addChannel({ id: GENERAL, name: 'general' });
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_ANNOUNCE_CHANNEL: ANNOUNCE,
      SLACK_API_URL: `${slack.url}/api/`,
      DATABASE_PATH: ':memory:',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      ...env,
    });
    const clock = new FixedClock();
    const sitroom = createSitroom(config, createLogger(config.logLevel), clock, { scheduler: false });
    const port = await sitroom.start();
    return new SlackHarness(slack, clock, sitroom, port);
  }

  /** Types `/incident <text>` as `user` in `channel`; resolves with the ephemeral reply's text. */
  async command(text: string, opts: { user?: string; channel?: string } = {}): Promise<string> {
    const id = `r${++this.requests}`;
    const body = slashCommandBody({ text, userId: opts.user ?? 'UALICE', channelId: opts.channel ?? GENERAL, responseUrl: this.slack.responseUrl(id) });
    const res = await postSigned(`${this.url}/slack/events`, SIGNING_SECRET, body);
    if (res.status !== 200) throw new Error(`slash command answered ${res.status}: ${res.body}`);
    return this.reply(id);
  }

  /** Types a command that opens a modal (no reply); resolves with the views.open call. */
  commandOpeningModal(text: string, opts: { user?: string; channel?: string } = {}) {
    const body = slashCommandBody({ text, userId: opts.user ?? 'UALICE', channelId: opts.channel ?? GENERAL, responseUrl: this.slack.responseUrl('unused') });
    return this.opensModal(body);
  }

  /** Clicks a button that opens a modal (no reply); resolves with the views.open call. */
  clickOpeningModal(button: string, incident: number, opts: { user?: string; channel?: string } = {}) {
    return this.opensModal(this.clickBody(button, incident, 'unused', opts));
  }

  /** Clicks one of sitroom's buttons; resolves with the ephemeral reply's text. */
  async click(button: string, incident: number, opts: { user?: string; channel?: string } = {}): Promise<string> {
    const id = `r${++this.requests}`;
    const res = await postSigned(`${this.url}/slack/events`, SIGNING_SECRET, this.clickBody(button, incident, id, opts));
    if (res.status !== 200) throw new Error(`click answered ${res.status}: ${res.body}`);
    return this.reply(id);
  }

  /** Submits a modal; resolves with Bolt's HTTP answer (the ack body carries inline errors). */
  async submit(callbackId: string, values: Record<string, Record<string, unknown>>, opts: { user?: string; privateMetadata?: string } = {}) {
    const body = viewSubmissionBody({ callbackId, userId: opts.user ?? 'UALICE', values, ...(opts.privateMetadata ? { privateMetadata: opts.privateMetadata } : {}) });
    return postSigned(`${this.url}/slack/events`, SIGNING_SECRET, body);
  }

  /** Delivers an Alertmanager webhook body to POST /alertmanager; resolves with the answer once the chat work is done. */
  async webhook(body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${this.url}/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const answer = { status: res.status, body: (await res.json()) as Record<string, unknown> };
    await this.sitroom.settled();
    return answer;
  }

  /** The war-room channel id of incident `n`. */
  room(n: number): string {
    const incident = this.sitroom.service.get(n);
    if (!incident.room) throw new Error(`incident #${n} has no war room`);
    return incident.room.channelId;
  }

  /** Every message text posted to `channel`, oldest first (latest version of each). */
  texts(channel: string): string[] {
    return this.slack.messagesIn(channel).map((m) => m.text ?? '');
  }

  private clickBody(button: string, incident: number, responseId: string, opts: { user?: string; channel?: string }): string {
    return blockActionBody({
      actionId: `sitroom:${button}`,
      value: String(incident),
      userId: opts.user ?? 'UALICE',
      channelId: opts.channel ?? GENERAL,
      responseUrl: this.slack.responseUrl(responseId),
    });
  }

  private async opensModal(body: string) {
    const before = this.slack.callsTo('views.open').length;
    const res = await postSigned(`${this.url}/slack/events`, SIGNING_SECRET, body);
    if (res.status !== 200) throw new Error(`request answered ${res.status}: ${res.body}`);
    return this.slack.waitFor('views.open', () => this.slack.callsTo('views.open').length > before);
  }

  private async reply(id: string): Promise<string> {
    const body = (await this.slack.waitForResponse(id)) as ResponseBody;
    return body.text ?? '';
  }

  async stop(): Promise<void> {
    await this.sitroom.stop();
    await this.slack.close();
  }
}
