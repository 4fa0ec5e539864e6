// Which way the builtin runner works on a task. Small models do better in a fixed workflow than in a free
// command loop (the SWE-Gym paper: Qwen2.5-Coder 7B solves 7.0 % of SWE-bench Lite in a fixed workflow,
// 1.0 % in a free agent loop), so auto picks the pipeline up to 8B parameters.
import type { ModelInfo } from '../model/model.ts';

export type Strategy = 'pipeline' | 'shell';
export type StrategySetting = Strategy | 'auto';

/**
 * Largest model, in billions of parameters, that auto gives the pipeline. 8.5 rather than 8: Ollama
 * reports the count it read from the weights ("8.0B" for llama3.1:8b, "7.6B" for qwen2.5-coder:7b), and
 * a nominal "8B" model may be a little over.
 */
const PIPELINE_UP_TO_BILLIONS = 8.5;

export interface StrategyChoice {
  strategy: Strategy;
  /** One short line for the log and the pull request. */
  why: string;
}

/** An explicit CW_AGENT_STRATEGY wins; auto decides by the size Ollama reports, and an unknown size is small. */
export function chooseStrategy(
  setting: StrategySetting,
  info: Pick<ModelInfo, 'parameterSize' | 'parameterBillions'> & { name?: string },
): StrategyChoice {
  if (setting !== 'auto') return { strategy: setting, why: `CW_AGENT_STRATEGY=${setting}` };
  const model = info.name ?? 'the model';
  const billions = info.parameterBillions;
  if (billions === undefined) {
    // A model of unknown size is most likely a small local one; the pipeline also works for large ones.
    return { strategy: 'pipeline', why: `auto: ${model} does not report its size (pipeline when unknown)` };
  }
  const strategy: Strategy = billions <= PIPELINE_UP_TO_BILLIONS ? 'pipeline' : 'shell';
  const size = info.parameterSize ?? `${billions}B`;
  return { strategy, why: `auto: ${model} has ${size} parameters (pipeline up to 8B)` };
}
