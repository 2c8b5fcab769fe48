/** Every piece of user text, on every page, renders as text: a `<script>` title never becomes a script. */
import { describe, expect, it } from 'vitest';
import { boardColumns, boardPage } from '../../../src/web/pages/board-page.ts';
import { incidentPage } from '../../../src/web/pages/incident-page.ts';
import { errorPage, notFoundPage } from '../../../src/web/pages/not-found-page.ts';
import { statusPage } from '../../../src/web/pages/status-page.ts';
import { alertInboxPage } from '../../../src/web/pages/alert-inbox-page.ts';
import { alertGroupSchema } from '../../../src/web/api-schema.ts';
import { aBoardView, aDetail, anIncidentPageView, aPublicIncident, aStatusDocument, aSummary, columnsOf, EVIL, NOW, TZ } from './views.ts';

const evilSummary = aSummary({
  title: EVIL,
  declaredBy: EVIL,
  roles: { commander: EVIL, [EVIL]: EVIL },
  lastUpdate: { text: EVIL, at: '2025-03-14T14:30:00.000Z', by: EVIL },
  warRoom: { channelId: EVIL, name: EVIL, url: `https://chat.example.com/${EVIL}` },
  platform: EVIL,
  updateOverdue: true,
  nextUpdateDue: '2025-03-14T14:30:00.000Z',
});

const evilDetail = aDetail({
  ...evilSummary,
  phase: 'resolved',
  timeline: [{ at: '2025-03-14T14:00:00.000Z', actor: EVIL, kind: EVIL, text: EVIL }],
  phaseHistory: [{ at: '2025-03-14T14:10:00.000Z', actor: EVIL, from: 'active', to: 'mitigated', note: EVIL }],
  updates: [{ at: '2025-03-14T14:30:00.000Z', by: EVIL, text: EVIL, late: true }],
  actionItems: [{ id: 1, text: EVIL, owner: EVIL, due: EVIL, state: 'open', doneAt: null, issue: null }],
  postmortemSections: { summary: EVIL, impact: EVIL, contributingFactors: EVIL, wentWell: EVIL, wentWrong: EVIL },
  alerts: [{ id: 1, title: EVIL, groupKey: EVIL, firstFiringAt: null, acknowledgedAt: '2025-03-14T14:00:00.000Z', acknowledgedBy: EVIL, silenceId: EVIL }],
  postmortem: `---\ntitle: ${EVIL}\n---\n# ${EVIL}\n\n${EVIL}\n`,
});

const pages: Record<string, string> = {
  board: boardPage(aBoardView({ columns: columnsOf([evilSummary]), banners: [evilSummary], accessNote: EVIL, csrfToken: EVIL })),
  columns: boardColumns(aBoardView({ columns: columnsOf([evilSummary]) })),
  incident: incidentPage(anIncidentPageView({ incident: evilDetail, error: EVIL, viewer: EVIL, accessNote: EVIL, csrfToken: EVIL, roles: ['commander', EVIL] })),
  // A refused form given back as typed: the values and the message are user text too.
  'refused incident': incidentPage(anIncidentPageView({ incident: evilDetail, csrfToken: EVIL, rejected: { form: '/incidents/7/update', values: { text: EVIL }, field: 'text', message: EVIL } })),
  'refused declare': boardPage(aBoardView({ rejected: { form: '/incidents', values: { title: EVIL, severity: EVIL }, field: 'title', message: EVIL } })),
  alerts: alertInboxPage({
    alerts: [alertGroupSchema.parse({ id: 1, title: EVIL, summary: EVIL, severity: 'sev2', firing: 1, resolved: 0, labels: [[EVIL, EVIL]], links: [{ label: EVIL, url: 'javascript:alert(1)' }], lastDeliveryAt: '2025-03-14T14:00:00.000Z', acknowledged: { by: EVIL, at: '2025-03-14T14:00:00.000Z' }, notActionable: null, silenced: null, incident: null, linkedToPrivate: false })],
    canSilence: true,
    now: NOW,
    timeZone: TZ,
    csrfToken: EVIL,
    rejected: { alert: 1, message: EVIL },
  }),
  status: statusPage({ status: aStatusDocument({ incidents: [aPublicIncident({ title: EVIL, components: [EVIL], updates: [{ at: '2025-03-14T14:30:00.000Z', text: EVIL }] })], components: [{ name: EVIL, status: 'major' }] }), now: NOW, timeZone: TZ }),
  notFound: notFoundPage(EVIL),
  error: errorPage({ status: 500, message: EVIL }),
};

describe.each(Object.entries(pages))('%s page', (_name, html) => {
  it('escapes user text: no script, no attribute breaking out of its quotes', () => {
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toMatch(/"onmouseover/);
    // markdown-it leaves ' as is in text (harmless there: its attributes are double-quoted); everywhere else it is escaped.
    expect(html.replace(/<article class="markdown"[\s\S]*?<\/article>/, '')).not.toMatch(/'x/);
    // Only our own scripts: the live pages' refresh (board and incident pages), and the forms' length counter where there are forms.
    const live = '<script src="/assets/board.js" defer>';
    const desk = '<script src="/assets/desk.js" defer>';
    const ours = { board: [live, desk], 'refused declare': [live, desk], incident: [live, desk], 'refused incident': [live, desk] } as Record<string, string[]>;
    expect(html.match(/<script\b[^>]*>/g) ?? []).toEqual(ours[_name] ?? []);
  });
});

/** Each place on the incident page that shows user text, with only that place holding the hostile string. */
const places: Record<string, Parameters<typeof aDetail>[0]> = {
  title: { title: EVIL },
  declaredBy: { declaredBy: EVIL },
  role: { roles: { commander: EVIL } },
  customRoleName: { roles: { [EVIL]: 'x' } },
  lastUpdate: { lastUpdate: { text: EVIL, at: '2025-03-14T14:30:00.000Z', by: 'dave' } },
  lastUpdateBy: { lastUpdate: { text: 'fine', at: '2025-03-14T14:30:00.000Z', by: EVIL } },
  warRoomName: { warRoom: { channelId: 'C1', name: EVIL, url: null } },
  timelineText: { timeline: [{ at: '2025-03-14T14:00:00.000Z', actor: 'a', kind: 'note', text: EVIL }] },
  timelineActor: { timeline: [{ at: '2025-03-14T14:00:00.000Z', actor: EVIL, kind: 'note', text: 'x' }] },
  phaseNote: { phaseHistory: [{ at: '2025-03-14T14:10:00.000Z', actor: 'a', from: 'active', to: 'mitigated', note: EVIL }] },
  phaseActor: { phaseHistory: [{ at: '2025-03-14T14:10:00.000Z', actor: EVIL, from: 'active', to: 'mitigated', note: '' }] },
  updateText: { updates: [{ at: '2025-03-14T14:30:00.000Z', by: 'd', text: EVIL, late: false }] },
  updateBy: { updates: [{ at: '2025-03-14T14:30:00.000Z', by: EVIL, text: 'x', late: false }] },
  actionItem: { actionItems: [{ id: 1, text: EVIL, owner: null, due: null, state: 'open', doneAt: null, issue: null }] },
  actionOwner: { actionItems: [{ id: 1, text: 'x', owner: EVIL, due: EVIL, state: 'open', doneAt: null, issue: null }] },
  alertTitle: { alerts: [{ id: 1, title: EVIL, groupKey: 'g', firstFiringAt: null, acknowledgedAt: null, acknowledgedBy: null, silenceId: null }] },
  alertGroup: { alerts: [{ id: 1, title: 't', groupKey: EVIL, firstFiringAt: null, acknowledgedAt: '2025-03-14T14:00:00.000Z', acknowledgedBy: EVIL, silenceId: EVIL }] },
  postmortem: { postmortem: `# ${EVIL}\n\n${EVIL}\n` },
  frontMatter: { postmortem: `---\ntitle: ${EVIL}\n---\nok\n` },
};

describe.each(Object.entries(places))('incident page, user text in %s', (_place, overrides) => {
  it('is shown, escaped', () => {
    const html = incidentPage(anIncidentPageView({ incident: aDetail(overrides) }));
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toMatch(/"onmouseover/);
  });
});
