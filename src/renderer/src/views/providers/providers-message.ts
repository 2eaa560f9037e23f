import type { ErrorInfo } from '../../api';

/** The one note of the custom providers panel: what the last add, edit or remove did. */
export type ProvidersMessage = { kind: 'info' | 'warn'; text: string } | { kind: 'error'; error: ErrorInfo };
