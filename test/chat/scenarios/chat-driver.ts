/**
 * One way to drive sitroom through a chat platform, so every scenario runs on Slack and on Mattermost alike:
 * requests go in exactly as the platform sends them, and what sitroom said comes back as plain text.
 */
import type { Sitroom } from '../../../src/app.ts';
import type { ButtonId, SelectId } from '../../../src/presentation/message.ts';
import type { FixedClock } from '../../fakes/fixed-clock.ts';

export const PEOPLE = ['alice', 'bob', 'carol', 'dan'] as const;
export type Person = (typeof PEOPLE)[number];

export interface Where {
  /** Who types or clicks (alice by default). */
  as?: Person;
  /** The channel id it happens in (the general channel by default). */
  in?: string;
}

/** A message as people see it: plain text (platform escaping undone) and the buttons it offers. */
export interface Shown {
  id: string;
  text: string;
  buttons: ButtonId[];
  /** The labels of the options of the message's menu, if it has one. */
  choices: string[];
}

export interface ChatDriver {
  readonly platform: 'slack' | 'mattermost';
  readonly clock: FixedClock;
  readonly general: string;
  readonly announce: string;
  readonly alerts: string;
  /** The running sitroom (replaced by restart()). */
  sitroom(): Sitroom;
  /** Its base URL (http://127.0.0.1:<port>), for the web and public routes. */
  readonly url: string;
  /** The person's user id on this platform. */
  user(person: Person): string;
  /** How a person types a mention of `person` in a command. */
  typed(person: Person): string;
  /** How sitroom's messages show a mention of `person`. */
  shown(person: Person): string;
  /** How sitroom's messages show a link to a channel. */
  link(channelId: string): string;
  /** How sitroom alerts everyone in a channel (escalations). */
  readonly here: string;
  /** Matches the platform's markup for pinging everyone (`<!channel>`, `@channel`), to prove user text never does. */
  readonly pingsEveryone: RegExp;

  /** `/incident <text>`; resolves with sitroom's reply to the person. */
  command(text: string, where?: Where): Promise<string>;
  /** `/incident <text>` that opens a form; resolves with the form's id. */
  commandOpensForm(text: string, where?: Where): Promise<string>;
  /** Clicks the newest button `button` for `value` that sitroom posted; resolves with the reply. */
  click(button: ButtonId, value: number, where?: Where): Promise<string>;
  /** Chooses option `option` in the newest menu `select` about `value` that sitroom posted; resolves with the reply. */
  choose(select: SelectId, value: number, option: number, where?: Where): Promise<string>;
  /** Clicks a button that opens a form; resolves with the form's id. */
  clickOpensForm(button: ButtonId, value: number, where?: Where): Promise<string>;
  /** Submits the declare form; resolves with field errors, or undefined once sitroom has answered. */
  submitDeclare(values: { title: string; severity?: string; isPrivate?: boolean }, where?: Where): Promise<Record<string, string> | undefined>;
  /** Submits the update form opened for `incident`. */
  submitUpdate(incident: number, text: string, where?: Where): Promise<Record<string, string> | undefined>;
  /** POST /alertmanager; resolves once sitroom's chat work for it is done. */
  webhook(body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }>;

  /** Messages in a channel, oldest first (latest version of each). */
  messages(channel: string): Shown[];
  /** The raw markup of the messages in a channel (to check what could ping). */
  raw(channel: string): string[];
  /** Files sitroom uploaded into a channel. */
  files(channel: string): { name: string; content: string }[];
  /** Direct messages sitroom sent the person. */
  dms(person: Person): Shown[];
  /**
   * What sitroom told the person after their form submissions, oldest first, with the channel it showed in: a DM
   * on Slack (a modal belongs to no channel), an ephemeral post where the dialog was opened on Mattermost.
   */
  formReplies(person: Person): { channel: string; text: string }[];
  topic(channel: string): string;
  members(channel: string): string[];
  pinned(channel: string): string[];
  /** Channels sitroom created, in order. */
  created(): { id: string; name: string; isPrivate: boolean }[];
  /** A channel someone else already took. */
  occupy(name: string): void;
  /** The next channel creation fails with the platform's error `error`. */
  failNextCreate(error: string): void;
  /** Work started after an answer is done. */
  settled(): Promise<void>;
  /** Stops sitroom and starts a new one on the same database file and fakes (a restart). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export type DriverFactory = (env?: Record<string, string>) => Promise<ChatDriver>;
