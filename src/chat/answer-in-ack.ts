/**
 * A slash command answered in its own HTTP answer. Both platforms show the body of the acknowledgement to the person
 * who typed the command, ephemerally: Slack a JSON body with `response_type` and `text`/`blocks`
 * (https://api.slack.com/interactivity/slash-commands#responding_immediately), Mattermost a JSON CommandResponse
 * (server/channels/app/command.go DoCommandRequest reads it with model.CommandResponseFromHTTPBody and posts it, and
 * its `extra_responses`, through HandleCommandResponse, as it does a response_url post).
 *
 * So a reply known when the command has been handled costs no chat call at all: no outbox row, no response_url POST,
 * nothing spent from Mattermost's rate limit (which counts response_url posts too: app/server.go Start wraps the
 * whole router, /hooks/commands included, in RateLimiter.RateLimitHandler). Under 20 closed-loop clients those rows
 * were thousands, held new incidents' announcements back and reached people minutes late.
 *
 * The acknowledgement waits for the use case (its database work: a few ms, more on a busy PostgreSQL) at most
 * ANSWER_IN_ACK_MS, never for a chat call: what the change queued for the chat (the war room, the announcement) is in
 * the outbox, and a reply that needs the chat to be rendered (a Mattermost mention not yet looked up) is not put in
 * the body. A reply that is late, or needs the chat, is acknowledged empty and follows through the outbox's reply
 * lane (reply-effects.ts), as it did before; a form opens after the acknowledgement (its trigger id is the request's).
 */
import type { ChatReply } from './command-handler.ts';
import type { ChatMessage } from '../presentation/message.ts';

/**
 * How long the acknowledgement may wait for the reply: well inside Slack's 3 s (after which Slack shows the user an
 * error) and Mattermost's 30 s (ServiceSettings.OutgoingIntegrationRequestsTimeout). Commands take a few ms; only a
 * slow database gets near it, and then the reply follows through the outbox.
 */
export const ANSWER_IN_ACK_MS = 1_000;

export interface AnswerInAck<Body> {
  /**
   * The handler's reply (ChatCommandHandler turns every failure into a reply; a rejection, such as a failed mention
   * look-up, is acknowledged empty and thrown to the caller, which logs it).
   */
  reply: Promise<ChatReply>;
  /** The message as the acknowledgement's body, or undefined when it cannot be rendered without calling the chat. */
  body(message: ChatMessage): Body | undefined;
  /** Sends the acknowledgement, with the reply in it or empty. Called exactly once. */
  ack(body?: Body): void;
  /** After an empty acknowledgement: queues the message in the outbox, or opens the form. */
  later(reply: ChatReply): Promise<void>;
  /** How long the acknowledgement may wait for the reply: ANSWER_IN_ACK_MS unless given; 0 acknowledges at once. */
  waitMs?: number;
}

/**
 * Acknowledges the command, with its reply when it is ready in time; resolves once the reply is on its way. The
 * acknowledgement is sent whatever happens (a reply that fails is logged by the caller, never left unanswered).
 */
export async function answerInAck<Body>(o: AnswerInAck<Body>): Promise<void> {
  let acked = false;
  const ack = (body?: Body) => {
    if (acked) return;
    acked = true;
    o.ack(body);
  };
  try {
    const waitMs = o.waitMs ?? ANSWER_IN_ACK_MS;
    const ready = waitMs > 0 ? await settledWithin(o.reply, waitMs) : undefined;
    let body: Body | undefined;
    try {
      body = ready?.kind === 'message' ? o.body(ready.message) : undefined;
    } catch {
      // Not rendered here: the outbox renders it again, and logs and counts it if that fails too.
      body = undefined;
    }
    if (body !== undefined) return ack(body);
    ack();
    await o.later(ready ?? (await o.reply));
  } finally {
    ack();
  }
}

/** `work`'s value if it settles within `ms`, else undefined (the work goes on). */
async function settledWithin<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
