// Dependency tricks: requirements pointing at URLs or VCS (PEP 508 direct references,
// dependency_links). PyPI rejects direct references in uploads of well-behaved tools; a package
// that pulls code from elsewhere at install bypasses the index (and this proxy).
import type { Rule } from '../analyze/context.js';
import { finding } from '../analyze/context.js';
import { urlRequirements } from '../analyze/metadata.js';

export const dependencyUrl: Rule = {
  id: 'dependency-url',
  why: 'A dependency fetched from a URL or Git repository at install bypasses the index and its scanning; popular packages depend on index names.',
  severities: 'medium: a URL/VCS requirement or dependency link to a non-GitHub host; low: GitHub/GitLab',
  check(ctx) {
    const urls = [...new Set(urlRequirements(ctx.meta))];
    if (!urls.length) return [];
    const offHub = urls.filter((u) => !/github\.com|gitlab\.com|bitbucket\.org/.test(u));
    return [finding('dependency-url', offHub.length ? 'medium' : 'low', '', undefined, urls[0], `Requirements fetched from URLs instead of the index: ${urls.slice(0, 3).join(', ')}.`)];
  },
};
