// Evaluation only: scores given per file replace the model's (`pywarden scan --model-scores FILE`).
// `npm run train` writes every training file's out-of-fold score (the score of a model whose
// training folds never saw that file's family); scanning the training sets with them gives
// out-of-fold figures for the whole pipeline, rules and policy included. Never set by the proxy.
import { readFileSync } from 'node:fs';

export const MODEL_SCORES_ENV = 'PYWARDEN_MODEL_SCORES';

let given: Map<string, number> | null | undefined;

/** The given score for this sha256, or undefined when none is given (the model decides). */
export function givenScore(sha256: string): number | undefined {
  if (given === undefined) {
    const path = process.env[MODEL_SCORES_ENV];
    given = path ? new Map((JSON.parse(readFileSync(path, 'utf8')) as Array<{ sha256: string; stack: number }>).map((r) => [r.sha256, r.stack])) : null;
  }
  return given?.get(sha256);
}
