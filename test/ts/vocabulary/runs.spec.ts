/**
 * Seeding in words, beyond the shared vectors (test/vectors/words/): every
 * seeding API the kernel recognises gets a sentence, with and without its
 * argument, and none leaves a placeholder or "undefined" behind.
 */
import { nullTranslator } from '@jupyterlab/translation';

import { SeedCall } from '../../../src/record/model';
import { callText, seedingLines } from '../../../src/vocabulary';

const trans = nullTranslator.load('nbrepro');

const APIS = [
  'numpy.random.seed',
  'numpy.random.default_rng',
  'numpy.random.RandomState',
  'numpy.random.SeedSequence',
  'numpy.random.MT19937',
  'random.seed',
  'random.Random',
  'torch.manual_seed',
  'torch.seed',
  'torch.cuda.manual_seed',
  'torch.cuda.manual_seed_all',
  'tensorflow.random.set_seed',
  'keras.utils.set_random_seed',
  'jax.random.PRNGKey',
  'transformers.set_seed',
  'accelerate.utils.set_seed',
  'lightning.seed_everything',
  'torch.use_deterministic_algorithms',
  'tensorflow.config.experimental.enable_op_determinism',
  'transformers.enable_full_determinism'
];

describe('seeding calls in words', () => {
  it.each(APIS)(
    '%s reads as a sentence, with and without its argument',
    func => {
      for (const args of [[{ literal: 42 }], []]) {
        const text = callText({ kind: 'call', func, args } as SeedCall, trans);
        expect(text).not.toMatch(/undefined|%\d/);
        expect(text.length).toBeGreaterThan(10);
      }
    }
  );

  it('says what a keyword, a flag and an environment variable did', () => {
    expect(
      callText(
        {
          kind: 'keyword',
          func: 'sklearn.model_selection.train_test_split',
          keyword: 'random_state',
          value: { name: 'SEED', value_at_capture: 7 }
        } as SeedCall,
        trans
      )
    ).toBe('passed random_state=SEED = 7 to train_test_split');
    expect(
      callText(
        {
          kind: 'flag',
          func: 'torch.backends.cudnn.benchmark',
          value: { literal: false }
        } as SeedCall,
        trans
      )
    ).toBe("set cuDNN's benchmark mode to False");
    expect(
      callText(
        {
          kind: 'env',
          func: 'os.environ',
          name: 'CUBLAS_WORKSPACE_CONFIG',
          value: { literal: ':4096:8' }
        } as SeedCall,
        trans
      )
    ).toBe('set CUBLAS_WORKSPACE_CONFIG to ":4096:8"');
  });

  it('gives fifty cells that seed nothing one line', () => {
    const cells = Array.from({ length: 50 }, (_, i) => ({
      number: i + 1,
      run: {
        seeds: {
          calls: [],
          recovered: {},
          status: 'unseeded' as const
        }
      }
    }));
    expect(seedingLines(cells, trans)).toEqual([['cells 1–50', 'no seeding']]);
  });
});
