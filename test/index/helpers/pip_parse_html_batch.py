# Batch form for pip >= 22.3: read [{"html", "url"}, ...] on stdin, print for each page the links
# pip's own parser finds as [url_without_fragment, hash, requires_python, yanked_reason].
# Only pip's library code runs, on strings: nothing is fetched, built or installed.
import json
import sys

from pip._internal.index import collector

out = []
for doc in json.load(sys.stdin):
    # cache_link_parsing=False: pip memoizes parse results per page URL, and all pages share one.
    page = collector.IndexContent(doc['html'].encode('utf-8'), 'text/html', 'utf-8', doc['url'], cache_link_parsing=False)
    out.append([[l.url_without_fragment, l.hash, l.requires_python, l.yanked_reason] for l in collector.parse_links(page)])
print(json.dumps(out))
