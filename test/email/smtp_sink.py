"""A real SMTP server for sitroom's e-mail tests (aiosmtpd, Debian python3-aiosmtpd).

Usage: python3 smtp_sink.py PORT DIR
Each accepted message is written to DIR/<n>.json, read with Python's email package (policy.default: headers
decoded, transfer encodings undone): the RCPT TO addresses, every header, the text/plain and text/html parts.
Recipients whose local part starts with "reject" are refused with 550, "defer" with 451 (what real servers send for
unknown and greylisted mailboxes). Prints "ready" once listening; stops on SIGTERM.
"""
import asyncio
import email
import email.policy
import json
import os
import signal
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split('@', 1)[0].lower()
        if local.startswith('reject'):
            return '550 5.1.1 No such user here'
        if local.startswith('defer'):
            return '451 4.7.1 Greylisted, try again later'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        text = message.get_body(preferencelist=('plain',))
        html = message.get_body(preferencelist=('html',))
        record = {
            'envelopeTo': list(envelope.rcpt_tos),
            'mailFrom': envelope.mail_from,
            'headers': {k.lower(): str(v) for k, v in message.items()},
            'text': text.get_content() if text else None,
            'html': html.get_content() if html else None,
        }
        path = os.path.join(self.directory, '%04d.json' % self.count)
        with open(path + '.tmp', 'w') as f:
            json.dump(record, f)
        os.rename(path + '.tmp', path)
        return '250 Message accepted for delivery'


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(directory), hostname='127.0.0.1', port=port)
    controller.start()
    print('ready', flush=True)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()


if __name__ == '__main__':
    main()
