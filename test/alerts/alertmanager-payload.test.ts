import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { acceptPlainPayload, deliveryKey, parseWebhookPayload, webhookPayloadSchema } from '../../src/alertmanager/alertmanager-payload.ts';
import { FIXTURE_NAMES, fixtureJson, fixturePayload, fixtureText, type RawPayload, validPayload, WEB1, WEB1_STARTS } from '../fakes/alert-fixtures.ts';

/** The issues for a body the test expects to be refused. */
function issuesOf(body: unknown): string[] {
  const result = parseWebhookPayload(body);
  if (result.ok) throw new Error('expected the body to be refused');
  return result.issues;
}

const firing = (): RawPayload => fixtureJson('alertmanager-group-2-firing');

describe('parseWebhookPayload', () => {
  it.each(FIXTURE_NAMES)('accepts the real capture %s', (name) => {
    const result = parseWebhookPayload(fixtureJson(name));
    expect(result.ok).toBe(true);
  });

  it('turns times into epoch milliseconds, and the zero time into a null endsAt', () => {
    const [web1] = fixturePayload('alertmanager-group-2-firing').alerts;
    expect(web1).toMatchObject({ fingerprint: WEB1, status: 'firing', startsAt: WEB1_STARTS, endsAt: null });
    const [resolved] = fixturePayload('alertmanager-group-mixed-1resolved-1firing').alerts;
    expect(resolved?.endsAt).toBe(Date.parse('2026-11-22T17:01:18Z'));
  });

  it('keeps what the card needs: group labels, annotations, URLs, truncatedAlerts', () => {
    const p = fixturePayload('alertmanager-group-2-firing');
    expect(p).toMatchObject({
      version: '4',
      groupKey: '{}:{alertname="HighErrorRate", service="checkout"}',
      receiver: 'incident-bot',
      groupLabels: { alertname: 'HighErrorRate', service: 'checkout' },
      commonAnnotations: { summary: 'Checkout 5xx > 5%' },
      externalURL: 'http://127.0.0.1:9093',
      truncatedAlerts: 0,
    });
    expect(p.alerts[1]?.generatorURL).toBe('');
  });

  it('fills in optional fields Alertmanager may leave out', () => {
    const body: Partial<RawPayload> = firing();
    delete body.commonLabels;
    delete body.truncatedAlerts;
    delete body.externalURL;
    const p = validPayload(body);
    expect(p).toMatchObject({ commonLabels: {}, truncatedAlerts: 0, externalURL: '' });
  });

  describe('refuses malformed bodies with issues that name the path', () => {
    it('a missing groupKey', () => {
      const body: Partial<RawPayload> = firing();
      delete body.groupKey;
      expect(issuesOf(body)).toEqual([expect.stringMatching(/^groupKey: /)]);
    });

    it('another payload version', () => {
      expect(issuesOf({ ...firing(), version: '3' })).toEqual([expect.stringMatching(/^version: .*"4"/)]);
    });

    it('an alert without a fingerprint', () => {
      const body = firing();
      const { fingerprint: _, ...second } = body.alerts[1]!;
      expect(issuesOf({ ...body, alerts: [body.alerts[0], second] })).toEqual([expect.stringMatching(/^alerts\.1\.fingerprint: /)]);
    });

    it('a timestamp that is not one', () => {
      const body = firing();
      body.alerts[0]!.endsAt = 'soon';
      expect(issuesOf(body)).toEqual(['alerts.0.endsAt: not a timestamp: "soon"']);
    });

    it('an alert that never started (zero startsAt)', () => {
      const body = firing();
      body.alerts[1]!.startsAt = '0001-01-01T00:00:00Z';
      expect(issuesOf(body)).toEqual(['alerts.1.startsAt: must be set']);
    });

    it('an unknown alert status', () => {
      const body = firing();
      body.alerts[0]!.status = 'pending';
      expect(issuesOf(body)).toEqual([expect.stringMatching(/^alerts\.0\.status: /)]);
    });

    it('lists several problems at once, at most ten', () => {
      const body = firing();
      const broken = { ...body, version: '3', alerts: Array.from({ length: 20 }, () => ({ ...body.alerts[0], fingerprint: '' })) };
      const issues = issuesOf(broken);
      expect(issues).toHaveLength(10);
      expect(issues[0]).toMatch(/^version: /);
    });

    it.each([
      ['null', null],
      ['a string', 'hello'],
      ['an array', []],
      ['a number', 4],
    ])('%s, without throwing', (_, body) => {
      expect(issuesOf(body)).toEqual([expect.stringMatching(/^\(body\): /)]);
    });
  });
});

describe('deliveryKey', () => {
  const keyOf = (body: unknown) => deliveryKey(validPayload(body));

  it('is the same for the same delivery sent again, whatever its key order and whitespace', () => {
    const original = fixtureText('alertmanager-group-mixed-1resolved-1firing');
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(original) as object).reverse()));
    expect(reordered).not.toBe(JSON.stringify(JSON.parse(original)));
    expect(keyOf(JSON.parse(reordered))).toBe(keyOf(JSON.parse(original)));
  });

  it('tells apart the deliveries of one group', () => {
    const keys = ['alertmanager-group-2-firing', 'alertmanager-group-mixed-1resolved-1firing', 'alertmanager-group-final-resolved'] as const;
    expect(new Set(keys.map((name) => deliveryKey(fixturePayload(name)))).size).toBe(3);
  });

  it('changes when an alert’s status changes', () => {
    const body = firing();
    const before = keyOf(body);
    body.alerts[1]!.status = 'resolved';
    expect(keyOf(body)).not.toBe(before);
  });

  it('changes when an alert’s endsAt changes', () => {
    const body = fixtureJson('alertmanager-group-final-resolved');
    const before = keyOf(body);
    body.alerts[0]!.endsAt = '2026-11-22T17:01:30Z';
    expect(keyOf(body)).not.toBe(before);
  });

  it('changes when an alert fires again (new startsAt) or another group sends the same alerts', () => {
    const body = firing();
    const before = keyOf(body);
    expect(keyOf({ ...body, alerts: [{ ...body.alerts[0], startsAt: '2026-11-22T18:00:00Z' }, body.alerts[1]] })).not.toBe(before);
    expect(keyOf({ ...body, groupKey: '{}:{alertname="Other"}' })).not.toBe(before);
  });

  // Prometheus re-renders annotations on every evaluation (e.g. {{ $value }}): same alerts, new text for the card.
  it.each([
    ['an alert’s annotation', (b: RawPayload) => (b.alerts[0]!.annotations['summary'] = 'Checkout 5xx > 9%')],
    ['an alert’s label', (b: RawPayload) => (b.alerts[0]!.labels['team'] = 'payments')],
    ['an alert’s generatorURL', (b: RawPayload) => (b.alerts[0]!.generatorURL = 'http://prometheus.example:9090/graph?g0.expr=up')],
    ['the common annotations', (b: RawPayload) => (b.commonAnnotations['summary'] = 'new summary')],
    ['the external URL', (b: RawPayload) => (b.externalURL = 'http://alertmanager.example:9093')],
  ])('changes when %s changes (same fingerprints and times)', (_, change) => {
    const body = firing();
    const before = keyOf(body);
    change(body);
    expect(keyOf(body)).not.toBe(before);
  });

  it('is the same whatever the key order inside labels and annotations', () => {
    const body = firing();
    const before = keyOf(body);
    body.alerts[0]!.annotations = Object.fromEntries(Object.entries(body.alerts[0]!.annotations).reverse());
    body.alerts[0]!.labels = Object.fromEntries(Object.entries(body.alerts[0]!.labels).reverse());
    expect(keyOf(body)).toBe(before);
  });

  // The key writes a label set as it is when its keys come sorted, and rebuilds it sorted otherwise; integer-like keys
  // (which an object lists first) and any order of insertion must still give one key per set, and two sets two keys.
  it('is one key per label set, whatever its keys (integer-like ones too) and their order', () => {
    const labelSet = fc.dictionary(fc.constantFrom('a', 'b', 'Z', '1', '10', '9', 'a1', '_'), fc.constantFrom('x', 'y'), { maxKeys: 6 });
    fc.assert(
      fc.property(labelSet, labelSet, fc.boolean(), (one, other, reverse) => {
        const body = firing();
        const withLabels = (labels: Record<string, string>) => {
          body.alerts[0]!.labels = { ...labels, alertname: 'HighErrorRate' };
          return keyOf(body);
        };
        const entries = Object.entries(one);
        const shuffled = Object.fromEntries(reverse ? entries.reverse() : [...entries.slice(1), ...entries.slice(0, 1)]);
        expect(withLabels(shuffled)).toBe(withLabels(one));
        const same = JSON.stringify(Object.entries(one).sort()) === JSON.stringify(Object.entries(other).sort());
        expect(withLabels(other) === withLabels(one)).toBe(same);
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * acceptPlainPayload skips zod for deliveries as Alertmanager sends them; it must never accept what the schema
 * refuses, nor produce another payload than the schema does.
 */
describe('acceptPlainPayload (the schema without zod)', () => {
  /** What the schema (and parseWebhookPayload's own start check) make of `body`. */
  const bySchema = (body: unknown) => {
    const parsed = webhookPayloadSchema.safeParse(body);
    return parsed.success && parsed.data.alerts.every((a) => a.startsAt !== null) ? parsed.data : undefined;
  };

  it.each(FIXTURE_NAMES)('takes the real capture %s, giving what the schema gives', (name) => {
    const body = fixtureJson(name);
    expect(acceptPlainPayload(body)).toEqual(bySchema(body));
    expect(acceptPlainPayload(body)).toBeDefined();
  });

  it('never accepts what the schema refuses, nor gives another payload (any field of a delivery or an alert replaced or dropped)', () => {
    const valid = firing() as unknown as Record<string, unknown>;
    const alert = (valid['alerts'] as Record<string, unknown>[])[0] ?? {};
    const keys = [...Object.keys(valid).map((k) => ['top', k] as const), ...Object.keys(alert).map((k) => ['alert', k] as const)];
    const value = fc.oneof(
      fc.jsonValue(),
      fc.constant(undefined),
      fc.constantFrom('', '4', 4, -1, 1.5, 2 ** 60, 'firing', 'resolved', '0001-01-01T00:00:00Z', '2026-11-22T17:00:00Z', '2026-11-22T17:00:00.123+02:00', '2026-13-45T99:00:00Z', [], {}, { a: 1 }, { a: 'b' }, { ['__proto__']: 'x' }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...keys), value, ([where, key], v) => {
        const replace = (o: Record<string, unknown>) => {
          const copy = { ...o };
          if (v === undefined) delete copy[key];
          else copy[key] = v;
          return copy;
        };
        const body = where === 'top' ? replace(valid) : { ...valid, alerts: [alert, replace(alert)] };
        const fast = acceptPlainPayload(body);
        if (fast !== undefined) expect(fast).toEqual(bySchema(body));
        expect(parseWebhookPayload(body)).toEqual(bySchema(body) ? { ok: true, payload: bySchema(body) } : expect.objectContaining({ ok: false }));
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves any JSON value the schema refuses to the schema', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        const fast = acceptPlainPayload(body);
        if (fast !== undefined) expect(fast).toEqual(bySchema(body));
      }),
    );
  });
});
