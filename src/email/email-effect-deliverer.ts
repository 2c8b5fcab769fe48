/**
 * Turns the outbox's e-mail rows into mails (the e-mail dispatcher's deliverer, as ChatEffectDeliverer is a chat's).
 * Decided when sending, from the incident as it is then: a private incident (made private since the row was
 * queued too) or a drill is never mailed to stakeholders, and someone with no known address gets no overdue mail.
 */
import type { EffectDeliverer, PreparedCall } from '../delivery/dispatcher.ts';
import type { OutboxRow } from '../delivery/outbox.ts';
import type { Incident, Platform, UserId } from '../incidents/incident.ts';
import { mailBody } from './mail-body.ts';
import { type MailContent, type MailContext, overdueMail, stakeholderMail } from './mail-messages.ts';
import type { Mailer } from './smtp-mailer.ts';
import { classifySmtpError } from './smtp-errors.ts';

export interface EmailDelivererOptions {
  mailer: Mailer;
  /** SMTP_FROM: its domain names the Message-IDs. */
  from: string;
  stakeholders: readonly string[];
  /** The incident as it is now (undefined: unknown). */
  incident: (number: number) => Promise<Incident | undefined>;
  /** A person's address (WEB_USER_EMAILS, else their profile on the incident's chat), or undefined. */
  addressOf: (user: UserId, platform: Platform) => Promise<string | undefined>;
  context: () => MailContext;
  /** Told when the server took the mail but refused some recipients (they are not retried: the refusal is final). */
  onRejected?: (row: OutboxRow, addresses: readonly string[]) => void;
}

export class EmailEffectDeliverer implements EffectDeliverer {
  private readonly o: EmailDelivererOptions;
  private readonly domain: string;

  constructor(opts: EmailDelivererOptions) {
    this.o = opts;
    this.domain = opts.from.slice(opts.from.lastIndexOf('@') + 1);
  }

  async prepare(row: OutboxRow): Promise<PreparedCall | 'skip'> {
    const { effect } = row;
    if (effect.kind !== 'mail_stakeholders' && effect.kind !== 'mail_overdue') return 'skip';
    if (effect.kind === 'mail_stakeholders' && this.o.stakeholders.length === 0) return 'skip';
    return {
      call: 'sendMail',
      channel: effect.kind === 'mail_overdue' ? `mail:${effect.user}` : 'mail:stakeholders',
      send: async () => {
        const incident = await this.o.incident(effect.number);
        if (!incident) return { messageId: null };
        let to: readonly string[];
        let content: MailContent;
        if (effect.kind === 'mail_stakeholders') {
          if (incident.isPrivate || incident.drill || effect.incident.isPrivate) return { messageId: null };
          to = this.o.stakeholders;
          content = stakeholderMail(effect, this.o.context());
        } else {
          const address = await this.o.addressOf(effect.user, incident.platform);
          if (!address) return { messageId: null };
          to = [address];
          content = overdueMail(incident, effect, this.o.context());
        }
        const messageId = this.messageId(row);
        const sent = await this.o.mailer.send({ to, ...mailBody(content), subject: content.subject, messageId, thread: this.thread(incident) });
        if (sent.rejected.length) this.o.onRejected?.(row, sent.rejected);
        return { messageId };
      },
    };
  }

  classify(error: unknown) {
    return classifySmtpError(error);
  }

  /** Stable across attempts at one row, and new after a fresh database (the row's queue time is in it). */
  private messageId(row: OutboxRow): string {
    return `<sitroom.outbox-${row.id}.${row.createdAt}@${this.domain}>`;
  }

  /** What every mail of one incident refers to, so mail clients thread them (RFC 5322 §3.6.4). */
  private thread(incident: Incident): string {
    return `<sitroom.incident-${incident.number}.${incident.declaredAt}@${this.domain}>`;
  }
}
