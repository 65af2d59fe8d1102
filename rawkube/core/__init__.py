"""rawkube's pure core: request planning, resource identity, watch decoding, selectors, discovery
data, the RESTMapper, JSON and YAML, the clock and backoff. No I/O and no HTTP engine here
(``pyproject.toml``'s import contracts keep it so); nothing in it is API: the public names are
``rawkube``'s.
"""
