/**
 * Property tests over every parser that meets outside input: any input gives a typed value or a clear, expected
 * rejection, never another exception. fast-check prints the seed and the shrunk counterexample on failure.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseWebhookPayload } from '../../src/alertmanager/alertmanager-payload.ts';
import { checkDeclareForm, checkUpdateForm } from '../../src/chat/forms.ts';
import { GrammarError, parseCommand, USAGE } from '../../src/chat/command-grammar.ts';
import { declareForm, readDeclareValues, readUpdateValues, updateForm } from '../../src/chat/forms.ts';
import { mattermostFormValues } from '../../src/chat/mattermost/mattermost-dialogs.ts';
import { slackFormValues } from '../../src/chat/slack/slack-forms.ts';
import { parseSlackMention } from '../../src/chat/slack/slack-app.ts';
import { decodeSlackText } from '../../src/chat/slack/slack-inbound-text.ts';
import { escapeAsSlack } from '../fakes/slack-requests.ts';
import { normaliseUserText } from '../../src/incidents/user-text.ts';

const RUNS = { numRuns: 300 };

/** Text that looks like what people and attackers type: words, subcommands, flags, mentions, odd characters. */
const WORDS = [...Object.keys(USAGE), 'sev', 'sev0', 'sev1', 'sev9', '--private', '-p', '--waive', '--', 'done', '#', '#0', '#1', '1e3', 'due:', 'due:2026-02-30', 'due:2026-12-01', '<@U1>', '<@U1|x>', '@bob', '15m', '0s', '99999d', 'off', '7d', '999d', '\u0000', '\r', '\u2028', '\u200b', '`', '*'];
const commandText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.array(fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 8 })), { maxLength: 8 }).map((w) => w.join(' ')),
  fc.tuple(fc.constantFrom(...WORDS), fc.string({ unit: 'grapheme', maxLength: 40 })).map(([a, b]) => `${a} ${b}`),
);
const mention = (token: string) => /^<@([A-Z0-9]+)(?:\|[^>]*)?>$/.exec(token)?.[1] ?? (/^@\w+$/.test(token) ? token.slice(1) : undefined);

describe('the command grammar', () => {
  it('turns any text into a command or a GrammarError, never anything else', () => {
    fc.assert(
      fc.property(commandText, (text) => {
        try {
          const command = parseCommand(text, mention, 'UALICE');
          expect(typeof command.kind).toBe('string');
        } catch (e) {
          if (!(e instanceof GrammarError)) throw e;
          expect(e.message.length).toBeGreaterThan(0);
        }
      }),
      RUNS,
    );
  });
});

describe('the Alertmanager payload schema', () => {
  const valid = JSON.parse(readFileSync(new URL('../fixtures/alertmanager/alertmanager-firing.json', import.meta.url), 'utf8')) as Record<string, unknown>;

  it('answers any JSON value with ok or a list of issues, never a throw', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        const result = parseWebhookPayload(body);
        if (!result.ok) expect(result.issues.length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });

  it('answers a real delivery with any one field replaced by any JSON value', () => {
    const alert = (valid['alerts'] as Record<string, unknown>[])[0] ?? {};
    const keys = [...Object.keys(valid).map((k) => ['top', k] as const), ...Object.keys(alert).map((k) => ['alert', k] as const)];
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue(), ([where, key], value) => {
        const body = where === 'top' ? { ...valid, [key]: value } : { ...valid, alerts: [{ ...alert, [key]: value }] };
        const result = parseWebhookPayload(body);
        if (!result.ok) expect(result.issues.join('\n')).toMatch(/\S: /);
      }),
      RUNS,
    );
  });
});

describe('the declare and update forms of every platform', () => {
  const field = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('', ' ', '\u0000', '\u200b', 'sev1', 'private', 'true'));

  it('shared checks: a form or field errors, never a throw', () => {
    fc.assert(
      fc.property(field, field, fc.boolean(), (title, severity, isPrivate) => {
        const declared = checkDeclareForm({ title, severity, isPrivate });
        expect('form' in declared || Object.keys(declared.errors).length > 0).toBe(true);
        const updated = checkUpdateForm(title);
        expect('text' in updated || Object.keys(updated.errors).length > 0).toBe(true);
      }),
      RUNS,
    );
  });

  it('Mattermost dialog submissions: any JSON object gives a form or field errors', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('title', 'severity', 'private', 'update', 'x'), fc.jsonValue()), (submission) => {
        expect(() => readDeclareValues(mattermostFormValues(declareForm(), submission))).not.toThrow();
        expect(() => readUpdateValues(mattermostFormValues(updateForm(1), submission))).not.toThrow();
      }),
      RUNS,
    );
  });

  it('Slack view submissions shaped as Slack documents them give a form or field errors', () => {
    // https://api.slack.com/reference/interaction-payloads/views#view_submission — state.values[block][action] is
    // { value } for plain_text_input, { selected_option } for static_select, { selected_options } for checkboxes.
    const option = fc.record({ value: fc.string({ maxLength: 12 }) });
    const action = fc.record(
      { value: fc.option(fc.string({ unit: 'binary', maxLength: 40 })), selected_option: fc.option(option), selected_options: fc.array(option, { maxLength: 3 }) },
      { requiredKeys: [] },
    );
    const values = fc.dictionary(fc.constantFrom('title', 'severity', 'private', 'update'), fc.dictionary(fc.constantFrom('title', 'severity', 'private', 'update'), action));
    fc.assert(
      fc.property(values, (v) => {
        expect(() => readDeclareValues(slackFormValues(declareForm(), v))).not.toThrow();
        expect(() => readUpdateValues(slackFormValues(updateForm(1), v))).not.toThrow();
      }),
      RUNS,
    );
  });

  it('Slack mentions: any token is a user id or not a mention', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (token) => {
        const id = parseSlackMention(token);
        if (id !== undefined) expect(id).toMatch(/^[UW][A-Z0-9]+$/);
      }),
      RUNS,
    );
  });
});

describe('Slack text decoding (slack-inbound-text.ts)', () => {
  /** What people type: escapes, entity look-alikes, links and pipes among any characters. */
  const typed = fc
    .array(fc.oneof(fc.constantFrom('&', '<', '>', '&amp;', '&lt;', '&gt;', '<!here>', '<#C1|x>', '|', 'https://status.example.com/a?b=1&c=2', 'http://x.example', ' ', '\n'), fc.string({ unit: 'grapheme', maxLength: 6 })), { maxLength: 12 })
    .map((parts) => parts.join(''))
    .filter((t) => !/<@[UW][A-Z0-9]+(?:\|[^<>]*)?>/.test(t));

  it('gives back exactly what the person typed, from Slack’s escaped form (links labelled or not)', () => {
    fc.assert(
      fc.property(typed, fc.boolean(), (text, labelLinks) => {
        expect(decodeSlackText(escapeAsSlack(text, { labelLinks }))).toBe(text);
      }),
      RUNS,
    );
  });

  it('decodes any text Slack could send without throwing', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => {
        expect(typeof decodeSlackText(text)).toBe('string');
      }),
      RUNS,
    );
  });
});

/** Text dense in the characters the rules handle: every control, separator and override, between any code points. */
const SPECIAL = [...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)), '\u007f', '\u0085', '\u009b', '\u2028', '\u2029', '\u202e', '\u2066', '\u200b', '\ud800', '\udc00', '\r\n', ' '];
const awkwardText = fc.array(fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 20 }).map((parts) => parts.join(''));

describe('the core text rules (user-text.ts)', () => {
  it('leave no control character, no line separator but \\n, no bidi override, and are idempotent', () => {
    fc.assert(
      fc.property(awkwardText, fc.boolean(), (input, multiline) => {
        const text = normaliseUserText(input, { multiline });
        // eslint-disable-next-line no-control-regex -- the property is that none are left
        expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
        if (!multiline) expect(text).not.toContain('\n');
        expect(normaliseUserText(text, { multiline })).toBe(text);
      }),
      RUNS,
    );
  });
});
