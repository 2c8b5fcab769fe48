import { describe, expect, it } from 'vitest';
import { statusPage } from '../../../src/web/pages/status-page.ts';
import { tags } from './markup.ts';
import { aPublicIncident, aStatusDocument, NOW, TZ } from './views.ts';

describe('statusPage', () => {
  it('says all systems are operational when nothing is published', () => {
    const html = statusPage({ status: aStatusDocument({ incidents: [] }), now: NOW, timeZone: TZ });
    expect(html).toContain('<p class="all-ok" role="status">All systems operational</p>');
    expect(html).not.toContain('class="status-item');
  });

  it('shows the public title, impact, status, components and public updates with their times', () => {
    const html = statusPage({ status: aStatusDocument(), now: NOW, timeZone: TZ });
    expect(html).toContain('<h3>Checkout is slow for some customers</h3>');
    expect(html).toContain('<span class="badge impact">Partial outage</span>');
    expect(html).toContain('We are working on it');
    expect(html).toContain('<strong>Affected:</strong> checkout');
    expect(html).toContain('<time datetime="2025-03-14T14:30:00.000Z">14:30 UTC</time></span> We have found the cause and are rolling out a fix');
    expect(html).toContain('role="status">Partial outage</p>');
    expect(statusPage({ status: aStatusDocument({ incidents: [aPublicIncident({ updates: [] })] }), now: NOW, timeZone: TZ })).toContain('No update yet.');
  });

  it('lists a resolved incident under "Recently resolved" with its resolution time', () => {
    const resolved = aPublicIncident({ status: 'resolved', resolvedAt: '2025-03-14T14:50:00.000Z' });
    const html = statusPage({ status: aStatusDocument({ incidents: [resolved], overall: 'operational', overallLabel: 'All systems operational' }), now: NOW, timeZone: TZ });
    expect(html).toContain('Recently resolved');
    expect(html).not.toContain('Current incidents');
    expect(html).toContain('resolved <time datetime="2025-03-14T14:50:00.000Z">14:50 UTC</time>');
  });

  it('shows each configured component’s state', () => {
    const html = statusPage({ status: aStatusDocument({ components: [{ name: 'api', status: 'operational' }, { name: 'checkout', status: 'partial' }] }), now: NOW, timeZone: TZ });
    expect(html).toContain('<li><span>api</span> <span class="component-state state-operational">Operational</span></li>');
    expect(html).toContain('<li><span>checkout</span> <span class="component-state state-partial">Partial outage</span></li>');
  });

  it('links to no internal page, only itself, its feed and its JSON', () => {
    const html = statusPage({ status: aStatusDocument(), now: NOW, timeZone: TZ });
    expect(tags(html, 'a').map((a) => a.attrs['href'])).toEqual(['#main', '/status', '/status', '/status/feed.atom', '/status.json']);
    expect(html).toContain('<link rel="alternate" type="application/atom+xml" title="Status feed" href="/status/feed.atom">');
  });
});
