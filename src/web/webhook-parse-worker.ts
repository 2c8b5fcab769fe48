/**
 * Worker thread that parses large Alertmanager deliveries (JSON.parse and the schema take ~13 ms per MB here, so a
 * 58 MB storm would hold the event loop for seconds). The validated payload goes back in slices of alerts, so no
 * single message takes the main thread long to receive (structured clone of 80,000 alerts costs ~300 ms at once),
 * and only when the main thread asks for the next: Node delivers every queued message in one go, so slices sent
 * ahead would arrive back to back and block as long as one big message.
 */
import { parentPort } from 'node:worker_threads';
import { parseDelivery, type WebhookAlert } from '../alertmanager/alertmanager-payload.ts';
import { type ParseReply, type ParseRequest, SLICE_ALERTS } from './webhook-parser.ts';

const port = parentPort;
if (!port) throw new Error('webhook-parse-worker runs as a worker thread');
const reply = (message: ParseReply): void => port.postMessage(message);

/** Validated alerts not yet sent, per delivery: the main thread pulls them slice by slice. */
const outgoing = new Map<number, { alerts: WebhookAlert[]; at: number }>();

function sendSlice(id: number): void {
  const out = outgoing.get(id);
  if (!out) return;
  const alerts = out.alerts.slice(out.at, out.at + SLICE_ALERTS);
  out.at += SLICE_ALERTS;
  reply({ id, kind: 'alerts', alerts, last: out.at >= out.alerts.length });
  if (out.at >= out.alerts.length) outgoing.delete(id);
}

port.on('message', (m: ParseRequest) => {
  if (m.kind === 'more') {
    sendSlice(m.id);
    return;
  }
  const parsed = parseDelivery(Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength));
  if (!parsed.ok) {
    reply({ id: m.id, kind: 'refused', notJson: parsed.notJson, issues: parsed.issues });
    return;
  }
  const { alerts, ...head } = parsed.payload;
  reply({ id: m.id, kind: 'head', head, key: parsed.key });
  outgoing.set(m.id, { alerts, at: 0 });
  sendSlice(m.id);
});
