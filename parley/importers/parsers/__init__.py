"""One streaming parser per source format; each yields records (see records.py)."""

from parley.importers.parsers import commento, disqus, isso, parley, remark42, wordpress

PARSERS = {
    "disqus": disqus.parse,
    "wordpress": wordpress.parse,
    "isso": isso.parse,
    "remark42": remark42.parse,
    "commento": commento.parse,
    "parley": parley.parse,
}
