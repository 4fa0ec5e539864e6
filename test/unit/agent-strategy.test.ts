import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseStrategy } from '../../worker/agent/strategy.ts';
import { loadSettings } from '../../worker/core/settings.ts';

describe('strategy choice', () => {
  it('auto gives small models the pipeline and says why in one line', () => {
    const choice = chooseStrategy('auto', {
      name: 'qwen2.5-coder:1.5b',
      parameterSize: '1.5B',
      parameterBillions: 1.5,
    });
    assert.deepEqual(choice, {
      strategy: 'pipeline',
      why: 'auto: qwen2.5-coder:1.5b has 1.5B parameters (pipeline up to 8B)',
    });
    assert.equal(
      chooseStrategy('auto', { parameterSize: '494.03M', parameterBillions: 0.49403 }).strategy,
      'pipeline',
    );
  });

  it('auto counts an 8B model as small and anything larger as large', () => {
    assert.equal(
      chooseStrategy('auto', { parameterSize: '8.0B', parameterBillions: 8 }).strategy,
      'pipeline',
    );
    assert.equal(
      chooseStrategy('auto', { parameterSize: '8.5B', parameterBillions: 8.5 }).strategy,
      'pipeline',
    );
    const large = chooseStrategy('auto', {
      name: 'qwen2.5-coder:14b',
      parameterSize: '14.8B',
      parameterBillions: 14.8,
    });
    assert.deepEqual(large, {
      strategy: 'shell',
      why: 'auto: qwen2.5-coder:14b has 14.8B parameters (pipeline up to 8B)',
    });
    assert.equal(chooseStrategy('auto', { parameterSize: '8.6B', parameterBillions: 8.6 }).strategy, 'shell');
  });

  it('auto takes the pipeline when the size is unknown', () => {
    const choice = chooseStrategy('auto', { name: 'mystery:latest' });
    assert.equal(choice.strategy, 'pipeline');
    assert.match(choice.why, /mystery:latest does not report its size/);
    // A size Ollama printed but we could not read is unknown too.
    assert.equal(chooseStrategy('auto', { parameterSize: 'large' }).strategy, 'pipeline');
  });

  it('an explicit setting wins over the size', () => {
    assert.deepEqual(chooseStrategy('shell', { parameterSize: '1.5B', parameterBillions: 1.5 }), {
      strategy: 'shell',
      why: 'CW_AGENT_STRATEGY=shell',
    });
    assert.equal(
      chooseStrategy('pipeline', { parameterSize: '70B', parameterBillions: 70 }).strategy,
      'pipeline',
    );
  });

  it('CW_AGENT_STRATEGY defaults to auto and CW_CANDIDATES to 3, within 1-10', () => {
    assert.equal(loadSettings({}).agent.strategy, 'auto');
    assert.equal(loadSettings({ CW_AGENT_STRATEGY: 'shell' }).agent.strategy, 'shell');
    assert.throws(() => loadSettings({ CW_AGENT_STRATEGY: 'loop' }), /CW_AGENT_STRATEGY/);
    assert.equal(loadSettings({}).agent.candidates, 3);
    assert.equal(loadSettings({ CW_CANDIDATES: '10' }).agent.candidates, 10);
    for (const bad of ['0', '11', '2.5', 'many']) {
      assert.throws(() => loadSettings({ CW_CANDIDATES: bad }), /CW_CANDIDATES/, bad);
    }
  });
});
