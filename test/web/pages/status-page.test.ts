import { describe, expect, it } from 'vitest';
import { statusPage } from '../../../src/web/pages/status-page.ts';
import { tags } from './markup.ts';
import { aSummary, NOW, TZ } from './views.ts';

describe('statusPage', () => {
  it('says all systems are operational when there is nothing to report', () => {
    const html = statusPage({ incidents: [], now: NOW, timeZone: TZ });
    expect(html).toContain('All systems operational');
    expect(html).not.toContain('class="status-item"');
  });

  it('shows title, phase and the latest stakeholder update with its time', () => {
    const html = statusPage({ incidents: [aSummary({ phase: 'mitigated' })], now: NOW, timeZone: TZ });
    expect(html).toContain('<h2>Checkout errors after deploy</h2>');
    expect(html).toContain('<span class="phase-name">mitigated</span>');
    expect(html).toContain('<time datetime="2025-03-14T14:30:00.000Z">14:30 UTC</time>');
    expect(html).toContain('<p>Rolling back the 13:45 deploy</p>');
    expect(html).not.toContain('All systems operational');
    expect(statusPage({ incidents: [aSummary({ lastUpdate: null })], now: NOW, timeZone: TZ })).toContain('No update yet.');
  });

  it('leaves private incidents out even when they are passed in', () => {
    const secret = aSummary({ number: 9, title: 'Secret breach', private: true, lastUpdate: { text: 'internal detail', at: '2025-03-14T14:40:00.000Z', by: 'x' } });
    const html = statusPage({ incidents: [secret], now: NOW, timeZone: TZ });
    expect(html).not.toContain('Secret breach');
    expect(html).not.toContain('internal detail');
    expect(html).toContain('All systems operational');
    expect(statusPage({ incidents: [secret, aSummary()], now: NOW, timeZone: TZ })).not.toContain('Secret breach');
  });

  it('links to no internal page, war room or person', () => {
    const html = statusPage({ incidents: [aSummary()], now: NOW, timeZone: TZ });
    expect(tags(html, 'a').map((a) => a.attrs['href'])).toEqual(['#main', '/status', '/status']);
    expect(html).not.toContain('chat.example.com');
    expect(html).not.toContain('carol');
    expect(html).not.toContain('dave');
  });
});
