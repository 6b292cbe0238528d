import { Kernel, KernelMessage, ServerConnection } from '@jupyterlab/services';

import { requestAPI } from '../server/api';

/**
 * The capture engine as the server part serves it: the Python source built
 * from python/nbrepro/capture/ (the only copy of the engine), the statement
 * that installs the per-cell hooks, and the expression that collects.
 */
export interface IEnginePayload {
  version: string;
  source: string;
  install_hooks: string;
  collect_template: string;
  not_installed: string;
}

export const OPTIONS_PLACEHOLDER = '__NBREPRO_OPTIONS__';
const EXPRESSION_KEY = 'nbrepro';

/**
 * A cell that ran before the engine's hooks were in the kernel.
 */
export interface ILateCell {
  cell_id: string;
  source: string;
  execution_count: number | null;
  success: boolean;
}

/**
 * Options of one collect; the kernel side reads them as JSON.
 */
export interface ICollectOptions {
  gpu?: boolean;
  record_hostname?: boolean;
  record_paths?: boolean;
  include_environment?: boolean;
  want_environments?: string[];
  late_cells?: ILateCell[];
}

/**
 * An error of the kernel side, with what the user can do about it.
 */
export class CaptureError extends Error {
  constructor(
    message: string,
    readonly retryable = false
  ) {
    super(message);
  }
}

let enginePromise: Promise<IEnginePayload> | null = null;

/**
 * The engine, fetched once per page from the server part.
 */
export function fetchEngine(
  serverSettings: ServerConnection.ISettings
): Promise<IEnginePayload> {
  if (!enginePromise) {
    enginePromise = requestAPI<IEnginePayload>('engine', serverSettings).catch(
      error => {
        enginePromise = null;
        throw error;
      }
    );
  }
  return enginePromise;
}

/**
 * The collect expression for these options. A JSON string literal is also a
 * valid Python string literal, so the options travel as JSON inside JSON.
 */
export function collectExpression(
  engine: IEnginePayload,
  options: ICollectOptions
): string {
  return fillOptions(engine.collect_template, options);
}

/**
 * The code that installs the engine and registers its per-cell hooks.
 */
export function installCode(
  engine: IEnginePayload,
  options: ICollectOptions
): string {
  return engine.source + '\n' + fillOptions(engine.install_hooks, options);
}

function fillOptions(template: string, options: ICollectOptions): string {
  return template
    .split(OPTIONS_PLACEHOLDER)
    .join(JSON.stringify(JSON.stringify(options)));
}

/**
 * Decode the `text/plain` repr of the base64 string the kernel returned.
 */
export function decodeReply(text: string): unknown {
  const unquoted = text.trim().replace(/^['"]|['"]$/g, '');
  const binary = atob(unquoted);
  const bytes = Uint8Array.from(binary, c => c.charCodeAt(0));
  return JSON.parse(new TextDecoder('utf-8').decode(bytes));
}

/**
 * Run code in the kernel silently: no output broadcast, no history, no
 * execution count, no stdin. Returns the reply content.
 */
async function silentExecute(
  kernel: Kernel.IKernelConnection,
  code: string,
  userExpressions: { [key: string]: string } = {}
): Promise<KernelMessage.IExecuteReplyMsg['content']> {
  const future = kernel.requestExecute(
    {
      code,
      silent: true,
      store_history: false,
      allow_stdin: false,
      stop_on_error: false,
      user_expressions: userExpressions
    },
    true
  );
  const reply = await future.done;
  return reply.content;
}

function expressionText(
  content: KernelMessage.IExecuteReplyMsg['content']
): string {
  if (content.status === 'aborted') {
    // A failing cell makes ipykernel abort every request already queued,
    // ours included; the kernel keeps the records for the next collect.
    throw new CaptureError('the capture request was aborted', true);
  }
  if (content.status !== 'ok') {
    throw new CaptureError(
      `the kernel refused the capture request (${content.status})`
    );
  }
  const value = (content.user_expressions ?? {})[EXPRESSION_KEY] as any;
  if (!value || value.status !== 'ok') {
    const reason = value?.ename
      ? `${value.ename}: ${value.evalue}`
      : 'no result';
    throw new CaptureError(`the capture failed in the kernel (${reason})`);
  }
  return String(value.data?.['text/plain'] ?? '');
}

/**
 * Collect what the kernel recorded since the last collect; installs the
 * engine and its per-cell hooks first when the kernel lacks this version.
 * The reply is untrusted (the user's code runs in that kernel): it goes
 * through the door (record/document.ts, readCollected) before use.
 */
export async function collectInKernel(
  kernel: Kernel.IKernelConnection,
  engine: IEnginePayload,
  options: ICollectOptions
): Promise<unknown> {
  const expression = { [EXPRESSION_KEY]: collectExpression(engine, options) };
  let text = expressionText(await silentExecute(kernel, '', expression));
  if (text.includes(engine.not_installed)) {
    const setup = installCode(engine, options);
    text = expressionText(await silentExecute(kernel, setup, expression));
    if (text.includes(engine.not_installed)) {
      throw new CaptureError('the capture engine could not be installed');
    }
  }
  const collected = decodeReply(text);
  if (typeof collected !== 'object' || collected === null) {
    throw new CaptureError('the kernel returned an unreadable capture');
  }
  return collected;
}
