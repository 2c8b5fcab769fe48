/**
 * Who may act through Mattermost's callbacks, beyond sitroom's signatures: the request's source address (optional
 * MATTERMOST_ALLOWED_SOURCES) and the acting user's membership of the channel the button is in. Mattermost sends the
 * clicking user's id in the body unsigned (app/integration_action.go DoPostActionWithCookie), so sitroom asks the
 * server whether that user can see the channel the button is in, remembering answers briefly: a member of it
 * (Client4.getChannelMember), or, for a public channel, a member of its team (who may read it without joining;
 * app/authorization.go falls back to team membership for open channels only).
 */
import { sourceFilter } from '../../cidr.ts';
import { clientError, type MattermostClient } from './mattermost-client.ts';
import { ExpiringAnswers } from './expiring-answers.ts';

/** Shared with the web's trusted proxies (src/cidr.ts); re-exported for the adapter. */
export { sourceFilter };

/** How long a membership answer is trusted: long enough for a burst of clicks, short enough to follow removals. */
export const MEMBERSHIP_CACHE_MS = 30_000;

/** A lookup that answers false for "not found" (404), a malformed id (400) or no access (403), and throws otherwise. */
async function found(lookup: () => Promise<unknown>): Promise<boolean> {
  try {
    await lookup();
    return true;
  } catch (e) {
    const status = clientError(e).status_code;
    if (status !== 404 && status !== 400 && status !== 403) throw e;
    return false;
  }
}

export class ChannelMembers {
  private readonly client: MattermostClient;
  private readonly known: ExpiringAnswers<boolean>;

  constructor(client: MattermostClient, now: () => number) {
    this.client = client;
    this.known = new ExpiringAnswers(MEMBERSHIP_CACHE_MS, now);
  }

  /** Whether the user may use the channel's buttons: a member, or a team member for a public channel. */
  async canUse(channelId: string, userId: string): Promise<boolean> {
    const key = `${channelId}:${userId}`;
    const cached = this.known.get(key);
    if (cached !== undefined) return cached;
    let yes = await found(() => this.client.getChannelMember(channelId, userId));
    if (!yes) {
      const channel = await this.client.getChannel(channelId);
      yes = channel.type === 'O' && (await found(() => this.client.getTeamMember(channel.team_id, userId)));
    }
    this.known.set(key, yes);
    return yes;
  }
}
