"""The tokenizer wing: loading (hub, caches, packaged stand-ins), cutting a text into tokens,
drawing them as HTML, the page's presets and what its link carries."""
