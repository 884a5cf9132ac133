// A prerequisite a suite cannot run without (a pyenv pip, the corpus, Chromium, Poetry, PDM).
// On a developer's machine a missing one skips the suite with a loud line; under CI=true it is a
// failure, so a clean CI run cannot pass by skipping what it was meant to test (issue 14).
export function requireOrSkip(present: boolean, what: string): boolean {
  if (present) return true;
  if (process.env.CI === 'true') throw new Error(`${what}: missing, and CI=true makes that a failure (.ci/run installs it)`);
  console.warn(`!!! ${what}: missing, suite SKIPPED`);
  return false;
}
