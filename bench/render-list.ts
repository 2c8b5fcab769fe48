/**
 * The synchronous work behind `/incident list`, in process: build the message for N open incidents and render
 * it as Block Kit. It runs on the bot's only event loop, so while it runs no other request is acknowledged;
 * this is what makes the saturating ack figures grow with the number of open incidents.
 */
import { formatTime } from '../src/presentation/format-time.ts';
import { listMessage, type MessageContext } from '../src/chat/messages.ts';
import { renderMessage } from '../src/chat/slack/slack-render.ts';
import { anIncident } from '../test/fakes/incident-builder.ts';
import { T0 } from '../test/fakes/fixed-clock.ts';
import { ms, type Row, summarize, type Summary } from './stats.ts';

export interface RenderResult {
  formatTimeUs: number;
  list: { open: number; time: Summary; blocks: number; chars: number }[];
}

export function measureListRendering(sizes: readonly number[] = [10, 100, 800]): RenderResult {
  const ctx: MessageContext = { now: T0, timeZone: 'UTC', conferenceUrlTemplate: '' };
  const calls = 2000;
  for (let i = 0; i < 200; i++) formatTime(T0 + i * 60_000, 'UTC', T0);
  const started = performance.now();
  for (let i = 0; i < calls; i++) formatTime(T0 + i * 60_000, 'UTC', T0);
  const formatTimeUs = ((performance.now() - started) / calls) * 1000;

  const list = sizes.map((open) => {
    const incidents = Array.from({ length: open }, (_, i) =>
      anIncident({ number: i + 1, roles: { commander: `U${i % 40}` }, room: { channelId: `C${i}`, channelName: `inc-${i}`, cardMessageId: null } }, { title: `Bench ${i + 1}` }),
    );
    const runs = Math.max(3, Math.min(50, Math.floor(1000 / open)));
    const samples: number[] = [];
    let blocks = 0;
    let chars = 0;
    for (let r = 0; r < runs + 2; r++) {
      const t = performance.now();
      const rendered = renderMessage(listMessage(incidents, ctx));
      if (r >= 2) samples.push(performance.now() - t);
      blocks = rendered.blocks.length;
      chars = rendered.blocks.reduce((n, b) => n + JSON.stringify(b).length, 0);
    }
    return { open, time: summarize(samples), blocks, chars };
  });
  return { formatTimeUs, list };
}

export function renderRows(r: RenderResult): Row[] {
  const s = 'list rendering';
  return [
    { section: s, metric: 'formatTime() per call', value: `${r.formatTimeUs.toFixed(1)} µs`, target: '-' },
    ...r.list.map((l) => ({
      section: s,
      metric: `listMessage + renderMessage, ${l.open} open: median`,
      value: `${ms(l.time.p50)} (${l.blocks} blocks, ${(l.chars / 1024).toFixed(0)} KB)`,
      // Slack rejects a message with more than 50 blocks.
      target: '<= 50 blocks',
      pass: l.blocks <= 50,
    })),
  ];
}
