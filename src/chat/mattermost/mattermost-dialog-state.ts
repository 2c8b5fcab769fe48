/**
 * The `state` of a dialog sitroom opens. Mattermost hands it to the user's browser and back with the submission,
 * unsigned (app/integration_action.go SubmitInteractiveDialog copies it as is), so sitroom seals what it needs in
 * it: the form, the incident, the user it was opened for, an expiry and a single-use nonce, under an HMAC.
 */
import { randomBytes } from 'node:crypto';
import type { NonceStore } from '../nonce-store.ts';
import type { Signer } from './mattermost-signing.ts';

/** How long a dialog may stay open before its submission is refused. */
export const DIALOG_STATE_TTL_MS = 60 * 60 * 1000;

export interface DialogState {
  form: string;
  incident: number;
  /** The Mattermost user the dialog was opened for: only they may submit it. */
  user: string;
  /** Epoch ms after which the submission is refused. */
  exp: number;
  nonce: string;
}


const fields = (s: DialogState) => ['dialog', s.form, s.incident, s.user, s.exp, s.nonce] as const;

export function sealDialogState(signer: Signer, form: string, incident: number, user: string, now: number): string {
  const state: DialogState = { form, incident, user, exp: now + DIALOG_STATE_TTL_MS, nonce: randomBytes(16).toString('base64url') };
  return JSON.stringify({ ...state, sig: signer.sign(...fields(state)) });
}

/** The state if it is sitroom's, for this user and in time; else why not. Its nonce is used up by useDialogState. */
export function openDialogState(signer: Signer, raw: unknown, user: unknown, now: number): DialogState | { error: string } {
  const forged = { error: 'This dialog was not opened by this sitroom (bad signature).' };
  if (typeof raw !== 'string') return forged;
  let parsed: Record<string, unknown>;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return forged;
    parsed = value as Record<string, unknown>;
  } catch {
    return forged;
  }
  const { form, incident, user: owner, exp, nonce, sig } = parsed;
  if (typeof form !== 'string' || typeof incident !== 'number' || typeof owner !== 'string' || typeof exp !== 'number' || typeof nonce !== 'string') {
    return forged;
  }
  const state: DialogState = { form, incident, user: owner, exp, nonce };
  if (!signer.verify(sig, ...fields(state))) return forged;
  if (owner !== user) return { error: 'This dialog was opened for someone else; open your own with /incident.' };
  if (now > exp) return { error: 'This dialog has expired; open it again.' };
  return state;
}

/** Uses the state's nonce up: undefined the first time, the error to show on any later submission. */
export async function useDialogState(nonces: NonceStore, state: DialogState, now: number): Promise<{ error: string } | undefined> {
  return (await nonces.use(state.nonce, now, state.exp)) ? undefined : { error: 'This dialog has already been submitted.' };
}
