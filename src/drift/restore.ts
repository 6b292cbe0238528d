/**
 * Restoring a drift's recorded versions, so that it cannot hurt: only the
 * packages that changed or were removed come back at their recorded
 * versions; nothing is ever uninstalled; pip is never downgraded (its
 * version changes no result); and when the kernel runs in the Jupyter
 * server's own environment, what the server, the kernel machinery and
 * nbrepro need is left alone (the server names it: GET /nbrepro/environment,
 * python/nbrepro/drift/restore.py). Pure.
 */
import { IDifference, quote } from './diff';
import { normalize } from './view';

/**
 * The server's environment as the server part describes it.
 */
export interface IServerEnvironment {
  /** Its prefix in every form a snapshot may record it. */
  prefixes: string[];
  /** PEP 503 names of what the server, the kernel machinery and nbrepro need. */
  needed: string[];
}

/**
 * The kernel's interpreter, as its recorded environment says.
 */
export interface IKernelPython {
  /** The interpreter, for a terminal's command. */
  python?: string;
  /** Its prefix as the snapshot recorded it. */
  prefix?: string;
}

export interface IRestoreGroup {
  manager: 'conda' | 'pip';
  /** What to paste into a notebook cell: IPython's %pip / %conda act on the kernel's own interpreter. */
  magic: string;
  /** The same for a terminal, naming the kernel's interpreter or prefix. */
  shell: string;
}

/**
 * What the restore section shows.
 */
export interface IRestorePlan {
  /** The commands, one install per manager. */
  groups: IRestoreGroup[];
  /** The kernel runs in the server's own environment. */
  sharesServer: boolean;
  /** Changed packages left alone: the server or the kernel needs them. */
  held: IDifference[];
  /** pip's own change: information, never a command. */
  tools: IDifference[];
  /** Packages new since the recording: left installed. */
  added: IDifference[];
}

/**
 * Packaging tools whose version changes no result: never downgraded.
 */
const TOOLS = new Set(['pip']);

/**
 * What a kernel needs when the server did not say (no server part): the
 * kernel machinery and the server, without what they require in turn.
 */
export const FALLBACK_NEEDED = [
  'comm',
  'ipykernel',
  'ipython',
  'jupyter-client',
  'jupyter-core',
  'jupyter-server',
  'jupyterlab',
  'jupyterlab-server',
  'nbformat',
  'nbrepro',
  'notebook',
  'notebook-shim',
  'pip',
  'pyzmq',
  'tornado',
  'traitlets'
];

/**
 * Whether the kernel's recorded prefix is one of the server's.
 */
export function sharesServer(
  kernel: IKernelPython,
  server: IServerEnvironment | null
): boolean {
  const strip = (path: string) => path.replace(/\/+$/, '');
  return (
    !!kernel.prefix &&
    !!server &&
    server.prefixes.some(prefix => strip(prefix) === strip(kernel.prefix!))
  );
}

/**
 * The plan: which differences get a command, which are left alone and why.
 * `server` null: the server part did not answer, so what it needs is not
 * known; the kernel machinery is left alone then too.
 */
export function restorePlan(
  differences: IDifference[],
  kernel: IKernelPython = {},
  server: IServerEnvironment | null = null
): IRestorePlan {
  const shares = sharesServer(kernel, server);
  const needed = new Set(
    shares ? server!.needed : server ? [] : FALLBACK_NEEDED
  );
  const plan: IRestorePlan = {
    groups: [],
    sharesServer: shares,
    held: [],
    tools: [],
    added: []
  };
  const restorable: IDifference[] = [];
  for (const difference of differences) {
    const name = normalize(difference.name ?? '');
    if (difference.kind === 'package-added') {
      plan.added.push(difference);
    } else if (!difference.restore) {
      continue;
    } else if (TOOLS.has(name)) {
      plan.tools.push(difference);
    } else if (needed.has(name)) {
      plan.held.push(difference);
    } else {
      restorable.push(difference);
    }
  }
  plan.groups = restoreGroups(restorable, kernel);
  return plan;
}

/**
 * The install commands of `differences`, one per manager, in a cell's
 * `%pip` / `%conda` form and in a shell form for the kernel's own Python
 * (or conda prefix).
 */
export function restoreGroups(
  differences: IDifference[],
  kernel: IKernelPython = {}
): IRestoreGroup[] {
  const args = { conda: [] as string[], pip: [] as string[] };
  for (const difference of differences) {
    for (const manager of ['conda', 'pip'] as const) {
      const line = difference.restore?.[manager];
      const verb = `${manager} install `;
      if (line?.startsWith(verb)) {
        const rest = line.slice(verb.length);
        if (!args[manager].includes(rest)) {
          args[manager].push(rest);
        }
      }
    }
  }
  // A home directory recorded as ~ must stay outside the quotes to expand.
  const raw = kernel.python || 'python';
  const python = raw.startsWith('~/') ? '~/' + quote(raw.slice(2)) : quote(raw);
  const prefix =
    kernel.prefix && kernel.prefix.startsWith('/')
      ? ' -p ' + quote(kernel.prefix)
      : '';
  const groups: IRestoreGroup[] = [];
  if (args.conda.length > 0) {
    const joined = args.conda.join(' ');
    groups.push({
      manager: 'conda',
      magic: `%conda install -y ${joined}`,
      shell: `conda install${prefix} -y ${joined}`
    });
  }
  if (args.pip.length > 0) {
    const joined = args.pip.join(' ');
    groups.push({
      manager: 'pip',
      magic: `%pip install ${joined}`,
      shell: `${python} -m pip install ${joined}`
    });
  }
  return groups;
}

/**
 * The commands that bring back the recorded versions, one line per manager,
 * ready to paste in a terminal.
 */
export function restoreScript(differences: IDifference[]): string[] {
  return restoreGroups(differences).map(group => group.shell);
}
