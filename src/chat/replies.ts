/** The chat's replies to errors: its grammar errors (with usage), and the core's texts from src/presentation. */
import { errorMessage, isIncidentError } from '../presentation/error-text.ts';
import type { ChatMessage, Line } from '../presentation/message.ts';
import { GrammarError, USAGE } from './command-grammar.ts';

export const usageLine = (sub: keyof typeof USAGE): Line => ['Usage: ', { code: `/incident ${USAGE[sub].usage}` }];

/** Errors that are the user's to fix (bad input, a broken rule), as opposed to bugs and outages. */
export const isExpectedError = (e: unknown): boolean => e instanceof GrammarError || isIncidentError(e);

/** The user-facing reply for anything a command or click threw: specific for known errors, generic otherwise. */
export function errorReply(e: unknown): ChatMessage {
  if (e instanceof GrammarError) {
    return { lines: [[e.message], ...(e.subcommand ? [usageLine(e.subcommand)] : [])] };
  }
  return errorMessage(e);
}

/** The reply when the change was recorded but telling the chat failed. */
export const notifyFailedLine = (e: Error): Line => [`Recorded, but updating the chat failed (${e.message}). It will be retried on the next change.`];
