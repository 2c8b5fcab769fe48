import { describe, expect, it } from 'vitest';
import { escapeHtml, html, raw, safeUrl, SafeHtml } from '../../../src/web/pages/html.ts';

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('html', () => {
  it('escapes every interpolated string and keeps the literal parts', () => {
    const title = '<script>alert(1)</script>';
    const out = html`<h1 title="${'"onmouseover=x'}">${title}</h1>`.toString();
    expect(out).toBe('<h1 title="&quot;onmouseover=x">&lt;script&gt;alert(1)&lt;/script&gt;</h1>');
  });

  it('renders numbers, joins arrays and drops null, undefined and false', () => {
    expect(html`${1}|${[html`<b>a</b>`, '<i>', 2]}|${null}${undefined}${false}|${0}`.toString()).toBe('1|<b>a</b>&lt;i&gt;2||0');
  });

  it('keeps what html and raw return as they are (no double escaping)', () => {
    const inner = html`<em>${'&'}</em>`;
    expect(inner).toBeInstanceOf(SafeHtml);
    expect(html`<p>${inner}${raw('<br>')}</p>`.toString()).toBe('<p><em>&amp;</em><br></p>');
  });

  it('escapes a string that merely looks like HTML someone built', () => {
    expect(html`${String(html`<b>x</b>`)}`.toString()).toBe('&lt;b&gt;x&lt;/b&gt;');
  });
});

describe('safeUrl', () => {
  it('lets http(s) and same-site paths through and refuses the rest', () => {
    expect(safeUrl('https://chat.example.com/x')).toBe('https://chat.example.com/x');
    expect(safeUrl('/incidents/3')).toBe('/incidents/3');
    for (const bad of ['javascript:alert(1)', ' JavaScript:alert(1)', 'data:text/html,x', '//evil.example', '/\\evil.example', '', null, undefined]) {
      expect(safeUrl(bad)).toBeUndefined();
    }
  });
});
