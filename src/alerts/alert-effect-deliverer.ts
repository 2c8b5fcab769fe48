/**
 * Turns the alert rows of the outbox into chat calls (through the AlertNotifier port). A card is rendered from its
 * group as it is when delivered, and skipped when the card already shows that version: rows of one card are claimed
 * one at a time across processes (their shared target), so a card never ends showing an older state.
 */
import type { PreparedCall } from '../delivery/dispatcher.ts';
import type { Incident, Platform } from '../incidents/incident.ts';
import type { AlertEffect } from './alert-effects.ts';
import type { AlertGroup, AlertGroupView } from './alert-group.ts';
import type { AlertNotifier, AlertStore } from './ports.ts';

export interface AlertEffectDelivererOptions {
  platform: Platform;
  store: AlertStore;
  notifier: AlertNotifier;
  view: (groupId: number) => Promise<AlertGroupView | undefined>;
  incident: (number: number) => Promise<Incident | undefined>;
  now: () => number;
}

/** Pacing key of the alerts channel: every card goes there, so one key spaces them all. */
const ALERTS_CHANNEL_KEY = 'alerts';
/** A first-card claim older than this is taken over (its process died mid-post). */
const CLAIM_STALE_MS = 60_000;

export class AlertEffectDeliverer {
  private readonly o: AlertEffectDelivererOptions;

  constructor(opts: AlertEffectDelivererOptions) {
    this.o = opts;
  }

  /**
   * What to call for the row. The group's view is built only when the call is really made (in send): a paced row
   * is prepared many times before it goes, and the view then shows the group as it is when it is sent.
   */
  async prepare(row: { effect: AlertEffect }): Promise<PreparedCall | 'wait' | 'skip'> {
    const { effect } = row;
    const group = await this.o.store.group(effect.group);
    if (!group) return 'skip';
    return effect.kind === 'alert_card' ? this.card(group) : this.note(effect);
  }

  /** The group's view when sending (groups are never deleted, so it is there). */
  private async viewNow(groupId: number): Promise<AlertGroupView> {
    const view = await this.o.view(groupId);
    if (!view) throw new Error(`alert group ${groupId} is gone`);
    return view;
  }

  private async card(group: AlertGroup): Promise<PreparedCall | 'skip'> {
    const { store, platform, notifier } = this.o;
    const groupId = group.id;
    const card = await store.card(groupId, platform);
    // Latest state wins: a card already showing this version (or a newer one) is left alone.
    if (card && card.version >= group.version) return 'skip';
    return {
      call: card ? 'update' : 'post',
      channel: card?.channel ?? ALERTS_CHANNEL_KEY,
      send: async () => {
        const view = await this.viewNow(groupId);
        // The first post is claimed in the database too (when it really goes, not while it waits for pacing), so a
        // post slower than the row's lease is never made twice; a claim held elsewhere is retried with backoff.
        if (!card && !(await store.claimCard(groupId, platform, this.o.now(), CLAIM_STALE_MS))) throw new Error('its first card is being posted by another process');
        let shown;
        try {
          shown = await notifier.showCard(view, card ?? null);
        } catch (error) {
          if (!card) await store.releaseCardClaim(groupId, platform);
          throw error;
        }
        await store.saveCard(groupId, platform, shown, view.group.version);
        return { messageId: shown.messageId };
      },
    };
  }

  private async note(effect: Extract<AlertEffect, { kind: 'alert_note' }>): Promise<PreparedCall | 'wait' | 'skip'> {
    const incident = await this.o.incident(effect.number);
    if (!incident) return 'skip';
    // Queued behind the room's creation in the incident's queue; a room not there yet is waited for.
    if (!incident.room) return 'wait';
    const { notifier } = this.o;
    const say = (view: AlertGroupView) =>
      effect.note === 'linked'
        ? notifier.groupLinked(incident, view)
        : effect.note === 'firing'
          ? notifier.alertsFiring(incident, view, effect.alerts)
          : notifier.alertsResolved(incident, view);
    return { call: 'post', channel: incident.room.channelId, send: async () => (await say(await this.viewNow(effect.group)), {}) };
  }
}
