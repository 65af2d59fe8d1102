"""rawkube's client layer: the transport, the clients, the typed and dynamic APIs, watch streams
and their retrying form, discovery over HTTP and manifests. It builds on ``rawkube.core``,
``rawkube.config`` and the HTTP engine (``rawkube._http``), and never imports ``rawkube.runtime``;
nothing in it is API: the public names are ``rawkube``'s.
"""
