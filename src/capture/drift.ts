/**
 * What a notebook's record and its kernel's environment say together: the
 * drift between the snapshot the notebook vouches for and the kernel's, and
 * the state the status item, toolbar and panel show. Pure; the controller
 * (./controller.ts) calls these with the record the door read.
 */
import { diffSides, notebookContext, usedDistributions } from '../drift/diff';
import { sideFromEnvironment } from '../drift/view';
import { NotebookRecord } from '../record/document';
import { countPackages } from '../record/packages';
import { CaptureState, IDrift } from '../tokens';

/**
 * What the drift depends on: when it is the same as last time, the drift is
 * too. What the notebook imports decides severities, so a cell that imports
 * a package for the first time changes it.
 */
export function driftKey(
  record: NotebookRecord,
  kernelEnv: string | null,
  ignore: string[]
): string {
  return JSON.stringify([
    record.current,
    kernelEnv,
    ignore,
    usedDistributions(record)
  ]);
}

/**
 * The drift from the recorded snapshot to the kernel's; null when there is
 * nothing to compare (no recorded snapshot, no kernel snapshot, or the same).
 */
export function measureDrift(
  record: NotebookRecord,
  kernelEnv: string | null,
  ignore: string[],
  notebookPath: string
): IDrift | null {
  const recorded = record.current;
  if (
    !recorded ||
    !kernelEnv ||
    recorded === kernelEnv ||
    !(kernelEnv in record.snapshots)
  ) {
    return null;
  }
  const report = diffSides(
    sideFromEnvironment(record.snapshots[recorded].environment),
    sideFromEnvironment(record.snapshots[kernelEnv].environment),
    notebookContext(record, ignore)
  );
  return { notebookPath, recorded, kernel: kernelEnv, report };
}

/**
 * The state once the kernel reported: the snapshot shown is the kernel's
 * when the record holds it, else the recorded one.
 */
export function recordedState(
  record: NotebookRecord,
  kernelEnv: string | null,
  drift: IDrift | null
): CaptureState {
  const shown =
    kernelEnv && kernelEnv in record.snapshots ? kernelEnv : record.current;
  if (!shown) {
    return { kind: 'failed', reason: 'the kernel returned no environment' };
  }
  return {
    kind: 'recorded',
    envId: shown,
    packages: countPackages(record.snapshots[shown].environment),
    snapshots: Object.keys(record.snapshots).length,
    drift: drift?.report.severity ?? 'none'
  };
}
