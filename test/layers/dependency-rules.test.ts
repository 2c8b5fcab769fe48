/**
 * The layer rules (.dependency-cruiser.cjs) catch what they are for: a tiny source tree with one forbidden import
 * each is cruised with the real config, and must fail naming the rule; a clean tree must pass. Dynamic imports
 * count as much as static ones.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Cruises a tree of `files` (path -> source) with sitroom's rules; returns the exit code and what it printed. */
async function cruise(files: Record<string, string>): Promise<{ code: number; out: string }> {
  dir = mkdtempSync(join(tmpdir(), 'sitroom-layers-'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowImportingTsExtensions: true, noEmit: true } }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  try {
    const { stdout } = await run(DEPCRUISE, ['src', '--config', CONFIG], { cwd: dir });
    return { code: 0, out: stdout };
  } catch (e) {
    const failed = e as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, out: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('the layer rules', () => {
  it('pass a tree that keeps them', async () => {
    const result = await cruise({
      'src/incidents/rules.ts': "export const rule = 1;\n",
      'src/chat/adapter.ts': "import { rule } from '../incidents/rules.ts';\nexport const reply = rule;\n",
    });
    expect(result).toMatchObject({ code: 0 });
  });

  it('fail the core importing an adapter, also through a dynamic import', async () => {
    const result = await cruise({
      'src/chat/adapter.ts': "export const reply = 1;\n",
      'src/incidents/rules.ts': "export async function rule() {\n  return (await import('../chat/adapter.ts')).reply;\n}\n",
    });
    expect(result.code).not.toBe(0);
    expect(result.out).toContain('core-imports-no-adapter');
  });

  it('fail the web importing the chat, and storage importing the web', async () => {
    const result = await cruise({
      'src/chat/message.ts': "export const line = 1;\n",
      'src/web/page.ts': "import { line } from '../chat/message.ts';\nexport const page = line;\n",
      'src/storage/store.ts': "import { page } from '../web/page.ts';\nexport const stored = page;\n",
    });
    expect(result.code).not.toBe(0);
    expect(result.out).toContain('web-imports-no-other-adapter');
    expect(result.out).toContain('storage-imports-no-chat-or-web');
  });

  it('fail the outside tools (e-mail, webhooks, GitHub, Grafana, Alertmanager) importing each other, the chat or the web', async () => {
    const result = await cruise({
      'src/chat/message.ts': "export const line = 1;\n",
      'src/web/page.ts': "export const page = 1;\n",
      'src/email/mail.ts': "import { line } from '../chat/message.ts';\nexport const mail = line;\n",
      'src/webhooks/hook.ts': "import { mail } from '../email/mail.ts';\nexport const hook = mail;\n",
      'src/github/issue.ts': "import { page } from '../web/page.ts';\nexport const issue = page;\n",
      'src/grafana/note.ts': "export async function note() {\n  return (await import('../github/issue.ts')).issue;\n}\n",
      'src/alertmanager/page.ts': "import { hook } from '../webhooks/hook.ts';\nexport const paged = hook;\n",
    });
    expect(result.code).not.toBe(0);
    for (const rule of ['email', 'webhooks', 'github', 'grafana', 'alertmanager']) expect(result.out).toContain(`${rule}-imports-no-other-adapter`);
  });

  it('let webhooks read the API document they send, but no other tool', async () => {
    const ok = await cruise({
      'src/web/api-schema.ts': "export const detail = 1;\n",
      'src/webhooks/body.ts': "import { detail } from '../web/api-schema.ts';\nexport const body = detail;\n",
    });
    expect(ok).toMatchObject({ code: 0 });
    const refused = await cruise({
      'src/web/api-schema.ts': "export const detail = 1;\n",
      'src/email/mail.ts': "import { detail } from '../web/api-schema.ts';\nexport const mail = detail;\n",
    });
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('email-imports-no-other-adapter');
  });

  it('fail anything but the app importing the integrations wiring', async () => {
    const result = await cruise({
      'src/integration-wiring.ts': "export const wire = 1;\n",
      'src/scheduler.ts': "import { wire } from './integration-wiring.ts';\nexport const tick = wire;\n",
    });
    expect(result.code).not.toBe(0);
    expect(result.out).toContain('only-the-app-wires-the-integrations');
  });

  it('fail a runtime cycle', async () => {
    const result = await cruise({
      'src/incidents/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
      'src/incidents/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
    });
    expect(result.code).not.toBe(0);
    expect(result.out).toContain('no-circular');
  });
});
