// The dependency rule of docs/architecture.md ("Layers and the dependency rule"), checked by
// `npm run lint` (npm run lint:deps) with dependency-cruiser. Type-only imports count: a layer
// that needs another's types depends on it. test/tooling/dependency-rules.test.ts plants a cycle
// and each kind of breach in a copy of src/ and shows this configuration refusing them.

/** What code outside the core may import of it: its interface, the contracts, the errors, the public surface. */
const CORE_INTERFACE = [
  '^src/main/core/index\\.ts$', // the public surface: entry points (createCredentialCore, the agent, checks made before a vault exists)
  '^src/main/core/api\\.ts$', // CredentialCore and its roles
  '^src/main/core/contracts/', // the types the interface speaks
  '^src/main/core/errors\\.ts$', // the error family…
  '^src/main/core/oauth/errors\\.ts$', // …its OAuth member…
  '^src/main/core/exit-codes\\.ts$', // …and the exit codes it maps to
  // Vault-free modules a process uses without opening a vault. `osmen-cred token` asks a running
  // agent through them before it loads SQLite, openid-client or the keychain; `keygen` and
  // `--help` load none of those either. Each imports nothing heavier than node:crypto.
  '^src/main/core/data-folder\\.ts$',
  '^src/main/core/account-json\\.ts$',
  '^src/main/core/agent/(client|protocol|socket-path|socket-check|account-status)\\.ts$',
  '^src/main/core/vault-key-env\\.ts$',
  '^src/main/core/vault/encryption-manager\\.ts$',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles: a module and what it imports can be read (and tested) bottom-up.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that names no file is a typo or a file that was moved without its importers.',
      from: {},
      to: { couldNotResolve: true, pathNot: ['^electron$'] },
    },
    {
      name: 'electron-only-in-the-shell',
      severity: 'error',
      comment:
        'Only src/main/index.ts, src/main/app/ and src/preload/ may import Electron: the core, the IPC table, the desktop controller and the CLI run (and are tested) in plain Node.',
      from: { path: '^src/', pathNot: ['^src/main/index\\.ts$', '^src/main/app/', '^src/preload/'] },
      to: { path: ['^electron$', '(^|/)node_modules/electron/', '(^|/)node_modules/electron-log/'] },
    },
    {
      name: 'core-at-the-bottom',
      severity: 'error',
      comment: 'src/main/core is used by everyone and uses none of them (the CLI, IPC, desktop, app, renderer, preload).',
      from: { path: '^src/main/core/' },
      to: { path: ['^src/main/(cli|ipc|desktop|app)/', '^src/main/index\\.ts$', '^src/(renderer|preload)/'] },
    },
    {
      name: 'outside-the-core-through-its-interface',
      severity: 'error',
      comment:
        'cli/, ipc/, desktop/, app/ and the Electron entry reach the core only through its interface, contracts, errors and public surface (CORE_INTERFACE), never its parts.',
      from: { path: ['^src/main/(cli|ipc|desktop|app)/', '^src/main/index\\.ts$'] },
      to: { path: '^src/main/core/', pathNot: CORE_INTERFACE },
    },
    {
      name: 'cli-stands-alone',
      severity: 'error',
      comment: 'osmen-cred runs without the desktop app: the CLI imports neither IPC, the desktop controller nor the Electron shell.',
      from: { path: '^src/main/cli/' },
      to: { path: ['^src/main/(ipc|desktop|app)/', '^src/main/index\\.ts$'] },
    },
    {
      name: 'ipc-below-desktop',
      severity: 'error',
      comment: 'The IPC table is registered by the desktop controller, never the other way round.',
      from: { path: '^src/main/ipc/' },
      to: { path: ['^src/main/(cli|desktop|app)/', '^src/main/index\\.ts$'] },
    },
    {
      name: 'desktop-below-the-shell',
      severity: 'error',
      comment: 'The desktop controller is Electron-free: it talks to Electron through ports the shell (app/, index.ts) gives it.',
      from: { path: '^src/main/desktop/' },
      to: { path: ['^src/main/(cli|app)/', '^src/main/index\\.ts$'] },
    },
    {
      name: 'app-below-the-entry',
      severity: 'error',
      comment: 'The Electron adapters are used by the entry point, not the reverse.',
      from: { path: '^src/main/app/' },
      to: { path: ['^src/main/cli/', '^src/main/index\\.ts$'] },
    },
    {
      name: 'shared-is-self-contained',
      severity: 'error',
      comment: 'src/shared (the IPC contract and small pure helpers) is imported by main, preload and renderer, and imports none of them.',
      from: { path: '^src/shared/' },
      to: { path: '^src/(main|renderer|preload)/' },
    },
    {
      name: 'renderer-through-window-osmen',
      severity: 'error',
      comment:
        'The sandboxed renderer reaches the main process only through window.osmen: it imports src/shared, never src/main or the preload.',
      from: { path: '^src/renderer/' },
      to: { path: '^src/(main|preload)/', pathNot: '^src/preload/index\\.d\\.ts$' },
    },
    {
      name: 'preload-imports-the-contract-only',
      severity: 'error',
      comment: 'The preload builds window.osmen from the shared contract; it imports nothing of main or the renderer.',
      from: { path: '^src/preload/' },
      to: { path: '^src/(main|renderer)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
    tsConfig: { fileName: 'tsconfig.node.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
