/**
 * The declare and update forms (Slack modal, Mattermost dialog) apply the core's text rules (user-text.ts), so a
 * title of NULs or zero-width spaces is refused next to the field instead of after the form has closed.
 */
import { describe, expect, it } from 'vitest';
import { checkDeclareForm, checkUpdateForm } from '../../src/chat/forms.ts';

describe('the declare form', () => {
  it.each([['  '], ['\u0000\u0000'], ['\u200b\ufeff'], ['\r\n\u2028']])('refuses the title %j next to the field', (title) => {
    expect(checkDeclareForm({ title, severity: 'sev2', isPrivate: false })).toEqual({ errors: { title: 'Give the incident a title.' } });
  });

  it('keeps a title as the core will record it', () => {
    expect(checkDeclareForm({ title: ' DB\u0000 down\r\nagain ', severity: '', isPrivate: true })).toEqual({ form: { title: 'DB down again', severity: 'sev3', isPrivate: true } });
  });
});

describe('the update form', () => {
  it.each([['   '], ['\u0000'], ['\u200b']])('refuses the update %j next to the field', (text) => {
    expect(checkUpdateForm(text)).toEqual({ errors: { update: 'Write the update first.' } });
  });

  it('keeps the update’s lines', () => {
    expect(checkUpdateForm('a\rb\u0000')).toEqual({ text: 'a\nb' });
  });
});
