/**
 * The layers of sitroom, held by a tool (issue 13): `npm run check` runs `depcruise src` with these rules.
 * Ports and adapters (see /ARCHITECTURE.md): the core (src/incidents) and the alert rules (src/alerts) import no
 * adapter; adapters (chat, web, storage, alertmanager, email, webhooks, github, grafana) do not import each other;
 * only the wiring (src/app.ts, src/integration-wiring.ts, src/main.ts) sees everything. Dynamic imports (`await import(...)`) are dependencies like any other.
 * Rule reference: https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md
 */
const ADAPTERS = ['chat', 'web', 'storage', 'alertmanager', 'email', 'webhooks', 'github', 'grafana'];
/** The outside tools sitroom delivers to through the outbox (each its own courier): adapters like chat and web. */
const TOOLS = ['alertmanager', 'email', 'webhooks', 'github', 'grafana'];
/** Every adapter folder but `name`. */
const othersThan = (name) => ADAPTERS.filter((a) => a !== name);
/**
 * The validated webhook delivery (its zod schema, types and delivery key) is the contract the alert rules are fed
 * in, as the webhook parses it and the store keeps it: importable from the rules, web and storage. The rest of
 * src/alertmanager (the silence API client) is an adapter like any other.
 */
const ALERTMANAGER_CONTRACT = '^src/alertmanager/alertmanager-payload\\.ts$';
/**
 * The incident as GET /api/incidents/<number> answers it (zod schema and types): outbound webhooks send that same
 * document as their body, so it is the one part of src/web another adapter (src/webhooks) may read.
 */
const API_CONTRACT = '^src/web/api-schema\\.ts$';
const folder = (name) => `^src/${name}/`;
const anyOf = (names) => `^src/(${names.join('|')})/`;
/** `to` for an adapter folder list, letting the Alertmanager delivery contract through. */
const adaptersBut = (names, extra = [], contracts = [ALERTMANAGER_CONTRACT]) => ({ path: [anyOf(names), ...extra], pathNot: contracts });
/** The wiring and process-level modules at the top of src/ (app, main, config, scheduler, logger, ...). */
const TOP = '^src/[^/]+\\.ts$';
/** The wiring itself: adapters may read config and the logger from the top of src/, never what wires them. */
const WIRING = '^src/(app|integration-wiring|main)\\.ts$';
/** Libraries only adapters may use. */
const ADAPTER_LIBRARIES = 'node_modules/(@slack|@mattermost|better-sqlite3|drizzle-orm|pg|node-cron|pino|prom-client)/';

const forbid = (name, comment, from, to) => ({ name, comment, severity: 'error', from: { path: from }, to });

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle makes the layers meaningless. A cycle made only of `import type` is erased at runtime and is allowed.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    forbid('core-imports-no-adapter', 'The core (src/incidents) is pure: depend on a port in ports.ts instead.', folder('incidents'), {
      path: [anyOf([...ADAPTERS, 'alerts', 'delivery', 'presentation']), TOP, ADAPTER_LIBRARIES],
    }),
    forbid('alert-rules-import-no-adapter', 'src/alerts holds the alert rules and use cases beside the core: no adapter, no wiring.', folder('alerts'),
      adaptersBut(ADAPTERS, [TOP, ADAPTER_LIBRARIES]),
    ),
    forbid('delivery-imports-no-adapter', 'The outbox dispatcher (src/delivery) drives adapters through EffectDeliverer, never by name.', folder('delivery'), {
      path: [anyOf(ADAPTERS), TOP],
    }),
    forbid('presentation-imports-no-adapter', 'Shared presentation (src/presentation) is used by chat and web alike: it imports neither.', folder('presentation'), {
      path: [anyOf([...ADAPTERS, 'delivery']), TOP],
    }),
    forbid('chat-imports-no-other-adapter', 'Adapters do not import each other.', folder('chat'), { path: [anyOf(othersThan('chat')), WIRING] }),
    forbid('web-imports-no-other-adapter', 'Adapters do not import each other: shared presentation lives in src/presentation.', folder('web'),
      adaptersBut(othersThan('web'), [WIRING]),
    ),
    forbid('storage-imports-no-chat-or-web', 'Storage implements ports; it knows no chat, web, tool client or HTTP server.', folder('storage'),
      adaptersBut([...othersThan('storage'), 'http', 'delivery/dispatcher'], [TOP]),
    ),
    forbid('http-imports-no-adapter', 'The HTTP server (src/http) serves routes the adapters give it; it knows none of them.', folder('http'), {
      path: [anyOf([...ADAPTERS, 'incidents', 'alerts', 'delivery']), '^src/app\\.ts$'],
    }),
    forbid('alertmanager-imports-no-other-adapter', 'The Alertmanager adapter knows no chat, web, storage or other tool.', folder('alertmanager'), {
      path: [anyOf(othersThan('alertmanager')), TOP],
    }),
    ...TOOLS.filter((t) => t !== 'alertmanager').map((tool) =>
      // The Alertmanager payload is the one contract other folders may read (see ALERTMANAGER_CONTRACT).
      forbid(`${tool}-imports-no-other-adapter`, `The ${tool} adapter knows no chat, web, storage or other tool: the wiring hands it what it needs.`, folder(tool),
        adaptersBut(othersThan(tool), [WIRING], tool === 'webhooks' ? [ALERTMANAGER_CONTRACT, API_CONTRACT] : [ALERTMANAGER_CONTRACT]),
      ),
    ),
    {
      name: 'nothing-imports-the-wiring',
      comment: 'Only main.ts starts the wiring in app.ts.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/main\\.ts$' },
      to: { path: '^src/app\\.ts$' },
    },
    {
      name: 'only-the-app-wires-the-integrations',
      comment: 'src/integration-wiring.ts is wiring like src/app.ts: only app.ts uses it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/app\\.ts$' },
      to: { path: '^src/integration-wiring\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports count too: a type from an adapter still couples the core to it.
    exclude: { path: '^(node_modules|dist)/' },
    moduleSystems: ['es6', 'cjs'],
  },
};
