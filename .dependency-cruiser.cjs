/**
 * The layers of sitroom, held by a tool (issue 13): `npm run check` runs `depcruise src` with these rules.
 * Ports and adapters (see /ARCHITECTURE.md): the core (src/incidents) and the alert rules (src/alerts) import no
 * adapter; adapters (chat, web, storage, alertmanager) do not import each other; only the wiring (src/app.ts,
 * src/main.ts) sees everything. Dynamic imports (`await import(...)`) are dependencies like any other.
 * Rule reference: https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md
 */
const ADAPTERS = ['chat', 'web', 'storage', 'alertmanager'];
/**
 * The validated webhook delivery (its zod schema, types and delivery key) is the contract the alert rules are fed
 * in, as the webhook parses it and the store keeps it: importable from the rules, web and storage. The rest of
 * src/alertmanager (the silence API client) is an adapter like any other.
 */
const ALERTMANAGER_CONTRACT = '^src/alertmanager/alertmanager-payload\\.ts$';
const folder = (name) => `^src/${name}/`;
const anyOf = (names) => `^src/(${names.join('|')})/`;
/** `to` for an adapter folder list, letting the Alertmanager delivery contract through. */
const adaptersBut = (names, extra = []) => ({ path: [anyOf(names), ...extra], pathNot: ALERTMANAGER_CONTRACT });
/** The wiring and process-level modules at the top of src/ (app, main, config, scheduler, logger, ...). */
const TOP = '^src/[^/]+\\.ts$';
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
    forbid('chat-imports-no-other-adapter', 'Adapters do not import each other.', folder('chat'), { path: [anyOf(['web', 'storage', 'alertmanager']), '^src/app\\.ts$'] }),
    forbid('web-imports-no-other-adapter', 'Adapters do not import each other: shared presentation lives in src/presentation.', folder('web'),
      adaptersBut(['chat', 'storage', 'alertmanager'], ['^src/app\\.ts$']),
    ),
    forbid('storage-imports-no-chat-or-web', 'Storage implements ports; it knows no chat, web or Alertmanager client.', folder('storage'),
      adaptersBut(['chat', 'web', 'alertmanager', 'http', 'delivery/dispatcher'], [TOP]),
    ),
    forbid('http-imports-no-adapter', 'The HTTP server (src/http) serves routes the adapters give it; it knows none of them.', folder('http'), {
      path: [anyOf([...ADAPTERS, 'incidents', 'alerts', 'delivery']), '^src/app\\.ts$'],
    }),
    forbid('alertmanager-imports-no-other-adapter', 'The Alertmanager adapter knows no chat, web or storage.', folder('alertmanager'), {
      path: [anyOf(['chat', 'web', 'storage']), TOP],
    }),
    {
      name: 'nothing-imports-the-wiring',
      comment: 'Only main.ts starts the wiring in app.ts.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/main\\.ts$' },
      to: { path: '^src/app\\.ts$' },
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
