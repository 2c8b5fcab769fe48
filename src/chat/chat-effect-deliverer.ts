/**
 * Turns outbox rows into chat calls on one platform: what to say is decided here (messages.ts), with the incident
 * as it is now read from the store, so a reminder sent late still shows the current state.
 */
import type { EffectDeliverer, PreparedCall } from '../delivery/dispatcher.ts';
import type { OutboxRow } from '../delivery/outbox.ts';
import type { Incident } from '../incidents/incident.ts';
import type { ChatPlatform } from './chat-platform.ts';
import { classifyChatError } from './delivery-errors.ts';
import { type MessageContext, reminderMessage } from './messages.ts';

export interface ChatEffectDelivererOptions {
  platform: ChatPlatform;
  context: () => MessageContext;
  incident: (number: number) => Incident | undefined;
}

export class ChatEffectDeliverer implements EffectDeliverer {
  private readonly o: ChatEffectDelivererOptions;

  constructor(opts: ChatEffectDelivererOptions) {
    this.o = opts;
  }

  prepare(row: OutboxRow): PreparedCall | 'wait' | 'skip' {
    const { effect } = row;
    const chat = this.o.platform;
    const incident = this.o.incident(effect.number);
    if (!incident) return 'skip';
    const message = reminderMessage(incident, effect.notice, this.o.context());
    if (effect.to === 'room') {
      const channel = incident.room?.channelId;
      if (!channel) return 'skip';
      return { call: 'post', channel, send: async () => ({ messageId: (await chat.post(channel, message)).id }) };
    }
    const { user } = effect.to;
    return {
      call: 'sendDirect',
      channel: `dm:${user}`,
      send: async () => {
        await chat.sendDirect(user, message);
        return {};
      },
    };
  }

  classify(error: unknown) {
    return classifyChatError(error);
  }
}
