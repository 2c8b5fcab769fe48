/**
 * Turns outbox rows into chat calls on one platform: what to say is decided here (messages.ts). War-room state
 * (topic, card) is rendered from the incident as it is when delivered, so a late delivery shows the latest state;
 * announcements from the incident as it was when the change was made. A drill's messages all say DRILL and are
 * never announced (drill-marking.ts), applied here where every one of them is rendered.
 */
import type { EffectDeliverer, PreparedCall } from '../delivery/dispatcher.ts';
import type { OutboxRow } from '../delivery/outbox.ts';
import { isIntegrationEffect } from '../incidents/integration-effects.ts';
import { isAlertEffect } from '../alerts/alert-effects.ts';
import type { AlertEffectDeliverer } from '../alerts/alert-effect-deliverer.ts';
import type { ChecklistItem } from '../incidents/checklists.ts';
import { type DigestEffect, digestOfEffect, isDigestEffect } from '../incidents/digest.ts';
import type { Effect } from '../incidents/effects.ts';
import type { Incident, WarRoom } from '../incidents/incident.ts';
import type { ChatNotifier } from './chat-notifier.ts';
import type { ChatPlatform } from './chat-platform.ts';
import { classifyChatError } from './delivery-errors.ts';
import { drillPlatform, drillTopic } from './drill-marking.ts';
import type { ChatMessage } from '../presentation/message.ts';
import { isReplyEffect } from '../presentation/reply-effects.ts';
import {
  checklistMessage,
  declaredAnnouncement,
  digestMessage,
  type MessageContext,
  overdueMessage,
  postmortemMessage,
  reminderMessage,
  resolvedSummary,
  roomEventLine,
  stakeholderChange,
  summaryCard,
  topicLine,
  updateAnnouncement,
} from './messages.ts';

export interface ChatEffectDelivererOptions {
  platform: ChatPlatform;
  /** Creates channels (with its name rules) and sets topics (skipping unchanged ones). */
  notifier: ChatNotifier;
  context: () => MessageContext;
  incident: (number: number) => Promise<Incident | undefined>;
  /** The war room exists: saved on the incident before any later step runs. */
  roomCreated: (number: number, room: WarRoom) => Promise<void>;
  /** The summary card was posted: saved so later changes update it. */
  cardPosted: (number: number, messageId: string) => Promise<void>;
  /** The incident's checklist, by position (for `checklist` rows); without it they are skipped. */
  checklist?: (number: number) => Promise<readonly ChecklistItem[]>;
  /** Delivers the alert rows (cards, war-room notes); without it they are skipped. */
  alerts?: Pick<AlertEffectDeliverer, 'prepare'>;
}

export class ChatEffectDeliverer implements EffectDeliverer {
  private readonly o: ChatEffectDelivererOptions;

  constructor(opts: ChatEffectDelivererOptions) {
    this.o = opts;
  }

  async prepare(row: OutboxRow): Promise<PreparedCall | 'wait' | 'skip'> {
    const { effect } = row;
    if (isAlertEffect(effect)) return this.o.alerts ? this.o.alerts.prepare({ effect }) : 'skip';
    // Other tools' rows (webhooks, GitHub, Alertmanager, Grafana) have their own dispatchers; a chat never claims them.
    if (isIntegrationEffect(effect) || effect.kind === 'webhook' || effect.kind === 'github_issue') return 'skip';
    // The same for every attempt at this row (its id, never the attempt): Mattermost drops a repeated post carrying it.
    const key = `outbox-${row.id}`;
    if (isReplyEffect(effect)) {
      const { to, message } = effect;
      return { call: 'reply', channel: to.channel ?? `dm:${to.user}`, send: async () => (await this.o.platform.reply(to, message), {}) };
    }
    if (isDigestEffect(effect)) return this.digest(effect, key);
    const incident = await this.o.incident(effect.number);
    if (!incident) return 'skip';
    // A drill's every message is marked and it has no announcement channel.
    const chat = incident.drill ? drillPlatform(this.o.platform) : this.o.platform;
    // The e-mail dispatcher delivers these (src/email); a chat never claims them.
    if (effect.kind === 'mail_stakeholders' || effect.kind === 'mail_overdue') return 'skip';
    if (effect.kind === 'create_room') return incident.room ? 'skip' : this.createRoom(incident);
    if (effect.kind === 'announce') return this.announce(chat, incident, effect, key);
    if (effect.kind === 'remind' && effect.to !== 'room') return this.direct(chat, effect.to.user, reminderMessage(incident, effect.notice, this.o.context()));
    if (effect.kind === 'delivery_failed') {
      return this.direct(chat, effect.user, { lines: [[`⚠️ sitroom gave up delivering ${effect.what} of incident #${incident.number} to the chat. The change itself is recorded; see the incident page.`]] });
    }
    // Everything else happens in the war room; rows queued before it existed wait for it.
    const room = incident.room;
    if (!room) return 'wait';
    const channel = room.channelId;
    const ctx = this.o.context();
    switch (effect.kind) {
      case 'remind':
        return this.post(chat, channel, reminderMessage(incident, effect.notice, ctx), key);
      case 'invite':
        return { call: 'invite', channel, send: async () => (await chat.invite(channel, effect.users), {}) };
      case 'topic': {
        // Set through the notifier, which skips an unchanged topic (the wrapper would bypass that), so marked here.
        const topic = incident.drill ? drillTopic(topicLine(incident, ctx)) : topicLine(incident, ctx);
        return { call: 'setTopic', channel, send: async () => (await this.o.notifier.setTopic(channel, topic), {}) };
      }
      case 'room_events':
        return this.post(chat, channel, { lines: effect.events.map(roomEventLine) }, key);
      case 'card':
        return this.card(chat, incident, room, effect.pin, key);
      case 'checklist': {
        if (!this.o.checklist) return 'skip';
        const items = await this.o.checklist(incident.number);
        const added = new Set(effect.added);
        return this.post(chat, channel, checklistMessage(incident, items, items.filter((i) => added.has(i.id))), key);
      }
      case 'postmortem_file': {
        const file = { filename: effect.filename, content: effect.markdown, title: `Postmortem of incident #${incident.number}` };
        return { call: 'postFile', channel, send: async () => (await chat.postFile(channel, file, postmortemMessage(incident)), {}) };
      }
    }
  }

  /** The weekly digest's channel copy (none without an announcement channel), or an owner's overdue DM. */
  private digest(effect: DigestEffect, key: string): PreparedCall | 'skip' {
    const chat = this.o.platform;
    if (effect.kind === 'overdue') return this.direct(chat, effect.user, overdueMessage(effect.items));
    const channel = chat.announceChannel;
    return channel ? this.post(chat, channel, digestMessage(digestOfEffect(effect)), key) : 'skip';
  }

  classify(error: unknown) {
    return classifyChatError(error);
  }

  private createRoom(incident: Incident): PreparedCall {
    return {
      call: 'createChannel',
      channel: '*',
      send: async () => {
        const room = await this.o.notifier.createWarRoom(incident);
        // Saved at once: the next steps (invite, topic, card) read it; a crash before this line is the one
        // window where a second channel (name suffixed -2) can be made.
        await this.o.roomCreated(incident.number, room);
        return { messageId: room.channelId };
      },
    };
  }

  private card(chat: ChatPlatform, incident: Incident, room: WarRoom, pin: boolean, key: string): PreparedCall {
    const card = summaryCard(incident, this.o.context());
    const existing = room.cardMessageId;
    if (existing) {
      return {
        call: 'update',
        channel: room.channelId,
        send: async () => {
          const { replacedBy } = await chat.update(room.channelId, existing, card);
          // A card posted anew (Mattermost's PostEditTimeLimit) is saved, so later updates, after a restart too, edit it.
          if (replacedBy) await this.o.cardPosted(incident.number, replacedBy);
          const current = replacedBy ?? existing;
          // A pin that failed after the card was posted is done on the retry (already_pinned is not an error).
          if (pin) await chat.pin(room.channelId, current);
          return { messageId: current };
        },
      };
    }
    return {
      call: 'post',
      channel: room.channelId,
      send: async () => {
        const posted = await chat.post(room.channelId, card, key);
        await this.o.cardPosted(incident.number, posted.id);
        if (pin) await chat.pin(room.channelId, posted.id);
        return { messageId: posted.id };
      },
    };
  }

  private announce(chat: ChatPlatform, incident: Incident, effect: Extract<Effect, { kind: 'announce' }>, key: string): PreparedCall | 'wait' | 'skip' {
    const channel = chat.announceChannel;
    if (!channel) return 'skip';
    const ctx = this.o.context();
    if (effect.what === 'declared') {
      // The announcement links the war room: it waits for it (the room is created first, in the incident's own queue).
      if (!incident.room) return 'wait';
      return this.post(chat, channel, declaredAnnouncement({ ...effect.incident, room: incident.room }, ctx), key);
    }
    if (effect.what === 'update') return this.post(chat, channel, updateAnnouncement(effect.incident, ctx), key);
    if (effect.what === 'resolved') return effect.impact ? this.post(chat, channel, resolvedSummary(effect.incident, effect.impact, ctx), key) : 'skip';
    return effect.event ? this.post(chat, channel, stakeholderChange(effect.incident, effect.event), key) : 'skip';
  }

  private post(chat: ChatPlatform, channel: string, message: ChatMessage, key?: string): PreparedCall {
    return { call: 'post', channel, send: async () => ({ messageId: (await chat.post(channel, message, key)).id }) };
  }

  private direct(chat: ChatPlatform, user: string, message: ChatMessage): PreparedCall {
    return { call: 'sendDirect', channel: `dm:${user}`, send: async () => (await chat.sendDirect(user, message), {}) };
  }
}
