import { describe, expect, it } from 'vitest';
import type { AlertGroup, GroupAlert } from '../../src/alerts/alert-group.ts';
import { DEFAULT_SEVERITY_MAP, viewGroup } from '../../src/alerts/alert-rules.ts';
import { alertCard, alertsFiringMessage, alertsResolvedMessage, groupLinkedMessage, type CardOptions } from '../../src/chat/alert-messages.ts';
import type { ChatMessage } from '../../src/presentation/message.ts';
import { aGroupAlert, CAPTURE_NOW, firingGroup, fixturePayload, groupAlertsOf, WEB1_STARTS } from '../fakes/alert-fixtures.ts';
import { messageContext } from '../fakes/chat-context.ts';
import { HOUR, MINUTE } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';
import { messageText } from '../fakes/render-text.ts';

const ctx = messageContext({ now: CAPTURE_NOW });
const twoFiring = (): GroupAlert[] => groupAlertsOf(fixturePayload('alertmanager-group-2-firing'));
const mixed = (): GroupAlert[] => groupAlertsOf(fixturePayload('alertmanager-group-mixed-1resolved-1firing'));
const bothResolved = (): GroupAlert[] => [...mixed().filter((a) => a.status === 'resolved'), ...groupAlertsOf(fixturePayload('alertmanager-group-final-resolved'))];

/** The HighErrorRate group's view with `alerts`, group fields overridden. */
const view = (overrides: Partial<AlertGroup> = {}, alerts: GroupAlert[] = twoFiring()) => viewGroup(firingGroup(overrides), alerts, DEFAULT_SEVERITY_MAP);
const card = (overrides: Partial<AlertGroup> = {}, alerts?: GroupAlert[], opts: Partial<CardOptions> = {}) =>
  alertCard(view(overrides, alerts), ctx, { silences: true, warRoom: undefined, ...opts });
const buttonIds = (m: ChatMessage) => (m.buttons ?? []).map((b) => b.id);
const lines = (m: ChatMessage) => messageText(m).split('\n');

describe('alertCard', () => {
  it('shows a firing group: headline, summary, severity and counts, labels, one line per alert, links', () => {
    expect(messageText(card())).toBe(
      [
        '🔥 FIRING (2) HighErrorRate',
        'Checkout 5xx > 5%',
        'SEV1 · 2 firing · 0 resolved · since 17:00 UTC',
        'Labels: service=checkout',
        '• 🔥 instance=web-1:9100 (since 17:00 UTC)',
        '• 🔥 instance=web-2:9100 (since 17:01 UTC)',
        'Source <http://prometheus.example:9090/graph?g0.expr=rate%28http_errors_total%5B5m%5D%29> · Runbook <https://runbooks.example.com/checkout> · Alertmanager <http://127.0.0.1:9093/#/alerts?receiver=incident-bot>',
      ].join('\n'),
    );
  });

  it('shows a partly resolved group with both counts and when the alert resolved', () => {
    const text = lines(card({}, mixed()));
    expect(text[0]).toBe('🔥 FIRING (1) HighErrorRate');
    expect(text).toContain('SEV1 · 1 firing · 1 resolved · since 17:00 UTC');
    expect(text).toContain('• ✅ instance=web-1:9100 (resolved 17:01 UTC)');
    expect(text).toContain('• 🔥 instance=web-2:9100 (since 17:01 UTC)');
  });

  it('says RESOLVED once nothing fires', () => {
    const text = lines(card({}, bothResolved()));
    expect(text[0]).toBe('✅ RESOLVED HighErrorRate');
    expect(text).toContain('SEV1 · 0 firing · 2 resolved · since 17:00 UTC');
  });

  it('lists at most ten alerts and says how many more, counting those Alertmanager truncated', () => {
    const alerts = Array.from({ length: 12 }, (_, n) => aGroupAlert(n));
    const text = lines(card({ truncatedAlerts: 3 }, alerts));
    expect(text.filter((l) => l.startsWith('• '))).toHaveLength(10);
    expect(text).toContain('+5 more');
    expect(lines(card())).not.toContainEqual(expect.stringMatching(/more$/));
  });

  it('names an alert by its fingerprint when no label tells it apart', () => {
    const [alert] = twoFiring();
    const text = lines(card({ commonLabels: alert!.labels }, [alert!]));
    expect(text).toContain(`• 🔥 ${alert!.fingerprint} (since 17:00 UTC)`);
  });

  it('offers every button on a fresh group, each about this group', () => {
    const fresh = card({ id: 7 });
    expect(buttonIds(fresh)).toEqual(['alert_ack', 'alert_declare', 'alert_silence_1h', 'alert_silence_4h', 'alert_not_actionable']);
    expect(fresh.buttons?.map((b) => b.value)).toEqual([7, 7, 7, 7, 7]);
  });

  it('shows who acknowledged and how long it took, and hides Acknowledge', () => {
    const acked = card({ acknowledged: { by: 'U-ALICE', at: WEB1_STARTS + 5 * MINUTE } });
    expect(lines(acked)).toContain('👀 Acknowledged by @U-ALICE after 5m');
    expect(buttonIds(acked)).not.toContain('alert_ack');
  });

  it('shows who marked it not actionable, and hides that button', () => {
    const noise = card({ notActionable: { by: 'U-BOB', at: CAPTURE_NOW } });
    expect(lines(noise)).toContain('🙈 Marked not actionable by @U-BOB');
    expect(buttonIds(noise)).not.toContain('alert_not_actionable');
  });

  it('shows an active silence and hides the Silence buttons until it ends', () => {
    const silence = { id: 'silence-1', until: CAPTURE_NOW + HOUR, by: 'U-CAROL' };
    const silenced = card({ silence });
    expect(lines(silenced)).toContain('🔇 Silenced until 18:02 UTC by @U-CAROL (silence silence-1)');
    expect(buttonIds(silenced)).toEqual(['alert_ack', 'alert_declare', 'alert_not_actionable']);
    const ended = card({ silence: { ...silence, until: CAPTURE_NOW - 1 } });
    expect(messageText(ended)).not.toContain('Silenced');
    expect(buttonIds(ended)).toContain('alert_silence_1h');
  });

  it('offers no Silence buttons when Alertmanager’s silence API is not configured', () => {
    expect(buttonIds(card({}, undefined, { silences: false }))).toEqual(['alert_ack', 'alert_declare', 'alert_not_actionable']);
  });

  it('shows the linked incident with its war room, and hides Declare', () => {
    const linked = card({ incidentNumber: 4 }, undefined, { warRoom: 'C-INC-4' });
    expect(lines(linked)).toContain('🔗 Linked to incident #4 · #C-INC-4');
    expect(buttonIds(linked)).not.toContain('alert_declare');
    expect(lines(card({ incidentNumber: 4 }))).toContain('🔗 Linked to incident #4');
  });

  it('has no buttons left once everything was used', () => {
    const done = card({
      acknowledged: { by: 'U-ALICE', at: CAPTURE_NOW },
      notActionable: { by: 'U-ALICE', at: CAPTURE_NOW },
      incidentNumber: 4,
      silence: { id: 'silence-1', until: CAPTURE_NOW + HOUR, by: 'U-ALICE' },
    });
    expect(done.buttons).toEqual([]);
  });
});

describe('war-room messages', () => {
  it('groupLinkedMessage names the group, its counts and the firing alerts', () => {
    expect(messageText(groupLinkedMessage(view({}, mixed()), ctx))).toBe(
      ['🔗 Alerts linked: HighErrorRate', 'Checkout 5xx > 5%', '1 firing · 1 resolved', '• 🔥 instance=web-2:9100 (since 17:01 UTC)'].join('\n'),
    );
  });

  it('alertsFiringMessage lists the new alerts, at most ten', () => {
    const [web1] = twoFiring();
    expect(messageText(alertsFiringMessage(view(), [web1!], ctx))).toBe('🔥 1 new alert firing: HighErrorRate\n• 🔥 instance=web-1:9100 (since 17:00 UTC)');
    const many = Array.from({ length: 13 }, (_, n) => aGroupAlert(n));
    const text = lines(alertsFiringMessage(view({}, many), many, ctx));
    expect(text[0]).toBe('🔥 13 new alerts firing: HighErrorRate');
    expect(text.at(-1)).toBe('+3 more');
  });

  it('alertsResolvedMessage offers the commander Mitigate while the incident is active', () => {
    const message = alertsResolvedMessage(anIncident({ number: 4, roles: { commander: 'U-CAROL' } }), view({}, bothResolved()));
    expect(messageText(message)).toBe(
      '✅ All alerts resolved: HighErrorRate\n@U-CAROL if production impact is reduced, mark the incident mitigated: /incident mitigate',
    );
    expect(message.buttons).toEqual([{ id: 'mitigate', label: 'Mitigate', value: 4, style: 'primary' }]);
  });

  it('alertsResolvedMessage offers nothing once the incident is past active', () => {
    const message = alertsResolvedMessage(anIncident({ phase: 'mitigated' }), view({}, bothResolved()));
    expect(messageText(message)).toBe('✅ All alerts resolved: HighErrorRate');
    expect(message.buttons).toEqual([]);
  });
});
