"""What a card looks like: ``generations`` (YAML, ``extends:``, the schema), ``templating``
(sandboxed Jinja), ``fetcher`` (the only files a template may read) and ``colors`` (CMYK)."""
