/**
 * Things a platform may send only once, remembered in the database (the `dialog_nonces` table) so a replay is refused
 * on every replica and after a restart: Mattermost dialog nonces, and Slack request signatures within Slack's replay
 * window. Behind a load balancer a replay reaches any replica, so a memory per process would let it through.
 */
export interface NonceStore {
  /** Marks the nonce used until `expiresAt` (epoch ms); false when it already was. Expired ones are pruned. */
  use(nonce: string, now: number, expiresAt: number): Promise<boolean>;
}
