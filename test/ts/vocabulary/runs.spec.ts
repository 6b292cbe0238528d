import {
  describeDeterminism,
  describeSeeding,
  flattenFacts
} from '../../../src/vocabulary';
import { IRunRecord } from '../../../src/record/model';

describe('what the panel says about a run', () => {
  const run: IRunRecord = {
    seeds: {
      status: 'seeded',
      calls: [
        { kind: 'call', func: 'random.seed', args: [{ literal: 42 }] },
        {
          kind: 'call',
          func: 'torch.manual_seed',
          args: [{ name: 'SEED', value_at_capture: 7 }]
        },
        {
          kind: 'env',
          func: 'os.environ',
          name: 'PYTHONHASHSEED',
          value: { literal: '0' },
          effective: false
        }
      ],
      recovered: { 'torch.initial_seed': 7, 'numpy.legacy_seed': null }
    },
    determinism: {
      env: { CUBLAS_WORKSPACE_CONFIG: ':4096:8', OMP_NUM_THREADS: null },
      torch: { deterministic_algorithms: true }
    }
  };

  it('writes seeding calls as code and recovered seeds as values', () => {
    expect(describeSeeding(run)).toBe(
      'random.seed(42); torch.manual_seed(SEED=7); PYTHONHASHSEED="0" (no effect at run time); torch.initial_seed = 7'
    );
    expect(describeSeeding({})).toBe('');
  });

  it('lists only the determinism settings that are set', () => {
    expect(describeDeterminism(run)).toBe(
      'env.CUBLAS_WORKSPACE_CONFIG=:4096:8, torch.deterministic_algorithms=true'
    );
  });

  it('flattens facts and skips what is empty', () => {
    expect(
      flattenFacts(
        { driver: '550.1', devices: [{ name: 'H100' }], env: {}, x: null },
        'gpu'
      )
    ).toEqual([
      ['gpu.driver', '550.1'],
      ['gpu.devices[0].name', 'H100']
    ]);
  });
});
