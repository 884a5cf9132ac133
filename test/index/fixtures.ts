// Hand-written pages in the shape PyPI serves (checked against PROTOCOL.md): a quarantined
// project with yanked files, requires-python ">=3.8,<4", PEP 658/714 metadata and PEP 740
// provenance. Hashes are fake but well-formed hex.
export const H = {
  sdist: 'a1'.repeat(32),
  wheel: 'b2'.repeat(32),
  wheelMeta: 'c3'.repeat(32),
  old: 'd4'.repeat(32),
  oldMeta: 'e5'.repeat(32),
};

export const PYPI_JSON = JSON.stringify({
  meta: { '_last-serial': 26001234, 'api-version': '1.4' },
  name: 'Demo.Pkg',
  'project-status': { status: 'quarantined', reason: 'Malware reported <PYSEC-0000> & confirmed' },
  versions: ['0.9', '1.0'],
  files: [
    {
      filename: 'demo_pkg-0.9-py3-none-any.whl',
      url: 'https://files.pythonhosted.org/packages/00/11/demo_pkg-0.9-py3-none-any.whl',
      hashes: { sha256: H.old },
      'requires-python': '>=3.8,<4',
      size: 10240,
      'upload-time': '2024-01-02T03:04:05.678901Z',
      yanked: 'Broken build: use 1.0',
      'core-metadata': { sha256: H.oldMeta },
      'data-dist-info-metadata': { sha256: H.oldMeta },
      provenance: null,
    },
    {
      filename: 'demo_pkg-1.0.tar.gz',
      url: '../../packages/22/33/demo_pkg-1.0.tar.gz',
      hashes: { sha256: H.sdist.toUpperCase(), md5: '0123456789abcdef0123456789abcdef' },
      'requires-python': '>=3.8,<4',
      size: 20480,
      'upload-time': '2024-05-06T07:08:09.000000Z',
      yanked: false,
      provenance: null,
    },
    {
      filename: 'demo_pkg-1.0-py3-none-any.whl',
      url: 'https://files.pythonhosted.org/packages/44/55/demo_pkg-1.0-py3-none-any.whl',
      hashes: { sha256: H.wheel },
      'requires-python': '>=3.8,<4',
      size: 12345,
      'upload-time': '2024-05-06T07:08:10.000000Z',
      yanked: false,
      'core-metadata': { sha256: H.wheelMeta },
      'data-dist-info-metadata': { sha256: H.wheelMeta },
      provenance: 'https://pypi.org/integrity/demo-pkg/1.0/demo_pkg-1.0-py3-none-any.whl/provenance',
    },
  ],
});

export const PYPI_HTML = `<!DOCTYPE html>
<html>
  <head>
    <meta name="pypi:repository-version" content="1.4">
    <meta name="pypi:project-status" content="quarantined">
    <meta name="pypi:project-status-reason" content="Malware reported &lt;PYSEC-0000&gt; &amp; confirmed">
    <title>Links for demo-pkg</title>
  </head>
  <body>
    <h1>Links for demo-pkg</h1>
    <a href="https://files.pythonhosted.org/packages/00/11/demo_pkg-0.9-py3-none-any.whl#sha256=${H.old}" data-requires-python="&gt;=3.8,&lt;4" data-yanked="Broken build: use 1.0" data-dist-info-metadata="sha256=${H.oldMeta}" data-core-metadata="sha256=${H.oldMeta}">demo_pkg-0.9-py3-none-any.whl</a><br />
    <a href="../../packages/22/33/demo_pkg-1.0.tar.gz#sha256=${H.sdist.toUpperCase()}" data-requires-python="&gt;=3.8,&lt;4" >demo_pkg-1.0.tar.gz</a><br />
    <a href="https://files.pythonhosted.org/packages/44/55/demo_pkg-1.0-py3-none-any.whl#sha256=${H.wheel}" data-requires-python="&gt;=3.8,&lt;4" data-dist-info-metadata="sha256=${H.wheelMeta}" data-core-metadata="sha256=${H.wheelMeta}" data-provenance="https://pypi.org/integrity/demo-pkg/1.0/demo_pkg-1.0-py3-none-any.whl/provenance">demo_pkg-1.0-py3-none-any.whl</a><br />
  </body>
</html>
<!--SERIAL 26001234-->
`;

export const PAGE_URL = 'https://pypi.org/simple/demo-pkg/';
