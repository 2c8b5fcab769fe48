/**
 * One way to drive sitroom through a chat platform, so every scenario runs on Slack and on Mattermost alike:
 * requests go in exactly as the platform sends them, and what sitroom said comes back as plain text.
 */
import type { Sitroom } from '../../../src/app.ts';
import type { ButtonId, SelectId } from '../../../src/presentation/message.ts';
import type { FixedClock } from '../../fakes/fixed-clock.ts';
import type { PlatformFaults } from '../../fakes/platform-faults.ts';

export const PEOPLE = ['alice', 'bob', 'carol', 'dan'] as const;
export type Person = (typeof PEOPLE)[number];

export interface Where {
  /** Who types or clicks (alice by default). */
  as?: Person;
  /** The channel id it happens in (the general channel by default). */
  in?: string;
  /**
   * A click on the button of the clicker's newest command answer (shown to them alone) rather than of a posted
   * message. Slack's click carries no message to tell them apart; Mattermost's comes from an ephemeral post.
   */
  inAnswer?: boolean;
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
  /** Submits the page form (opened by the card's Page on-call button): team and message. */
  submitPage(incident: number, values: { team: string; message?: string }, where?: Where): Promise<Record<string, string> | undefined>;
  /** POST /alertmanager; resolves once sitroom's chat work for it is done. */
  webhook(body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }>;

  /**
   * A person posts `typed` in a channel as people do (not a command: sitroom only hears of it if asked to capture it),
   * at `at` (ms; the platform's clock by default), optionally as a reply in the thread of `thread`, with files named
   * `files`. Returns the message's id (Slack's ts, Mattermost's post id).
   */
  say(typed: string, where?: Where & { at?: number; thread?: string; files?: string[] }): string;
  /** A person adds `emoji` (📌 by default) to message `id` in `where.in`, or removes it; resolves once sitroom has dealt with it. */
  react(id: string, where?: Where & { emoji?: string; remove?: boolean }): Promise<void>;

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
  /** A channel a person (not sitroom) already made. */
  occupy(name: string): void;
  /** The platform makes the next channel but its answer never reaches sitroom (as when sitroom is killed before it records the room). */
  loseNextCreateAnswer(): void;
  /** The next channel creation fails with the platform's error `error`. */
  failNextCreate(error: string): void;
  /** Work started after an answer is done. */
  settled(): Promise<void>;
  /** Moves the fixed clock in steps for `ms`, ticking the scheduler and delivering what falls due (no sleeps). */
  pass(ms: number, stepMs?: number): Promise<void>;
  /** Delivers everything queued, moving the clock through paced and backoff waits (at most `withinMs`). */
  deliverAll(withinMs?: number): Promise<void>;
  /** Every answer of the fake platform's API held back `ms` of real time (a hung or slow platform); 0 to stop. */
  slow(ms: number): void;
  /** The fake platform's outages and rate limits (platform-faults.ts), on the test's clock. */
  readonly faults: PlatformFaults;
  /**
   * `/incident <text>` without waiting for the answer (it may be held up by an outage): resolves once sitroom has
   * acknowledged it and queued its work, with a reader of what has been answered to it so far.
   */
  commandSent(text: string, where?: Where): Promise<() => string[]>;
  /** Stops sitroom and starts a new one on the same database file and fakes (a restart). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a driver; `pacing` paces chat calls as in production (move the clock with pass() or deliverAll() then). */
export type DriverFactory = (env?: Record<string, string>, opts?: { pacing?: boolean }) => Promise<ChatDriver>;
