import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/**
 * The API version this front end speaks; the server reports its own.
 */
export const API_VERSION = 1;

/**
 * What the server part said about itself.
 */
export interface IServerInfo {
  name: string;
  version: string;
  api_version: number;
  python: string;
}

/**
 * Where the server part stands, as the status item and the dialog show it.
 */
export type ServerState =
  | { kind: 'checking' }
  | { kind: 'ok'; info: IServerInfo }
  | { kind: 'mismatch'; info: IServerInfo }
  | { kind: 'missing'; detail: string }
  | { kind: 'error'; detail: string };

/**
 * An error from the nbrepro server part, carrying the server's own message.
 */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
  }
}

/**
 * Call an nbrepro endpoint; a failed response becomes a RequestError with
 * the server's message (or the HTTP status when it sent none).
 */
export async function requestAPI<T>(
  endPoint: string,
  serverSettings: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<T> {
  const url = URLExt.join(serverSettings.baseUrl, 'nbrepro', endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, serverSettings);
  } catch (error) {
    throw new RequestError(String((error as Error).message ?? error), 0);
  }
  const text = await response.text();
  let data: any = text;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      // A proxy or the server's HTML 404 page; keep the text for the message.
    }
  }
  if (!response.ok) {
    const message =
      (data && typeof data === 'object' && data.message) ||
      `${response.status} ${response.statusText}`;
    throw new RequestError(String(message), response.status);
  }
  return data as T;
}

/**
 * Classify the answer (or the failure) of the version endpoint.
 */
export function classifyVersionReply(
  reply: unknown,
  error: RequestError | null
): ServerState {
  if (error) {
    // 404: no handler at that URL, so the server extension is not loaded.
    // 0: the request never reached a server.
    if (error.status === 404 || error.status === 0) {
      return { kind: 'missing', detail: error.message };
    }
    return { kind: 'error', detail: error.message };
  }
  const info = reply as Partial<IServerInfo> | null;
  if (
    !info ||
    typeof info !== 'object' ||
    info.name !== 'nbrepro' ||
    typeof info.version !== 'string' ||
    typeof info.api_version !== 'number'
  ) {
    return { kind: 'error', detail: 'unexpected reply from /nbrepro/version' };
  }
  const full = info as IServerInfo;
  return full.api_version === API_VERSION
    ? { kind: 'ok', info: full }
    : { kind: 'mismatch', info: full };
}

/**
 * Ask the server part for its version and classify the outcome.
 */
export async function checkServer(
  serverSettings: ServerConnection.ISettings
): Promise<ServerState> {
  try {
    const reply = await requestAPI<unknown>('version', serverSettings);
    return classifyVersionReply(reply, null);
  } catch (error) {
    const failure =
      error instanceof RequestError
        ? error
        : new RequestError(String(error), -1);
    return classifyVersionReply(null, failure);
  }
}
