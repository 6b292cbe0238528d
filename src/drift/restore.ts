/**
 * The commands that restore a drift's recorded versions, grouped per manager:
 * what the drift panel offers to copy. Pure.
 */
import { IDifference, quote } from './diff';

/**
 * The commands that bring back the recorded versions, one line per manager,
 * ready to paste in a terminal. Pure, so that it is tested without a browser.
 */
export function restoreScript(differences: IDifference[]): string[] {
  return restoreGroups(differences).map(group => group.shell);
}

export interface IRestoreGroup {
  manager: 'conda' | 'pip';
  /** What to paste into a notebook cell: IPython's %pip / %conda act on the kernel's own interpreter. */
  magic: string;
  /** The same for a terminal, naming the kernel's interpreter or prefix. */
  shell: string;
}

/**
 * The restore commands grouped per manager and action: one `install` (and
 * one `remove`) per manager, in a cell's `%pip` / `%conda` form and in a
 * shell form for the kernel's own Python (or conda prefix).
 */
export function restoreGroups(
  differences: IDifference[],
  kernel: { python?: string; prefix?: string } = {}
): IRestoreGroup[] {
  const args = {
    'conda install': [] as string[],
    'conda remove': [] as string[],
    'pip install': [] as string[],
    'pip uninstall -y': [] as string[]
  };
  for (const difference of differences) {
    for (const line of [difference.restore?.conda, difference.restore?.pip]) {
      if (!line) {
        continue;
      }
      for (const verb of Object.keys(args) as (keyof typeof args)[]) {
        if (line.startsWith(verb + ' ')) {
          const rest = line.slice(verb.length + 1);
          if (!args[verb].includes(rest)) {
            args[verb].push(rest);
          }
          break;
        }
      }
    }
  }
  const python = kernel.python || 'python';
  const prefix = kernel.prefix ? ' -p ' + quote(kernel.prefix) : '';
  const groups: IRestoreGroup[] = [];
  for (const [verb, list] of Object.entries(args)) {
    if (list.length === 0) {
      continue;
    }
    const joined = list.join(' ');
    if (verb.startsWith('conda')) {
      const [, action] = verb.split(' ');
      groups.push({
        manager: 'conda',
        magic: `%conda ${action} -y ${joined}`,
        shell: `conda ${action}${prefix} -y ${joined}`
      });
    } else {
      groups.push({
        manager: 'pip',
        magic: `%${verb} ${joined}`,
        shell: `${quote(python)} -m ${verb} ${joined}`
      });
    }
  }
  return groups;
}
