// An upstream page we cannot trust to mean what it says. The server answers 502 (the upstream
// is at fault, not the client) and never caches the page.
export class IndexParseError extends Error {
  readonly code = 'INDEX_PARSE';
  readonly status = 502;
  constructor(message: string) {
    super(message);
    this.name = 'IndexParseError';
  }
}
