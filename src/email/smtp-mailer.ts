/**
 * Sends one mail through SMTP_URL with nodemailer: a connection per mail (mails are rare; nothing to keep open),
 * every wait bounded by the call time-out so a silent server fails the attempt instead of holding it.
 */
import type { Transporter } from 'nodemailer';

export interface OutgoingMail {
  to: readonly string[];
  subject: string;
  text: string;
  html: string;
  /** `<id@domain>`: the same for every attempt at one outbox row, so a repeat after a lost answer is recognisable. */
  messageId: string;
  /** The incident's thread: `<id@domain>`. */
  thread: string;
}

export interface SentMail {
  /** Addresses the server refused while taking the mail for the others. */
  rejected: string[];
}

/** Sends mail; a failure throws what smtp-errors.ts classifies. */
export interface Mailer {
  send(mail: OutgoingMail): Promise<SentMail>;
  close(): void;
}

export class SmtpMailer implements Mailer {
  private readonly opts: { url: string; from: string; timeoutMs: number };
  private transport: Promise<Transporter> | undefined;

  constructor(opts: { url: string; from: string; timeoutMs: number }) {
    this.opts = opts;
  }

  /** nodemailer is loaded on the first mail, not at start-up: a sitroom that never mails does not carry it (~15 MB RSS). */
  private transporter(): Promise<Transporter> {
    const { url, from, timeoutMs } = this.opts;
    this.transport ??= import('nodemailer').then(({ createTransport }) =>
      createTransport({ url, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs, dnsTimeout: timeoutMs }, { from }),
    );
    return this.transport;
  }

  async send(mail: OutgoingMail): Promise<SentMail> {
    const info = await (await this.transporter()).sendMail({
      to: [...mail.to],
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: mail.messageId,
      inReplyTo: mail.thread,
      references: [mail.thread],
      // RFC 3834: an automatic message; well-behaved auto-responders (out of office) do not answer it.
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
    return { rejected: (info.rejected ?? []).map(String) };
  }

  close(): void {
    void this.transport?.then((t) => t.close());
  }
}
