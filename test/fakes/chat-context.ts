/** What the shared chat code needs from a platform and the configuration, in the simplest form tests can use. */
import type { MentionParser } from '../../src/chat/command-grammar.ts';
import type { MessageContext } from '../../src/chat/messages.ts';
import { T0 } from './fixed-clock.ts';

/** Mentions look like `@carol` (as on Mattermost). */
export const mention: MentionParser = (token) => /^@([a-z][\w.-]*)$/i.exec(token)?.[1];

export function messageContext(overrides: Partial<MessageContext> = {}): MessageContext {
  return { now: T0, timeZone: 'UTC', conferenceUrlTemplate: '', ...overrides };
}
