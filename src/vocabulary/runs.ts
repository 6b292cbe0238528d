/**
 * Seeding and determinism in words, from the run records of a notebook's
 * cells: what the panel's "Seeds and determinism" section says. Twin of
 * python/nbrepro/record/seeding.py (the bundle README says the same), held
 * equal by test/vectors/words/. Pure; the records come from the door.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import type {
  IJSONObject,
  IRunRecord,
  ISeeds,
  IStaleModule,
  JSONValue,
  SeedCall,
  SeedValue
} from '../record/model';
import { cellRange } from './cells';

/**
 * A code cell with its number as the notebook shows it and its run record
 * (null: nbrepro recorded no run of it).
 */
export interface ICellRun {
  number: number;
  run: IRunRecord | null;
}

/** A line of the section: the cells it is about ('' for all) and the text. */
export type CellLine = [string, string];

const MAX_VALUE = 60;
const BIT_GENERATORS = ['MT19937', 'PCG64', 'PCG64DXSM', 'Philox', 'SFC64'];

function short(text: string): string {
  const one = text.split(/\s+/).filter(Boolean).join(' ');
  return one.length <= MAX_VALUE ? one : one.slice(0, MAX_VALUE - 1) + '…';
}

/** A value as Python writes it: True, None, "abc", [1, 2]. */
function pyText(value: JSONValue): string {
  if (value === true || value === false) {
    return value ? 'True' : 'False';
  }
  if (value === null) {
    return 'None';
  }
  if (Array.isArray(value)) {
    return '[' + value.map(pyJson).join(', ') + ']';
  }
  return pyJson(value);
}

/** JSON as Python's json.dumps writes it, with ", " and ": ". */
function pyJson(value: JSONValue): string {
  if (Array.isArray(value)) {
    return '[' + value.map(pyJson).join(', ') + ']';
  }
  if (value !== null && typeof value === 'object') {
    return (
      '{' +
      Object.entries(value)
        .map(([k, v]) => `${JSON.stringify(k)}: ${pyJson(v)}`)
        .join(', ') +
      '}'
    );
  }
  return JSON.stringify(value);
}

/**
 * A seeding argument: 42, "abc", SEED = 42, or the expression's source.
 */
export function valueText(value: SeedValue): string {
  if ('literal' in value) {
    return short(pyText(value.literal));
  }
  if ('name' in value) {
    return `${value.name} = ${short(pyText(value.value_at_capture))}`;
  }
  return short(value.source);
}

type WithArg = ((arg: string) => string) | null;
type Without = (() => string) | null;

/** [with an argument, without one] of each seeding API. */
function seeders(trans: TranslationBundle): {
  [func: string]: [WithArg, Without];
} {
  const fresh = (what: string) => () =>
    trans.__('%1 without a seed (new numbers on every run)', what);
  const three = (library: string) => (arg: string) =>
    trans.__('seeded Python, NumPy and PyTorch with %1 (%2)', arg, library);
  const lightning = (arg: string) =>
    trans.__('seeded every generator with %1 (Lightning)', arg);
  const tensorflow = (arg: string) =>
    trans.__('seeded TensorFlow with %1', arg);
  const jax = (arg: string) => trans.__('created a JAX key from seed %1', arg);
  return {
    'numpy.random.seed': [
      arg => trans.__("seeded NumPy's global generator with %1", arg),
      null
    ],
    'numpy.random.default_rng': [
      arg => trans.__('created Generator(PCG64) from seed %1', arg),
      fresh('created Generator(PCG64)')
    ],
    'numpy.random.RandomState': [
      arg => trans.__('created RandomState(MT19937) from seed %1', arg),
      fresh('created RandomState(MT19937)')
    ],
    'numpy.random.SeedSequence': [
      arg => trans.__('created SeedSequence from %1', arg),
      () =>
        trans.__(
          'created SeedSequence without entropy (new numbers on every run)'
        )
    ],
    'random.seed': [
      arg => trans.__("seeded Python's random module with %1", arg),
      () =>
        trans.__(
          "reseeded Python's random module from the system (new numbers on every run)"
        )
    ],
    'random.Random': [
      arg => trans.__('created random.Random from seed %1', arg),
      fresh('created random.Random')
    ],
    'torch.manual_seed': [arg => trans.__('seeded PyTorch with %1', arg), null],
    'torch.seed': [
      null,
      () =>
        trans.__('reseeded PyTorch from the system (new numbers on every run)')
    ],
    'torch.cuda.manual_seed': [
      arg => trans.__('seeded PyTorch on the current GPU with %1', arg),
      null
    ],
    'torch.cuda.manual_seed_all': [
      arg => trans.__('seeded PyTorch on every GPU with %1', arg),
      null
    ],
    'torch.cuda.seed': [
      null,
      () =>
        trans.__(
          "reseeded PyTorch's GPU from the system (new numbers on every run)"
        )
    ],
    'tensorflow.random.set_seed': [tensorflow, null],
    'tensorflow.compat.v1.set_random_seed': [tensorflow, null],
    'keras.utils.set_random_seed': [
      arg =>
        trans.__('seeded Python, NumPy and TensorFlow with %1 (Keras)', arg),
      null
    ],
    'jax.random.PRNGKey': [jax, null],
    'jax.random.key': [jax, null],
    'transformers.set_seed': [three('transformers'), null],
    'accelerate.utils.set_seed': [three('accelerate'), null],
    'lightning.seed_everything': [lightning, null],
    'pytorch_lightning.seed_everything': [lightning, null],
    'lightning_fabric.seed_everything': [lightning, null],
    'torch.use_deterministic_algorithms': [
      arg => trans.__("set PyTorch's deterministic algorithms to %1", arg),
      null
    ],
    'torch.set_float32_matmul_precision': [
      arg => trans.__("set PyTorch's float32 matmul precision to %1", arg),
      null
    ],
    'tensorflow.config.experimental.enable_op_determinism': [
      null,
      () => trans.__("turned on TensorFlow's op determinism")
    ],
    'transformers.enable_full_determinism': [
      arg =>
        trans.__('turned on full determinism with seed %1 (transformers)', arg),
      null
    ]
  };
}

function flagText(func: string, value: string, trans: TranslationBundle) {
  switch (func) {
    case 'torch.backends.cudnn.deterministic':
      return trans.__("set cuDNN's deterministic mode to %1", value);
    case 'torch.backends.cudnn.benchmark':
      return trans.__("set cuDNN's benchmark mode to %1", value);
    case 'torch.backends.cudnn.enabled':
      return trans.__('set cuDNN to %1', value);
    case 'torch.backends.cudnn.allow_tf32':
      return trans.__("set cuDNN's TF32 to %1", value);
    case 'torch.backends.cuda.matmul.allow_tf32':
      return trans.__('set TF32 for CUDA matmuls to %1', value);
    default:
      return `${func} = ${value}`;
  }
}

const last = (func: string) => func.slice(func.lastIndexOf('.') + 1);

/**
 * One seeding call as a sentence: "seeded NumPy's global generator with 0".
 */
export function callText(call: SeedCall, trans: TranslationBundle): string {
  if (call.kind === 'env') {
    const text = trans.__('set %1 to %2', call.name, valueText(call.value));
    if (call.effective !== false) {
      return text;
    }
    const why =
      call.name === 'PYTHONHASHSEED'
        ? trans.__('no effect: Python reads it only when the kernel starts')
        : trans.__('no effect at run time');
    return `${text} (${why})`;
  }
  if (call.kind === 'keyword') {
    return trans.__(
      'passed %1=%2 to %3',
      call.keyword,
      valueText(call.value),
      last(call.func)
    );
  }
  if (call.kind === 'flag') {
    return flagText(call.func, valueText(call.value), trans);
  }
  const args = call.args;
  let first = args.length > 0 ? valueText(args[0]) : null;
  const kwargs = (call as { kwargs?: { [key: string]: SeedValue } }).kwargs;
  if (first === null && kwargs && Object.keys(kwargs).length > 0) {
    first = valueText(kwargs[Object.keys(kwargs).sort()[0]]);
  }
  let [withArg, without] = seeders(trans)[call.func] ?? [null, null];
  const name = last(call.func);
  if (call.func.startsWith('numpy.random.') && BIT_GENERATORS.includes(name)) {
    withArg = arg =>
      trans.__('created the %1 bit generator from seed %2', name, arg);
    without = () =>
      trans.__(
        'created the %1 bit generator without a seed (new numbers on every run)',
        name
      );
  }
  if (first !== null && withArg) {
    return withArg(first);
  }
  if (first === null && without) {
    return without();
  }
  return trans.__('called %1(%2)', call.func, args.map(valueText).join(', '));
}

/**
 * Generators in the namespace whose seed no call of the cell gave.
 */
function generatorTexts(seeds: ISeeds, trans: TranslationBundle): string[] {
  const given = new Set(
    seeds.calls
      .filter(c => c.kind === 'call' && c.args.length > 0)
      .map(c => valueText((c as { args: SeedValue[] }).args[0]))
  );
  const generators = (seeds.recovered['numpy.generators'] ?? {}) as {
    [name: string]: { bit_generator: string; entropy: JSONValue };
  };
  const out: string[] = [];
  for (const name of Object.keys(generators).sort()) {
    const { bit_generator: bits, entropy } = generators[name];
    if (entropy === null || Array.isArray(entropy)) {
      continue; // an unseeded generator's OS entropy: no seed to name
    }
    const seed = short(pyText(entropy));
    if (!given.has(seed)) {
      out.push(
        trans.__('%1 is Generator(%2) from seed %3', name, short(bits), seed)
      );
    }
  }
  return out;
}

/**
 * What one cell did to random generators, or null when it did nothing itself.
 */
export function cellSeeding(
  run: IRunRecord,
  trans: TranslationBundle
): string[] | null {
  const seeds = run.seeds;
  if (!seeds || seeds.calls.length === 0) {
    return null;
  }
  return [
    ...seeds.calls.map(call => callText(call, trans)),
    ...generatorTexts(seeds, trans)
  ];
}

function statusText(
  seeds: ISeeds | undefined,
  number: number,
  seeders: [number, Set<string>][],
  trans: TranslationBundle
): string {
  if (!seeds) {
    return trans.__('not recorded');
  }
  if (seeds.status === 'unseeded') {
    return trans.__('no seeding');
  }
  if (seeds.status === 'unknown') {
    return trans.__("seeding unknown (the cell's source was not read)");
  }
  const funcs = new Set(seeds.seeded_earlier_by ?? []);
  const earlier = seeders
    .filter(
      ([n, called]) =>
        n !== number &&
        (funcs.size === 0 || [...called].some(func => funcs.has(func)))
    )
    .map(([n]) => n);
  if (earlier.length > 0) {
    return trans.__(
      'RNG seeded earlier (%1), not in this cell',
      cellRange(earlier, trans)
    );
  }
  if (funcs.size > 0) {
    return trans.__(
      'RNG seeded earlier (by %1, in no cell shown here), not in this cell',
      [...funcs].sort().join(', ')
    );
  }
  return trans.__('RNG seeded earlier, not in this cell');
}

/**
 * Each seeding cell on its own line, the others grouped by what they share
 * ("cells 1, 3–50": "no seeding"), in the order of their first cell.
 */
export function seedingLines(
  cells: ICellRun[],
  trans: TranslationBundle
): CellLine[] {
  const groups = new Map<string, number[]>();
  const seeders: [number, Set<string>][] = [];
  for (const cell of cells) {
    if (!cell.run) {
      continue;
    }
    const said = cellSeeding(cell.run, trans);
    let text: string;
    if (said) {
      text = said.join('; ');
      const funcs = cell.run
        .seeds!.calls.filter(c => c.kind === 'call')
        .map(c => c.func);
      seeders.push([cell.number, new Set(funcs)]);
    } else {
      text = statusText(cell.run.seeds, cell.number, seeders, trans);
    }
    groups.set(text, [...(groups.get(text) ?? []), cell.number]);
  }
  return [...groups]
    .sort((a, b) => Math.min(...a[1]) - Math.min(...b[1]))
    .map(([text, numbers]) => [cellRange(numbers, trans), text]);
}

// ------------------------------------------------------------ determinism

function envSentence(
  name: string,
  value: string,
  trans: TranslationBundle
): string {
  const notes: { [name: string]: string } = {
    CUBLAS_WORKSPACE_CONFIG: trans.__('cuBLAS can be deterministic'),
    CUDA_LAUNCH_BLOCKING: trans.__('CUDA calls run one at a time'),
    OMP_NUM_THREADS: trans.__('OpenMP threads'),
    MKL_NUM_THREADS: trans.__('MKL threads'),
    OPENBLAS_NUM_THREADS: trans.__('OpenBLAS threads'),
    NUMEXPR_NUM_THREADS: trans.__('numexpr threads')
  };
  const text = trans.__('%1 is %2', name, short(value));
  return notes[name] ? `${text} (${notes[name]})` : text;
}

function torchTexts(torch: IJSONObject, trans: TranslationBundle): string[] {
  const out: string[] = [];
  const algorithms = torch.deterministic_algorithms;
  if (algorithms === true) {
    out.push(
      torch.deterministic_algorithms_warn_only
        ? trans.__(
            'PyTorch uses deterministic algorithms (warns only where it cannot)'
          )
        : trans.__('PyTorch uses deterministic algorithms')
    );
  } else if (algorithms === false) {
    out.push(trans.__('PyTorch may use non-deterministic algorithms'));
  }
  const cudnn = (torch.cudnn ?? {}) as IJSONObject;
  if (cudnn.enabled === false) {
    out.push(trans.__('cuDNN is off'));
  } else if (
    (cudnn.deterministic ?? null) !== null ||
    (cudnn.benchmark ?? null) !== null
  ) {
    const parts: string[] = [];
    if ((cudnn.deterministic ?? null) !== null) {
      parts.push(
        cudnn.deterministic
          ? trans.__('deterministic')
          : trans.__('not deterministic')
      );
    }
    if (cudnn.benchmark) {
      parts.push(trans.__('benchmark mode on (picks algorithms by timing)'));
    }
    out.push(trans.__('cuDNN is %1', parts.join(', ')));
  }
  if (torch.cuda_matmul_allow_tf32 === true || cudnn.allow_tf32 === true) {
    out.push(
      trans.__('TF32 is allowed on GPUs (lower precision on Ampere and newer)')
    );
  }
  if (torch.float32_matmul_precision) {
    out.push(
      trans.__(
        'float32 matmul precision is %1',
        String(torch.float32_matmul_precision)
      )
    );
  }
  if (typeof torch.num_threads === 'number') {
    out.push(
      trans._n(
        'PyTorch uses %1 thread',
        'PyTorch uses %1 threads',
        torch.num_threads
      )
    );
  }
  return out;
}

/**
 * The determinism settings of one run as sentences (unset ones left out).
 */
export function determinismTexts(
  determinism: IJSONObject | undefined,
  trans: TranslationBundle
): string[] {
  if (!determinism) {
    return [];
  }
  const out: string[] = [];
  const python = determinism.python as IJSONObject | undefined;
  if (python) {
    const atStart = python.PYTHONHASHSEED_at_start;
    out.push(
      python.hash_randomization
        ? trans.__(
            'String hashes are randomised (PYTHONHASHSEED was not set when the kernel started): the order of a set of strings can differ between runs'
          )
        : trans.__(
            'String hashes are fixed (PYTHONHASHSEED=%1 when the kernel started)',
            short(typeof atStart === 'string' ? atStart : '0')
          )
    );
  }
  const env = (determinism.env ?? {}) as IJSONObject;
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (
      typeof value !== 'string' ||
      (name === 'PYTHONHASHSEED' && python !== undefined)
    ) {
      continue;
    }
    out.push(envSentence(name, value, trans));
  }
  out.push(...torchTexts((determinism.torch ?? {}) as IJSONObject, trans));
  const tensorflow = (determinism.tensorflow ?? {}) as IJSONObject;
  if (typeof tensorflow.op_determinism === 'boolean') {
    out.push(
      tensorflow.op_determinism
        ? trans.__('TensorFlow op determinism is on')
        : trans.__('TensorFlow op determinism is off')
    );
  }
  return out;
}

/**
 * The settings said once when every cell ran with the same ones (cells
 * ''), else per group of cells.
 */
export function determinismLines(
  cells: ICellRun[],
  trans: TranslationBundle
): CellLine[] {
  const groups = new Map<string, { texts: string[]; numbers: number[] }>();
  for (const cell of cells) {
    const determinism = cell.run?.determinism;
    if (!determinism) {
      continue;
    }
    const texts = determinismTexts(determinism, trans);
    const key = JSON.stringify(texts);
    const group = groups.get(key) ?? { texts, numbers: [] };
    group.numbers.push(cell.number);
    groups.set(key, group);
  }
  const all = [...groups.values()];
  if (all.length === 1) {
    return all[0].texts.map(text => ['', text]);
  }
  const out: CellLine[] = [];
  for (const group of all.sort(
    (a, b) => Math.min(...a.numbers) - Math.min(...b.numbers)
  )) {
    const label = cellRange(group.numbers, trans);
    const texts =
      group.texts.length > 0 ? group.texts : [trans.__('nothing set')];
    out.push(...texts.map(text => [label, text] as CellLine));
  }
  return out;
}

/** One module the kernel kept from before an install, in words. */
export function staleText(
  distribution: string,
  loaded: string,
  installed: string | null,
  trans: TranslationBundle
): string {
  const change =
    installed === null
      ? trans.__('%1 was uninstalled', distribution)
      : trans.__('%1 %2 was installed', distribution, installed);
  return trans.__(
    'ran %1 %2, loaded before %3 without a restart: restart the kernel and run them again',
    distribution,
    loaded,
    change
  );
}

/**
 * For each distribution the kernel still ran at an older version after an
 * install (`run.stale`), the cells that ran it, in the order of their first
 * cell.
 */
export function staleLines(
  cells: ICellRun[],
  trans: TranslationBundle
): CellLine[] {
  const groups = new Map<string, { item: IStaleModule; numbers: number[] }>();
  for (const cell of cells) {
    for (const item of Object.values(cell.run?.stale ?? {})) {
      const key = JSON.stringify([
        item.distribution,
        item.loaded,
        item.installed
      ]);
      const group = groups.get(key) ?? { item, numbers: [] };
      group.numbers.push(cell.number);
      groups.set(key, group);
    }
  }
  return [...groups.values()]
    .sort(
      (a, b) =>
        Math.min(...a.numbers) - Math.min(...b.numbers) ||
        (a.item.distribution < b.item.distribution
          ? -1
          : a.item.distribution > b.item.distribution
            ? 1
            : 0)
    )
    .map(({ item, numbers }) => [
      cellRange(numbers, trans),
      staleText(item.distribution, item.loaded, item.installed, trans)
    ]);
}
