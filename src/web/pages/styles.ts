/**
 * The pages' one stylesheet, inlined by the layout (no external resources). Light and dark themes via
 * `prefers-color-scheme`; every text colour pair meets WCAG AA (4.5:1) against the background it sits on,
 * checked in test/web/pages/styles.test.ts. Severity is shown as a coloured left border plus a badge whose
 * text names it, so colour is never the only signal.
 */
export const STYLES = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --surface: #f4f5f7; --text: #1b1d21; --muted: #4f5560; --border: #c9ced6;
  --link: #0a55c4; --focus: #0a55c4; --overdue: #b3261e;
  --banner-bg: #fff1dc; --banner-text: #1b1d21; --banner-border: #c35a00;
  --error-bg: #fde4e2; --error-text: #6e140e;
  --note-bg: #e8f0fd; --note-text: #0c2d63;
  --btn-bg: #0a55c4; --btn-text: #ffffff; --ok-edge: #188038;
  --sev1-bg: #fde0de; --sev1-text: #8b1a12; --sev1-edge: #c5221f;
  --sev2-bg: #feead6; --sev2-text: #733600; --sev2-edge: #e8710a;
  --sev3-bg: #fbf0c0; --sev3-text: #574600; --sev3-edge: #c99a00;
  --sev4-bg: #dcebfd; --sev4-text: #0b3d91; --sev4-edge: #1a73e8;
  --sev5-bg: #e6e8eb; --sev5-text: #3c4043; --sev5-edge: #80868b;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #121417; --surface: #1d2026; --text: #e8eaed; --muted: #b0b6bf; --border: #3e444d;
    --link: #8ab4f8; --focus: #8ab4f8; --overdue: #ff9d94;
    --banner-bg: #3b2a14; --banner-text: #fde7cf; --banner-border: #fcad70;
    --error-bg: #4a1713; --error-text: #ffdad6;
    --note-bg: #172c4d; --note-text: #d6e4fb;
    --btn-bg: #8ab4f8; --btn-text: #0b1d3a; --ok-edge: #81c995;
    --sev1-bg: #5c1510; --sev1-text: #ffd7d3; --sev1-edge: #f28b82;
    --sev2-bg: #5a2d00; --sev2-text: #ffdcbf; --sev2-edge: #fcad70;
    --sev3-bg: #4a3d00; --sev3-text: #fff0b3; --sev3-edge: #fdd663;
    --sev4-bg: #0d3266; --sev4-text: #d2e3fc; --sev4-edge: #8ab4f8;
    --sev5-bg: #3c4043; --sev5-text: #e8eaed; --sev5-edge: #9aa0a6;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  overflow-wrap: anywhere;
}
a { color: var(--link); }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
main:focus { outline: none; }
.skip { position: absolute; left: 0.5rem; top: -10rem; z-index: 10; padding: 0.5rem 0.75rem; background: var(--bg); }
.skip:focus { top: 0.5rem; }
header.site {
  display: flex; flex-wrap: wrap; align-items: center; gap: 0.25rem 1.5rem;
  padding: 0.5rem 1rem; border-bottom: 1px solid var(--border); background: var(--surface);
}
header.site .brand { font-weight: 700; font-size: 1.125rem; color: var(--text); text-decoration: none; }
header.site nav ul { display: flex; gap: 1rem; margin: 0; padding: 0; list-style: none; }
header.site nav a { display: inline-block; padding: 0.25rem 0; }
header.site nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
main { padding: 1rem; max-width: 90rem; margin: 0 auto; }
h1 { font-size: 1.5rem; line-height: 1.25; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.25rem; line-height: 1.3; margin: 1.5rem 0 0.5rem; }
h3 { font-size: 1.05rem; line-height: 1.3; margin: 0 0 0.25rem; }
.muted, .empty { color: var(--muted); }
.access-note, .notice { padding: 0.5rem 0.75rem; border-radius: 6px; background: var(--note-bg); color: var(--note-text); }
.error { padding: 0.5rem 0.75rem; border-radius: 6px; background: var(--error-bg); color: var(--error-text); border-left: 4px solid var(--sev1-edge); }
.banners { list-style: none; margin: 0 0 1rem; padding: 0; display: grid; gap: 0.5rem; }
.banner {
  margin: 0 0 0.5rem; padding: 0.5rem 0.75rem; border-radius: 6px;
  background: var(--banner-bg); color: var(--banner-text); border-left: 6px solid var(--banner-border);
}
.banners .banner { margin: 0; }
.banner a { color: inherit; font-weight: 600; }
.overdue { color: var(--overdue); font-weight: 700; }
.banner .overdue, .error .overdue { color: inherit; }
.badge {
  display: inline-block; padding: 0 0.4rem; border-radius: 4px; font-size: 0.8125rem; font-weight: 700;
  letter-spacing: 0.02em; border: 1px solid currentColor; white-space: nowrap;
}
.tag { display: inline-block; padding: 0 0.4rem; border-radius: 4px; font-size: 0.8125rem; border: 1px solid var(--border); color: var(--muted); }
.sev-sev1 { --sev-bg: var(--sev1-bg); --sev-text: var(--sev1-text); --sev-edge: var(--sev1-edge); }
.sev-sev2 { --sev-bg: var(--sev2-bg); --sev-text: var(--sev2-text); --sev-edge: var(--sev2-edge); }
.sev-sev3 { --sev-bg: var(--sev3-bg); --sev-text: var(--sev3-text); --sev-edge: var(--sev3-edge); }
.sev-sev4 { --sev-bg: var(--sev4-bg); --sev-text: var(--sev4-text); --sev-edge: var(--sev4-edge); }
.sev-sev5 { --sev-bg: var(--sev5-bg); --sev-text: var(--sev5-text); --sev-edge: var(--sev5-edge); }
.badge[class*="sev-"] { background: var(--sev-bg); color: var(--sev-text); }
.columns { display: grid; grid-template-columns: 1fr; gap: 1rem; align-items: start; }
@media (min-width: 40em) { .columns { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
@media (min-width: 64em) { .columns { grid-template-columns: repeat(4, minmax(0, 1fr)); } }
.column { background: var(--surface); border: 1px solid var(--border); border-radius: 8px; padding: 0.5rem 0.75rem 0.75rem; min-width: 0; }
.column > h2 { margin: 0.25rem 0 0.5rem; font-size: 1.05rem; }
.column > h2::first-letter, .phase-name::first-letter { text-transform: uppercase; }
.phase-name { display: inline-block; }
.cards { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.5rem; }
.card { background: var(--bg); border: 1px solid var(--border); border-left: 6px solid var(--sev-edge, var(--border)); border-radius: 6px; padding: 0.5rem 0.75rem; }
.card h3 a { text-decoration: none; }
.card h3 a:hover, .card h3 a:focus-visible { text-decoration: underline; }
.card .num { color: var(--muted); font-weight: 600; }
.card .meta { margin: 0.25rem 0; display: flex; flex-wrap: wrap; gap: 0.25rem 0.5rem; align-items: center; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.125rem 0.75rem; margin: 0.25rem 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; min-width: 0; }
.card dl.facts { font-size: 0.9375rem; }
form { margin: 0; }
fieldset { border: 1px solid var(--border); border-radius: 8px; padding: 0.75rem; margin: 0 0 1rem; min-width: 0; }
legend { font-weight: 700; padding: 0 0.25rem; }
.field { display: flex; flex-direction: column; gap: 0.25rem; margin: 0 0 0.75rem; }
.field.inline { flex-direction: row; align-items: center; gap: 0.5rem; }
.row { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: flex-end; }
.row .field { margin-bottom: 0; min-width: 0; max-width: 100%; }
.field > select { width: 100%; max-width: 100%; }
form.declare { margin-bottom: 1.25rem; }
form.declare .row { align-items: center; }
.row .grow { flex: 1 1 14rem; }
label { font-weight: 600; }
.hint { font-size: 0.875rem; color: var(--muted); font-weight: 400; }
input[type="text"], select, textarea {
  font: inherit; color: var(--text); background: var(--bg); border: 1px solid var(--muted); border-radius: 6px;
  padding: 0.4rem 0.5rem; max-width: 100%; min-height: 2.5rem;
}
input[type="checkbox"] { width: 1.25rem; height: 1.25rem; margin: 0; }
textarea { width: 100%; min-height: 4.5rem; resize: vertical; }
button {
  font: inherit; font-weight: 600; cursor: pointer; min-height: 2.5rem; padding: 0.4rem 0.9rem;
  border-radius: 6px; border: 1px solid var(--btn-bg); background: var(--btn-bg); color: var(--btn-text);
}
button.secondary { background: var(--bg); color: var(--link); border-color: var(--link); }
.buttons { display: flex; flex-wrap: wrap; gap: 0.5rem; }
.actions { display: grid; grid-template-columns: 1fr; gap: 0 1rem; }
@media (min-width: 48em) { .actions { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
.table-wrap { overflow-x: auto; max-width: 100%; }
.table-wrap td, .table-wrap th { overflow-wrap: normal; word-break: normal; }
table { border-collapse: collapse; width: 100%; font-size: 0.9375rem; }
th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--border); }
th { color: var(--muted); font-weight: 600; white-space: nowrap; }
td.when { white-space: nowrap; }
.markdown { border-top: 1px solid var(--border); padding-top: 0.5rem; }
.markdown pre, details pre { overflow-x: auto; background: var(--surface); padding: 0.75rem; border-radius: 6px; font-size: 0.875rem; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
details { margin: 0.5rem 0; }
summary { cursor: pointer; font-weight: 600; }
.status-list { list-style: none; margin: 0; padding: 0; display: grid; gap: 1rem; }
.status-item { border: 1px solid var(--border); border-left: 6px solid var(--banner-border); border-radius: 8px; padding: 0.75rem 1rem; background: var(--surface); }
.status-item h2 { margin: 0 0 0.25rem; }
.status-item h3 { margin: 0 0 0.25rem; font-size: 1.125rem; }
.status-item.status-resolved { border-left-color: var(--ok-edge); }
.overall { font-size: 1.25rem; font-weight: 700; padding: 1rem; border-radius: 8px; background: var(--surface); border-left: 6px solid var(--banner-border); }
.components { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.25rem; }
.components li { display: flex; justify-content: space-between; gap: 1rem; flex-wrap: wrap; padding: 0.375rem 0; border-bottom: 1px solid var(--border); }
.component-state { font-weight: 600; }
.public-updates { list-style: none; margin: 0.5rem 0 0; padding: 0; overflow-wrap: anywhere; }
.public-updates li { margin: 0.375rem 0; }
.public-updates .when { font-weight: 600; margin-right: 0.375rem; }
.all-ok { font-size: 1.25rem; font-weight: 700; padding: 1rem; border-radius: 8px; background: var(--surface); border-left: 6px solid var(--ok-edge); }
.prose { white-space: pre-wrap; }
.field:has(> .counter) { position: relative; }
.field:has(> .counter) > label { padding-right: 5.5rem; }
.counter { position: absolute; top: 0.125rem; right: 0; font-size: 0.8125rem; color: var(--muted); font-variant-numeric: tabular-nums; }
.counter.near { color: var(--overdue); font-weight: 600; }
.field-error { margin: 0; padding: 0.25rem 0.5rem; border-radius: 6px; background: var(--error-bg); color: var(--error-text); border-left: 4px solid var(--sev1-edge); font-size: 0.9375rem; }
[aria-invalid="true"] { border-color: var(--overdue); border-width: 2px; }
input[type="date"] { font: inherit; color: var(--text); background: var(--bg); border: 1px solid var(--muted); border-radius: 6px; padding: 0.4rem 0.5rem; min-height: 2.5rem; max-width: 100%; }
.inline-form { display: inline; }
.inline-form button { min-height: 2rem; padding: 0.2rem 0.6rem; font-size: 0.875rem; }
.alert-list { list-style: none; margin: 0; padding: 0; display: grid; gap: 1rem; }
.alert-item { border: 1px solid var(--border); border-radius: 8px; padding: 0.75rem 1rem; background: var(--surface); min-width: 0; overflow-wrap: anywhere; }
.alert-item h2 { margin: 0 0 0.25rem; font-size: 1.125rem; }
.alert-item ul.labels { list-style: none; padding: 0; margin: 0.25rem 0; display: flex; flex-wrap: wrap; gap: 0.25rem 0.75rem; font-size: 0.875rem; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
