# Read an index page with pip's own link parser (pip 18 to 24) and print what pip sees as JSON.
# Only pip's library code runs, on a page file: no package is fetched, built or imported.
# usage: python pip_parse_links.py PAGE_FILE PAGE_URL CONTENT_TYPE
import json, sys
path, url, ctype = sys.argv[1], sys.argv[2], sys.argv[3]
content = open(path, 'rb').read()
links = None
try:  # pip >= 22.3 (IndexContent) / 22.x (HTMLPage with parse_links)
    from pip._internal.index import collector as c
    if hasattr(c, 'IndexContent'):
        page = c.IndexContent(content, ctype, 'utf-8', url)
    else:
        page = c.HTMLPage(content, 'utf-8', url)
    try:
        links = list(c.parse_links(page))
    except TypeError:  # pip 22.0/22.1: parse_links(page, use_deprecated_html5lib)
        links = list(c.parse_links(page, False))
except ImportError:
    pass
if links is None:  # pip 18
    from pip._internal.index import HTMLPage
    page = HTMLPage(content, url, headers={'Content-Type': ctype})
    links = list(page.iter_links())
out = []
for l in links:
    d = {'url': l.url_without_fragment, 'filename': l.filename, 'hash': l.hash, 'hash_name': l.hash_name,
         'requires_python': getattr(l, 'requires_python', None), 'yanked_reason': getattr(l, 'yanked_reason', None)}
    mf = getattr(l, 'metadata_file_data', None)
    if mf is not None:
        d['metadata_hashes'] = getattr(mf, 'hashes', None)
    out.append(d)
print(json.dumps(out))
