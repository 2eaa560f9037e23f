/** The renderer's view of the bridge: typed calls that throw a UiError on a failed result. */
import type { IpcErrorDto, IpcResult, OsmenApi } from '../../shared/ipc-contract';

export class UiError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly needsReauth: boolean;
  constructor(dto: IpcErrorDto) {
    super(dto.message);
    this.name = 'UiError';
    this.code = dto.code;
    this.retryable = dto.retryable ?? false;
    this.needsReauth = dto.needsReauth ?? false;
  }
}

export function bridge(): OsmenApi {
  return window.osmen;
}

export async function call<T>(result: Promise<IpcResult<T>>): Promise<T> {
  const r = await result;
  if (r.ok) return r.value;
  throw new UiError(r.error);
}

export function errorText(err: unknown): string {
  if (err instanceof UiError) return err.message;
  if (err instanceof Error) return err.message;
  return 'Something went wrong.';
}

/** What ErrorNotice needs to explain a failure: the code, and the message for codes the table does not know. */
export interface ErrorInfo {
  code: string;
  message?: string;
  needsReauth?: boolean;
  retryable?: boolean;
}

export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof UiError) {
    return { code: err.code, message: err.message, needsReauth: err.needsReauth, retryable: err.retryable };
  }
  return { code: 'INTERNAL', message: errorText(err) };
}
